"""HC-STVG v1 / v2: the official layouts and TubeDETR's *_proc.json give the same ground truth."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from stvg_bench.data.tubes import GroundTruth
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions
from stvg_bench.tasks.base import Evaluator

from .helpers import as_reference_predictions, hcstvg_proc, make_hcstvg_official
from .reference import slow_stvg


@pytest.fixture(params=[False, True], ids=["v1", "v2"])
def layouts(request, tmp_path):
    v2 = request.param
    official = make_hcstvg_official(25, seed=4, v2=v2)
    official_path = tmp_path / ("val_v2.json" if v2 else "test.json")
    official_path.write_text(json.dumps(official))
    proc_path = tmp_path / "proc.json"
    proc_path.write_text(json.dumps(hcstvg_proc(official, v2)))
    name = "hcstvg-v2" if v2 else "hcstvg-v1"
    split = "val" if v2 else "test"
    return (
        name,
        split,
        official,
        load_dataset(name, split, official_path),
        load_dataset(name, split, proc_path),
    )


def test_layouts_agree(layouts):
    _, _, official, a, b = layouts
    for field in dataclasses.fields(GroundTruth):
        x, y = getattr(a.gt, field.name), getattr(b.gt, field.name)
        if isinstance(x, np.ndarray):
            if field.name == "video_id":  # TubeDETR drops the file extension
                assert [v.rsplit(".", 1)[0] for v in x.tolist()] == y.tolist()
            else:
                np.testing.assert_array_equal(x, y, err_msg=field.name)
    first = next(iter(official.values()))
    assert a.gt.gt_start_frame[0] == first["st_frame"] - 1  # 1-based st_frame made 0-based
    assert a.gt.fps[0] == first["img_num"] / 20


@pytest.mark.parametrize("protocol", ["dense", "tubedetr", "stcat"])
def test_every_protocol_scores_both_layouts_identically(layouts, protocol):
    _, _, _, a, b = layouts
    predictions = make_predictions(a.gt, "good", seed=3, frames="input")
    ra = Evaluator(a, protocol).score(predictions, ci=False)
    rb = Evaluator(b, protocol).score(predictions, ci=False)
    assert ra.metrics == rb.metrics
    assert set(ra.metrics) == {"all"}  # HC-STVG has no query types


def test_cli_with_stcat_format(layouts, run_cli, tmp_path):
    name, split, official, dataset, _ = layouts
    predictions = make_predictions(dataset.gt, "good", frames="input")
    path = tmp_path / "stcat.json"
    write_predictions(predictions, path, "stcat", dataset)
    official_path = next(p for p in tmp_path.iterdir() if p.name in ("test.json", "val_v2.json"))
    out = tmp_path / "r.json"
    code, _, stderr = run_cli(
        "score",
        path,
        "--dataset",
        name,
        "--split",
        split,
        "--annotations",
        official_path,
        "--protocol",
        "stcat",
        "--out",
        out,
    )
    assert code == 0, stderr
    metrics = json.loads(out.read_text())["metrics"]
    samples = slow_stvg.hcstvg_samples_official(official, v2=name == "hcstvg-v2")
    _, expected = slow_stvg.evaluate(samples, as_reference_predictions(predictions), "stcat")
    assert set(metrics) == set(expected) == {"all"}
    assert metrics["all"] == pytest.approx(expected["all"], abs=1e-12)
