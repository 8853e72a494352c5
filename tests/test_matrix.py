"""`stvg-bench score` for every adapter x layout x format x protocol, each writing the results layout."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions

from .helpers import hcstvg_proc, make_hcstvg_official

FORMATS = {"stvg-bench": "p.json", "tubedetr": "p.json.gz", "stcat": "p.json", "parquet": "p-parquet"}
PROTOCOLS = ("dense", "tubedetr", "stcat")


@pytest.fixture(scope="module")
def layouts(synthetic_files, tmp_path_factory):
    """(dataset, split, CLI options) for every adapter and input layout."""
    out = tmp_path_factory.mktemp("layouts")
    cases = {
        "vidstg-official": ("vidstg", "test", ["--annotations", synthetic_files["annotations"],
                                               "--vidor-dir", synthetic_files["vidor_dir"]]),
        "vidstg-tubedetr": ("vidstg", "test", ["--annotations", synthetic_files["tubedetr"]]),
        "synthetic": ("synthetic", "test", []),
    }
    for v2 in (False, True):
        name, split = ("hcstvg-v2", "val") if v2 else ("hcstvg-v1", "test")
        official = make_hcstvg_official(12, seed=9, v2=v2)
        official_path = out / f"{name}-official.json"
        official_path.write_text(json.dumps(official))
        proc_path = out / f"{name}_proc.json"
        proc_path.write_text(json.dumps(hcstvg_proc(official, v2)))
        cases[f"{name}-official"] = (name, split, ["--annotations", official_path])
        cases[f"{name}-tubedetr"] = (name, split, ["--annotations", proc_path])
    return cases


@pytest.fixture(scope="module")
def schema():
    return json.loads(resources.files("stvg_bench.formats").joinpath("schemas/results-v1.schema.json").read_text())


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize(
    "layout",
    ["vidstg-official", "vidstg-tubedetr", "synthetic", "hcstvg-v1-official", "hcstvg-v1-tubedetr",
     "hcstvg-v2-official", "hcstvg-v2-tubedetr"],
)
def test_every_combination(layouts, schema, run_cli, tmp_path, layout, fmt):
    name, split, options = layouts[layout]
    dataset = load_dataset(name, split, *(options[1:2] or [None]), *(options[3:4] or []))
    path = tmp_path / FORMATS[fmt]
    write_predictions(make_predictions(dataset.gt, "good", seed=6, frames="input"), path, fmt, dataset)
    for protocol in PROTOCOLS:
        out = tmp_path / f"{protocol}.json"
        code, _, stderr = run_cli("score", path, "--dataset", name, "--split", split, *options,
                                  "--protocol", protocol, "--out", out)
        assert code == 0, (layout, fmt, protocol, stderr)
        results = json.loads(out.read_text())
        jsonschema.validate(results, schema)
        assert results["dataset"] == name and results["protocol"]["name"] == protocol
        assert results["metrics"]["all"]["m_vIoU"] > 0.2, (layout, fmt, protocol)
