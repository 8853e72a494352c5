"""Annotations and predictions from pipes are read once; the cache key comes from the bytes read (issue 8,
item 4). Run through bash, so that ``<(...)`` is a real process substitution."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("stvg-bench"))


def run(command: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "STVG_BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1"})


@pytest.fixture
def files(shared_data, tmp_path):
    annotations = shared_data / "vidstg" / "test_annotations.json"
    predictions = tmp_path / "predictions.json"
    entries = json.loads(annotations.read_text())
    document = {"format": "stvg-bench/predictions", "version": 1, "dataset": "vidstg", "split": "test",
                "method": {"name": "whole-input-segment"}, "predictions": {}}
    sample = 0
    for entry in entries:
        for _ in (*entry["questions"], *entry["captions"]):
            segment = entry["used_segment"]
            document["predictions"][str(sample)] = {"segment": [segment["begin_fid"], segment["end_fid"]],
                                                    "boxes": {}}
            sample += 1
    predictions.write_text(json.dumps(document))
    return annotations, predictions


def test_annotations_and_predictions_from_pipes(files, tmp_path):
    annotations, predictions = files
    cache = tmp_path / "cache"
    direct = tmp_path / "direct.json"
    piped = tmp_path / "piped.json"
    done = run(f"{CLI} score {predictions} --dataset vidstg --annotations {annotations} --no-ci --out {direct}",
               cache)
    assert done.returncode == 0, done.stderr
    for _ in range(2):  # the second run finds the parse cached under the key of the bytes read
        done = run(f"{CLI} score <(cat {predictions}) --dataset vidstg --split test "
                   f"--annotations <(cat {annotations}) --no-ci --out {piped}", cache)
        assert done.returncode == 0, done.stderr
    a, b = json.loads(direct.read_text()), json.loads(piped.read_text())
    assert a["metrics"] == b["metrics"] and a["n_samples"] == b["n_samples"] == 10303
    digest = hashlib.sha256(annotations.read_bytes()).hexdigest()
    assert a["inputs"]["annotations"]["sha256"] == b["inputs"]["annotations"]["sha256"] == digest
    assert b["inputs"]["predictions"]["sha256"] == hashlib.sha256(predictions.read_bytes()).hexdigest()
    assert len(list((cache / "parsed").iterdir())) == 1  # one parse, whichever way the bytes came


def test_a_gzipped_pipe_and_an_endless_one(files, tmp_path):
    annotations, predictions = files
    gz = shutil.which("gzip")
    cache = tmp_path / "cache"
    done = run(f"{CLI} validate <({gz} -c {predictions}) --dataset vidstg --annotations {annotations}", cache)
    assert done.returncode == 0, done.stderr
    done = run(f"{CLI} score <(yes) --dataset vidstg --annotations {annotations} --max-input-mb 2", cache)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "holds more than the input limit of 2 MB (--max-input-mb raises it)" in done.stderr
    done = run(f"{CLI} score {predictions} --dataset vidstg --annotations /dev/zero --max-input-mb 2", cache)
    assert done.returncode == 2 and done.stderr.startswith("stvg-bench: error: /dev/zero: "), done.stderr
