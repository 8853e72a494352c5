"""The split of an annotation file is inferred where it can be; a --split that contradicts it is an error;
without --split the inferred one is used and printed (issue 8, item 3)."""

from __future__ import annotations

import json
import shutil

import pytest

from stvg_bench.datasets import load_dataset
from stvg_bench.formats.envelope import _top_level_string, declared_split

from .helpers import make_hcstvg_official

VIDSTG = "vidstg"


@pytest.fixture
def val_copy(shared_data, tmp_path):
    """The real VidSTG val annotations under a name that says no split, without video lists beside it."""
    path = tmp_path / "annotations.json"
    shutil.copy(shared_data / "vidstg" / "val_annotations.json", path)
    return path


def predictions_for(tmp_path, split: str, name="predictions.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"format": "stvg-bench/predictions", "version": 1, "dataset": "vidstg",
                                "split": split, "method": {"name": "m"}, "predictions": {}}))
    return path


def test_the_file_name_names_the_split(shared_data, run_cli, tmp_path):
    val = shared_data / "vidstg" / "val_annotations.json"
    assert load_dataset(VIDSTG, annotations=val).split == "val"
    code, _, stderr = run_cli("datasets", "check", VIDSTG, "--annotations", val, "--split", "test")
    assert code == 2 and stderr == f"stvg-bench: error: {val}: its name says split val, not test\n"
    code, stdout, stderr = run_cli("datasets", "check", VIDSTG, "--annotations", val)
    assert code == 0 and not stderr
    assert stdout.splitlines()[0] == "split val (inferred from its name val_annotations.json)"
    assert "vidstg val" in stdout


def test_the_official_video_lists_name_the_split(shared_data, val_copy, run_cli):
    for split in ("train", "val", "test"):
        shutil.copy(shared_data / "vidstg" / f"{split}_files.json", val_copy.parent)
    dataset = load_dataset(VIDSTG, annotations=val_copy)
    assert dataset.split == "val" and dataset.split_inferred_from == f"its videos, listed in {val_copy.parent}/val_files.json"
    code, _, stderr = run_cli("datasets", "check", VIDSTG, "--annotations", val_copy, "--split", "test")
    assert code == 2
    assert stderr == f"stvg-bench: error: {val_copy}: its videos are those of val_files.json (split val), not of split test\n"


def test_without_lists_the_predictions_envelope_or_the_default(val_copy, run_cli, tmp_path):
    assert load_dataset(VIDSTG, annotations=val_copy).split == "test"  # nothing tells: the evaluation split
    predictions = predictions_for(tmp_path, "val")
    code, stdout, stderr = run_cli("score", predictions, "--dataset", VIDSTG, "--annotations", val_copy,
                                   "--missing", "zero", "--no-ci")
    assert code == 0, stderr
    assert stdout.splitlines()[0] == f"split val (inferred from the predictions' envelope ({predictions}))"


def test_annotations_win_over_the_predictions_envelope(shared_data, run_cli, tmp_path):
    predictions = predictions_for(tmp_path, "test")
    code, _, stderr = run_cli("score", predictions, "--dataset", VIDSTG, "--annotations",
                              shared_data / "vidstg" / "val_annotations.json", "--missing", "zero")
    assert code == 2 and f"{predictions}: predictions are for split 'test', not 'val'" in stderr


def test_a_split_the_dataset_does_not_have(tmp_path, run_cli):
    path = tmp_path / "hcstvg_v2_test.json"
    path.write_text(json.dumps(make_hcstvg_official(2, seed=1, v2=True)))
    code, _, stderr = run_cli("datasets", "check", "hcstvg-v2", "--annotations", path)
    assert code == 2
    assert stderr == (f"stvg-bench: error: {path}: its name says split test, which hcstvg-v2 does not have (its "
                      "splits: train, val)\n")
    val = tmp_path / "val_v2.json"
    shutil.copy(path, val)
    assert load_dataset("hcstvg-v2", annotations=val).split == "val"


def test_declared_split_peeks_only_at_regular_files(tmp_path):
    assert declared_split(predictions_for(tmp_path, "val")) == "val"
    assert declared_split(tmp_path / "absent.json") is None
    assert declared_split("/dev/stdin") is None
    assert _top_level_string('{"format": "x", "split": "test", "predictions": {"1": [', "split") == "test"
    assert _top_level_string('{"predictions": {"1": [0, 1', "split") is None  # truncated before the key
    assert _top_level_string('{"split": 3}', "split") is None
    assert _top_level_string("[1, 2]", "split") is None
