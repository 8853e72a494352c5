"""`stvg-bench score` for every adapter x layout x format x protocol, each writing the results layout.

Every score equals the slow reference (tests/reference/slow_stvg.py) on the predictions that were
written, and the layouts of one dataset give the same numbers in every format.
"""

from __future__ import annotations

import json

import pytest

from stvg_bench.cli import main
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions

from .helpers import as_reference_predictions, hcstvg_proc, make_hcstvg_official, validate_results
from .reference import slow_stvg

FORMATS = {"stvg-bench": "p.json", "tubedetr": "p.json.gz", "stcat": "p.json", "parquet": "p-parquet"}
PROTOCOLS = ("dense", "tubedetr", "stcat")
# The layouts that hold the same ground truth (the synthetic split is what the VidSTG files hold).
SAME_GROUND_TRUTH = {
    "vidstg": ["vidstg-official", "vidstg-tubedetr", "synthetic"],
    "hcstvg-v1": ["hcstvg-v1-official", "hcstvg-v1-tubedetr"],
    "hcstvg-v2": ["hcstvg-v2-official", "hcstvg-v2-tubedetr"],
}
LAYOUTS = [layout for layouts in SAME_GROUND_TRUTH.values() for layout in layouts]


@pytest.fixture(scope="module")
def layouts(synthetic_files, tmp_path_factory):
    """(dataset, split, annotation files, the slow reference's samples) for every adapter and input layout."""
    out = tmp_path_factory.mktemp("layouts")
    vidstg = slow_stvg.vidstg_samples_official(synthetic_files["entries"], synthetic_files["videos"])
    tubedetr = json.loads(synthetic_files["tubedetr"].read_text())
    cases = {
        "vidstg-official": ("vidstg", "test", [synthetic_files["annotations"], synthetic_files["vidor_dir"]],
                            vidstg),
        "vidstg-tubedetr": ("vidstg", "test", [synthetic_files["tubedetr"]],
                            slow_stvg.vidstg_samples_tubedetr(tubedetr)),
        "synthetic": ("synthetic", "test", [], vidstg),
    }
    for v2 in (False, True):
        name, split = ("hcstvg-v2", "val") if v2 else ("hcstvg-v1", "test")
        official = make_hcstvg_official(12, seed=9, v2=v2)
        samples = slow_stvg.hcstvg_samples_official(official, v2)
        official_path = out / f"{name}-official.json"
        official_path.write_text(json.dumps(official))
        proc_path = out / f"{name}_proc.json"
        proc_path.write_text(json.dumps(hcstvg_proc(official, v2)))
        cases[f"{name}-official"] = (name, split, [official_path], samples)
        cases[f"{name}-tubedetr"] = (name, split, [proc_path], samples)
    return cases


@pytest.fixture(scope="module")
def predictions(layouts):
    """``predictions(layout)``: (dataset, the predictions every format writes, the slow reference's metrics
    of them per protocol), made once per layout."""
    cache = {}

    def make(layout: str):
        if layout not in cache:
            name, split, files, samples = layouts[layout]
            dataset = load_dataset(name, split, *files)
            written = make_predictions(dataset.gt, "good", seed=6, frames="input")
            reference = as_reference_predictions(written)
            expected = {protocol: slow_stvg.evaluate(samples, reference, protocol)[1] for protocol in PROTOCOLS}
            cache[layout] = dataset, written, expected
        return cache[layout]

    return make


def cli_options(files: list) -> list[str]:
    """``--annotations A [--vidor-dir V]`` for the files ``load_dataset`` takes."""
    return [str(a) for pair in zip(("--annotations", "--vidor-dir"), files) for a in pair]


@pytest.fixture(scope="module")
def scores(layouts, predictions, tmp_path_factory):
    """``scores(layout, fmt)``: ``{protocol: results JSON}`` of `stvg-bench score`, each run once."""
    cache = {}

    def score(layout: str, fmt: str) -> dict:
        if (layout, fmt) not in cache:
            name, split, files, _ = layouts[layout]
            dataset, written, _ = predictions(layout)
            directory = tmp_path_factory.mktemp(f"{layout}-{fmt}")
            path = directory / FORMATS[fmt]
            write_predictions(written, path, fmt, dataset)
            cache[layout, fmt] = {}
            for protocol in PROTOCOLS:
                out = directory / f"{protocol}.json"
                code = main(["score", str(path), "--dataset", name, "--split", split, *cli_options(files),
                             "--protocol", protocol, "--out", str(out)])
                assert code == 0, (layout, fmt, protocol)
                cache[layout, fmt][protocol] = json.loads(out.read_text())
        return cache[layout, fmt]

    return score


def flat(metrics: dict) -> dict:
    return {(group, name): value for group, values in metrics.items() for name, value in values.items()}


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_combination(layouts, predictions, scores, layout, fmt):
    _, _, expected = predictions(layout)
    for protocol, results in scores(layout, fmt).items():
        validate_results(results)
        assert results["dataset"] == layouts[layout][0] and results["protocol"]["name"] == protocol
        assert flat(results["metrics"]) == pytest.approx(flat(expected[protocol]), abs=1e-9), (layout, fmt, protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("dataset", list(SAME_GROUND_TRUTH))
def test_every_layout_and_format_gives_the_same_metrics(scores, dataset, protocol):
    metrics = {(layout, fmt): scores(layout, fmt)[protocol]["metrics"]
               for layout in SAME_GROUND_TRUTH[dataset] for fmt in FORMATS}
    first = next(iter(metrics.values()))
    assert {key: values for key, values in metrics.items() if values != first} == {}
