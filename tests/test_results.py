"""Results files: version 2 as written, version 1 still readable, schemas generated from the declared fields."""

from __future__ import annotations

import json

import jsonschema
import pytest

from stvg_bench.core.errors import FormatError, OptionError
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions
from stvg_bench.registries import TASKS
from stvg_bench.results.io import load_results
from stvg_bench.results.result import compare
from stvg_bench.results.schema import result_schema
from stvg_bench.tasks.base import Evaluator

# What stvg-bench 0.1 wrote for `score good.json --dataset synthetic --out results.json` (fields as written then).
VERSION_1 = {
    "format": "stvg-bench/results", "version": 1, "stvg_bench_version": "0.1.0", "dataset": "synthetic",
    "split": "test", "task": "spatio-temporal",
    "protocol": {"name": "dense", "version": 1, "description": "stvg-bench canonical", "reproduces": None,
                 "frame_set": "all", "sampling_fps": None, "max_frames": None, "gt_interval": "half_open",
                 "hcstvg_frame_offset": 0, "clip_segments": True, "interpolate_boxes": True,
                 "copy_last_gt_box": False, "threshold_rule": "greater"},
    "thresholds": [0.3, 0.5],
    "inputs": {"predictions_sha256": "a" * 64, "annotations_sha256": "b" * 64},
    "n_samples": 200, "group_sizes": {"all": 200},
    "metrics": {"all": {"m_tIoU": 0.9, "m_vIoU": 0.8, "vIoU@0.3": 1.0, "vIoU@0.5": 1.0, "m_gt_vIoU": 0.85}},
    "ci95": {"all": {"m_tIoU": [0.89, 0.91]}},
    "warnings": {},
}


def test_version_1_files_stay_readable(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(VERSION_1))
    record = load_results(path)
    assert (record.version, record.task, record.dataset, record.split) == (1, "tube-grounding", "synthetic", "test")
    assert record.metrics == VERSION_1["metrics"] and record.ci95 == VERSION_1["ci95"]
    assert record.inputs == {"predictions": {"path": None, "sha256": "a" * 64},
                             "annotations": {"path": None, "sha256": "b" * 64}}
    assert record.options == {"thresholds": [0.3, 0.5]} and record.protocol["name"] == "dense"
    assert [f.name for f in record.fields] == list(VERSION_1["metrics"]["all"])
    assert record.provenance == {"stvg_bench_version": "0.1.0"} and record.method is None


def test_version_2_round_trip(run_cli, tmp_path):
    dataset = load_dataset("synthetic")
    path = tmp_path / "p.json"
    write_predictions(make_predictions(dataset.gt, "good", seed=2), path, "stvg-bench", dataset)
    out = tmp_path / "r.json"
    assert run_cli("score", path, "--dataset", "synthetic", "--protocol", "tubedetr", "--interpolate",
                   "--out", out)[0] == 0
    record = load_results(out)
    document = json.loads(out.read_text())
    assert record.version == 2 and record.task == "tube-grounding"
    assert record.protocol["name"] == "tubedetr+interpolate" and record.protocol["interpolate_boxes"] is True
    assert record.options["interpolate"] is True and record.metrics == document["metrics"]
    assert record.bootstrap == {"n_resamples": 1000, "seed": 0, "unit": "samples", "level": 0.95,
                                "interval": "percentile"}


@pytest.mark.parametrize("broken, message", [
    ({"format": "other"}, "not an stvg-bench results file"),
    ({**VERSION_1, "version": 9}, "unknown results version 9"),
    ({k: v for k, v in VERSION_1.items() if k != "metrics"}, "malformed version 1 results file"),
])
def test_unreadable_results_files(tmp_path, broken, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(FormatError, match=message):
        load_results(path)


@pytest.mark.parametrize("name", TASKS.names())
def test_every_task_has_a_generated_schema_that_is_a_valid_schema(name):
    task = TASKS.get(name)
    options = task.parse_options({})
    fields = task.fields(task.protocol(None, options), options)
    schema = result_schema(name, fields)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["metrics"]["additionalProperties"]["properties"].keys() == {f.name for f in fields}


def test_compare_refuses_results_scored_with_other_options():
    dataset = load_dataset("synthetic")
    predictions = make_predictions(dataset.gt, "good")
    a = Evaluator(dataset, "dense").score(predictions, ci=False)
    b = Evaluator(dataset, "dense", thresholds="0.1").score(predictions, ci=False)
    with pytest.raises(OptionError, match="same task, dataset, split, protocol and options"):
        compare(a, b, 10, 0)
