"""The command line: score, validate, compare, convert, datasets, demo; results layout and cache."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stvg_bench
from stvg_bench.core.provenance import git_commit
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions

from .helpers import validate_results


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


@pytest.fixture
def prediction_file(synthetic, tmp_path):
    path = tmp_path / "good.json"
    write_predictions(make_predictions(synthetic.gt, "good", seed=1), path, "stvg-bench", synthetic)
    return path


def test_score_writes_the_results_layout(run_cli, prediction_file, tmp_path):
    out = tmp_path / "nested" / "results.json"
    per_sample = tmp_path / "per-sample.csv"
    code, stdout, stderr = run_cli(
        "score", prediction_file, "--dataset", "synthetic", "--out", out, "--per-sample", per_sample
    )
    assert code == 0, stderr
    results = json.loads(out.read_text())
    validate_results(results)
    assert results["format"] == "stvg-bench/results" and results["version"] == 2
    assert results["task"] == "tube-grounding" and results["unit"] == "samples"
    assert results["protocol"]["name"] == "dense" and results["protocol"]["version"] == 1
    assert results["inputs"]["predictions"] == {"path": str(prediction_file), "format": "stvg-bench",
                                                "sha256": hashlib.sha256(prediction_file.read_bytes()).hexdigest()}
    assert results["inputs"]["annotations"]["path"] is None  # the synthetic dataset is generated
    assert results["options"] == {"thresholds": [0.3, 0.5], "missing": "error", "interpolate": False}
    assert results["bootstrap"] == {"n_resamples": 1000, "seed": 0, "unit": "samples", "level": 0.95,
                                    "interval": "percentile"}
    assert results["method"]["name"] == "synthetic-good"
    provenance = results["provenance"]
    assert provenance["stvg_bench_version"] == stvg_bench.__version__ and provenance["duration_seconds"] >= 0
    assert provenance["command"][:3] == ["stvg-bench", "score", str(prediction_file)]
    assert provenance["git_commit"] == git_commit()
    assert set(results["metrics"]) == {"all", "declarative", "interrogative"}
    assert list(results["metrics"]["all"]) == ["m_tIoU", "m_vIoU", "vIoU@0.3", "vIoU@0.5", "m_gt_vIoU"]
    assert set(results["ci95"]) == set(results["metrics"])
    lo, hi = results["ci95"]["all"]["m_vIoU"]
    assert lo <= results["metrics"]["all"]["m_vIoU"] <= hi
    assert results["n_samples"] == 200
    rows = list(csv.DictReader(per_sample.open()))
    assert len(rows) == 200 and {"sample_id", "video_id", "query_type", "tIoU", "vIoU", "gt_vIoU"} <= set(
        rows[0]
    )
    assert "m_vIoU" in stdout and "protocol dense v1" in stdout


def test_no_ci_and_thresholds_and_parquet_per_sample(run_cli, prediction_file, tmp_path):
    out = tmp_path / "results.json"
    per_sample = tmp_path / "per-sample.parquet"
    code, _, stderr = run_cli(
        "score",
        prediction_file,
        "--dataset",
        "synthetic",
        "--out",
        out,
        "--no-ci",
        "--thresholds",
        "0.7,0.1",
        "--per-sample",
        per_sample,
    )
    assert code == 0, stderr
    results = json.loads(out.read_text())
    assert "ci95" not in results
    assert list(results["metrics"]["all"]) == ["m_tIoU", "m_vIoU", "vIoU@0.1", "vIoU@0.7", "m_gt_vIoU"]
    import pyarrow.parquet as pq

    assert pq.read_table(per_sample).num_rows == 200


@pytest.mark.parametrize("protocol", ["dense", "tubedetr", "stcat"])
def test_every_protocol_from_the_cli(run_cli, synthetic, tmp_path, protocol):
    path = tmp_path / "p.json"
    write_predictions(make_predictions(synthetic.gt, "good", frames="input"), path, "tubedetr", synthetic)
    out = tmp_path / "r.json"
    code, stdout, stderr = run_cli(
        "score", path, "--dataset", "synthetic", "--protocol", protocol, "--out", out
    )
    assert code == 0, stderr
    assert json.loads(out.read_text())["protocol"]["name"] == protocol


def test_validate(run_cli, prediction_file):
    code, stdout, stderr = run_cli("validate", prediction_file, "--dataset", "synthetic")
    assert code == 0, stderr
    assert ("valid stvg-bench predictions for synthetic test (tube-grounding, protocol dense scores 200 samples)"
            in stdout)


def test_compare(run_cli, synthetic, prediction_file, tmp_path):
    """The paired bootstrap of the documented procedure (docs/METRICS.md §6), recomputed from per-sample scores."""
    worse = tmp_path / "noisy.json"
    write_predictions(make_predictions(synthetic.gt, "noisy", seed=1), worse, "stvg-bench", synthetic)
    out = tmp_path / "comparison.json"
    code, stdout, stderr = run_cli("compare", prediction_file, worse, "--dataset", "synthetic", "--out", out)
    assert code == 0, stderr
    comparison = json.loads(out.read_text())
    assert comparison["names"] == {"a": "synthetic-good", "b": "synthetic-noisy"}
    assert "A = synthetic-good, B = synthetic-noisy" in stdout
    v_iou = []
    for path in (prediction_file, worse):
        per_sample = tmp_path / f"{path.stem}.csv"
        assert run_cli("score", path, "--dataset", "synthetic", "--no-ci", "--per-sample", per_sample)[0] == 0
        v_iou.append(np.array([float(row["vIoU"]) for row in csv.DictReader(per_sample.open())]))
    difference = v_iou[0] - v_iou[1]
    rng = np.random.default_rng(0)
    resampled = np.concatenate([difference[rng.integers(0, 200, size=(100, 200))].mean(axis=1) for _ in range(10)])
    expected = comparison["difference"]["all"]["m_vIoU"]
    assert expected["a_minus_b"] == pytest.approx(difference.mean(), abs=1e-9)
    assert expected["ci95"] == pytest.approx(np.percentile(resampled, [2.5, 97.5]).tolist(), abs=1e-9)
    assert expected["p_value"] == min(1.0, 2 * min((resampled <= 0).mean(), (resampled >= 0).mean())) == 0.0


@pytest.mark.parametrize("target", ["stvg-bench", "tubedetr", "stcat", "parquet"])
def test_convert(run_cli, prediction_file, tmp_path, target):
    out = tmp_path / ("converted" if target == "parquet" else "converted.json")
    code, stdout, stderr = run_cli(
        "convert",
        prediction_file,
        "--from",
        "stvg-bench",
        "--to",
        target,
        "--out",
        out,
        "--dataset",
        "synthetic",
    )
    assert code == 0, stderr
    results = []
    for source in (prediction_file, out):
        r = tmp_path / f"r-{len(results)}.json"
        assert run_cli("score", source, "--dataset", "synthetic", "--out", r, "--no-ci")[0] == 0
        results.append(json.loads(r.read_text())["metrics"])
    assert results[0] == results[1]


def test_convert_needs_a_dataset_for_the_canonical_target(run_cli, synthetic, tmp_path):
    source = tmp_path / "t.json"
    write_predictions(make_predictions(synthetic.gt, "good"), source, "tubedetr", synthetic)
    code, _, stderr = run_cli("convert", source, "--to", "stvg-bench", "--out", tmp_path / "c.json")
    assert code == 2 and "pass --dataset" in stderr
    assert not (tmp_path / "c.json").exists()


def test_datasets_lists_every_adapter(run_cli):
    code, stdout, _ = run_cli("datasets")
    assert code == 0
    for name in ("vidstg", "hcstvg-v1", "hcstvg-v2", "synthetic"):
        assert name in stdout
    assert "tubedetr" in stdout and "interrogative" in stdout


def test_demo(run_cli, tmp_path):
    code, stdout, stderr = run_cli("demo", "--out", tmp_path / "demo")
    assert code == 0, stderr
    assert stdout.count("m_vIoU") >= 5
    assert (tmp_path / "demo" / "annotations" / "test_annotations.json").is_file()
    assert (tmp_path / "demo" / "predictions" / "random-parquet" / "boxes.parquet").is_file()


def test_console_script_and_module(prediction_file, tmp_path):
    """The installed entry point: a real process, exit codes as documented, no traceback."""
    script = Path(sys.executable).with_name("stvg-bench")
    ok = subprocess.run(
        [script, "score", prediction_file, "--dataset", "synthetic", "--no-ci"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "stvg-bench/predictions", "version": 1, "predictions": {"0": ')
    bad = subprocess.run(
        [sys.executable, "-m", "stvg_bench", "score", broken, "--dataset", "synthetic"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    version = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("stvg-bench ")


def test_parsed_annotations_are_cached_and_invalidated(synthetic_files, tmp_path, monkeypatch):
    from stvg_bench.datasets.vidstg import ADAPTER

    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    tubedetr = tmp_path / "test.json"
    tubedetr.write_bytes(Path(synthetic_files["tubedetr"]).read_bytes())
    first = ADAPTER.load("test", tubedetr)
    assert first.cache_dir is not None and first.cache_dir.is_dir()
    first.scoring_table("tubedetr")
    assert any((first.cache_dir / "tables").iterdir())
    again = ADAPTER.load("test", tubedetr)
    assert again.cache_dir == first.cache_dir
    assert isinstance(again.gt.box_xyxy, __import__("numpy").memmap)  # served from the cache

    document = json.loads(tubedetr.read_text())
    document["videos"][0]["tube_end_frame"] -= 1
    tubedetr.write_text(json.dumps(document))
    changed = ADAPTER.load("test", tubedetr)
    assert changed.cache_dir != first.cache_dir
    assert changed.gt.gt_end_frame_exclusive[0] == first.gt.gt_end_frame_exclusive[0] - 1
    assert changed.inputs["annotations"]["sha256"] != first.inputs["annotations"]["sha256"]


def test_fetch_from_a_mirror(run_cli, shared_data, tmp_path):
    cache = tmp_path / "cache"
    code, stdout, stderr = run_cli(
        "datasets", "fetch", "vidstg", "--from", shared_data / "vidstg", "--cache-dir", cache
    )
    assert code == 0, stderr
    fetched = cache / "vidstg" / "test_annotations.json"
    assert fetched.read_bytes() == (shared_data / "vidstg" / "test_annotations.json").read_bytes()
    assert str(fetched) in stdout
    # A second fetch finds the verified files and copies nothing.
    mtime = os.stat(fetched).st_mtime_ns
    assert (
        run_cli("datasets", "fetch", "vidstg", "--from", shared_data / "vidstg", "--cache-dir", cache)[0] == 0
    )
    assert os.stat(fetched).st_mtime_ns == mtime


def test_fetch_refuses_a_corrupted_mirror(run_cli, shared_data, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for path in (shared_data / "vidstg").iterdir():
        (mirror / path.name).write_bytes(path.read_bytes())
    (mirror / "test_annotations.json").write_bytes(b"[]")
    cache = tmp_path / "cache"
    code, _, stderr = run_cli("datasets", "fetch", "vidstg", "--from", mirror, "--cache-dir", cache)
    assert code == 2 and "sha256 mismatch for test_annotations.json" in stderr
    assert not (cache / "vidstg" / "test_annotations.json").exists()


def test_fetched_annotations_are_the_default(run_cli, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    code, _, stderr = run_cli("score", tmp_path / "x.json", "--dataset", "vidstg", "--vidor-dir", tmp_path)
    assert code == 2 and "stvg-bench datasets fetch vidstg" in stderr
    assert run_cli("datasets", "fetch", "vidstg", "--from", shared_data / "vidstg")[0] == 0
    from stvg_bench.datasets.vidstg import ADAPTER

    assert ADAPTER.default_annotations("test").is_file()
