"""stvg-bench against the numbers the peers' own evaluators give on the golden cases.

The cases live in ``shared/data/golden`` (its README.md says how they were made): real VidSTG val
sentences (300 entries, 664 sentences) with synthetic VidOR boxes, and synthetic HC-STVG v1 / v2
files (60 clips each), each with five prediction files in TubeDETR's format (jitter_tshift,
partial_overlap, outside_gt, multibox_wrong_first, stcat_convention; VidSTG stcat_convention also in
STCAT's own layout). ``expected/<case>.json`` holds what the released evaluators returned, run
unchanged: TubeDETR d70c0ee (antoyang/TubeDETR, 5 fps sampling, 200 frames at most), STCAT 400f548
(jy0205/STCAT, every GT frame, closed GT bound) and CG-STVG f062d84 (HengLan/CGSTVG, as STCAT);
``expected/<case>.per_sample.json.gz`` their per-sentence values. They are doubles from the peers'
numpy arithmetic, so stvg-bench must agree to rounding (1e-9 here) under ``--protocol tubedetr``
(TubeDETR) or ``--protocol stcat`` (STCAT, CG-STVG), whichever input layout the ground truth and
the predictions come in.
"""

from __future__ import annotations

import gzip
import json
import tarfile

import pyarrow.parquet as pq
import pytest

from stvg_bench.cli import main

from .conftest import SHARED_DATA

# stvg-bench's names for the README's `normalized` keys and per-sentence keys.
METRIC_NAMES = {"m_tIoU": "m_tIoU", "m_vIoU": "m_vIoU", "vIoU@0.3": "vIoU@0.3", "vIoU@0.5": "vIoU@0.5",
                "gt_vIoU": "m_gt_vIoU"}
PER_SAMPLE_COLUMNS = {"sample_id": "sample_id", "tiou": "tIoU", "viou": "vIoU", "gt_viou": "gt_vIoU"}

PROTOCOLS = {"tubedetr": "tubedetr", "stcat": "stcat", "cgstvg": "stcat", "stcat_from_official_layout": "stcat"}

GOLDEN = SHARED_DATA / "golden"
CASES = {
    f"{path.parent.parent.name}/{path.stem}": json.loads(path.read_text())
    for path in sorted(GOLDEN.glob("*/expected/*.json"))
}


def layouts(case: str) -> list[str]:
    """Both annotation layouts; the TubeDETR-format predictions, plus STCAT's layout where there is one."""
    names = ["tubedetr-layout", "official-layout"]
    if "predictions_stcat_format" in CASES[case]["files"]:
        names += [f"{name}+stcat-format" for name in names]
    return names


def peers(case: str) -> list[str]:
    return [peer for peer in PROTOCOLS if peer in CASES[case]]


def per_sample_path(case: str):
    folder, name = case.split("/")
    return GOLDEN / folder / "expected" / f"{name}.per_sample.json.gz"


RUNS = [(case, peer, layout) for case in CASES for peer in peers(case) for layout in layouts(case)]
SCORINGS = sorted({(case, layout, PROTOCOLS[peer]) for case, peer, layout in RUNS})


def test_the_golden_folder_has_every_case(shared_data):
    assert sum(case.startswith("vidstg_val/") for case in CASES) == 5
    assert sum(case.startswith("hcstvg/") for case in CASES) == 10
    assert all(per_sample_path(case).is_file() for case in CASES)


@pytest.fixture(scope="session")
def vidor_dir(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden-vidor")
    with tarfile.open(shared_data / "golden" / "vidstg_val" / "vidor_annotation.tar.gz") as archive:
        archive.extractall(out, filter="data")
    return out / "annotation"


def score_arguments(case: str, layout: str, protocol: str, vidor_dir) -> list:
    expected = CASES[case]
    files = expected["files"]
    root = GOLDEN / case.split("/")[0]
    annotations, _, prediction_format = layout.partition("+")
    predictions = files["predictions_stcat_format" if prediction_format else "predictions"]
    arguments = ["score", root / predictions, "--dataset", expected["dataset"], "--split", expected["split"]]
    if annotations == "tubedetr-layout":
        arguments += ["--annotations", root / files["annotations_tubedetr_layout"]]
    else:
        arguments += ["--annotations", root / files["annotations_official_layout"]]
        if "vidor_annotation" in files:
            arguments += ["--vidor-dir", vidor_dir]
    if prediction_format:
        arguments += ["--format", "stcat"]
    return arguments + ["--protocol", protocol]


@pytest.fixture(scope="module")
def scored(vidor_dir, tmp_path_factory):
    """``scored(case, layout, protocol)``: (results.json, per-sample rows); each scored once."""
    cache = {}

    def score(case: str, layout: str, protocol: str):
        key = (case, layout, protocol)
        if key not in cache:
            out = tmp_path_factory.mktemp("golden-run")
            code = main([str(a) for a in score_arguments(case, layout, protocol, vidor_dir)]
                        + ["--no-ci", "--out", str(out / "results.json"),
                           "--per-sample", str(out / "per_sample.parquet")])
            assert code == 0, key
            cache[key] = (json.loads((out / "results.json").read_text()),
                          pq.read_table(out / "per_sample.parquet").to_pylist())
        return cache[key]

    return score


@pytest.mark.parametrize(
    "case, peer, layout, group",
    [(*run, group) for run in RUNS for group in CASES[run[0]][run[1]]["normalized"]],
)
def test_metrics_equal_the_peers(scored, case, peer, layout, group):
    results, _ = scored(case, layout, PROTOCOLS[peer])
    expected = CASES[case][peer]["normalized"][group]
    got = {name: results["metrics"][group][ours] for name, ours in METRIC_NAMES.items()}
    got["n"] = results["group_sizes"][group]
    assert got == pytest.approx(expected, abs=1e-9)


@pytest.fixture(scope="module")
def peer_per_sample():
    return {case: json.loads(gzip.decompress(per_sample_path(case).read_bytes())) for case in CASES}


@pytest.mark.parametrize(
    "case, peer, layout",
    # stcat_from_official_layout has no per-sentence values; its STCAT run has them under "stcat".
    [run for run in RUNS if run[1] != "stcat_from_official_layout"],
)
def test_per_sample_values_equal_the_peers(scored, peer_per_sample, case, peer, layout):
    _, rows = scored(case, layout, PROTOCOLS[peer])
    expected = peer_per_sample[case][peer]
    got = {str(row[PER_SAMPLE_COLUMNS["sample_id"]]): row for row in rows}
    assert set(got) == set(expected)
    keys = [key for key in PER_SAMPLE_COLUMNS if key != "sample_id"]
    assert {(sid, key): got[sid][PER_SAMPLE_COLUMNS[key]] for sid in got for key in keys} == pytest.approx(
        {(sid, key): values[key] for sid, values in expected.items() for key in keys}, abs=1e-9
    )


@pytest.mark.parametrize("case, layout, protocol", SCORINGS)
def test_no_sentence_dropped_or_missing(scored, case, layout, protocol):
    results, _ = scored(case, layout, protocol)
    assert "stcat_dropped_sentences" not in results["warnings"]
    assert "missing_scored_zero" not in results["warnings"]
