"""Every bad input gives one line naming file, sample and field, exit code 2, and no output file."""

from __future__ import annotations

import gzip
import json

import pytest

from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats.canonical import canonical_document
from stvg_bench.formats.tubedetr import FORMAT as TUBEDETR

from .helpers import make_hcstvg_official


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


@pytest.fixture(scope="module")
def good_document(synthetic):
    """A valid canonical document (every 4th frame boxed) as Python objects."""
    return canonical_document(make_predictions(synthetic.gt, "good", seed=1, frames="sparse"), synthetic)


@pytest.fixture
def fails(run_cli, tmp_path):
    """Run ``score`` on a file and check the one-line error; return the message."""

    def check(path, *extra, expect: tuple[str, ...] = ()):
        out = tmp_path / "results.json"
        args = ["score", path, "--out", out, *extra]
        if "--dataset" not in extra:
            args += ["--dataset", "synthetic"]
        code, stdout, stderr = run_cli(*args)
        assert code == 2, (stdout, stderr)
        assert stderr.startswith("stvg-bench: error: ") and stderr.count("\n") == 1, stderr
        assert "Traceback" not in stderr
        assert not out.exists()
        for fragment in expect:
            assert fragment in stderr, (fragment, stderr)
        return stderr

    return check


def write_json(tmp_path, document, name="predictions.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def first_sample(document) -> tuple[str, dict]:
    key = next(iter(document["predictions"]))
    return key, document["predictions"][key]


def test_missing_sample(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    del document["predictions"]["5"]
    path = write_json(tmp_path, document)
    fails(path, expect=(path, "sample 5", "no prediction", "--missing zero"))


def test_unknown_sample(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    document["predictions"]["99999"] = document["predictions"]["0"]
    path = write_json(tmp_path, document)
    fails(path, expect=(path, "sample 99999", "unknown sample id"))


def test_same_id_twice_in_one_object(tmp_path, good_document, fails):
    text = json.dumps(good_document)
    entry = json.dumps(good_document["predictions"]["3"])
    text = text.replace('"predictions": {', '"predictions": {"3": ' + entry + ", ", 1)
    path = tmp_path / "dup.json"
    path.write_text(text)
    fails(path, expect=(str(path), "sample 3", "duplicate sample id"))


def test_ids_equal_after_integer_normalisation(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    document["predictions"]["007"] = document["predictions"]["7"]
    path = write_json(tmp_path, document)
    fails(path, expect=(path, "sample 7", "duplicate sample id"))


def test_frame_twice_in_one_object(tmp_path, good_document, fails):
    key, entry = first_sample(good_document)
    frame, box = next(iter(entry["boxes"].items()))
    text = json.dumps(good_document).replace(
        f'"boxes": {{"{frame}": ', f'"boxes": {{"{frame}": {json.dumps(box)}, "{frame}": ', 1
    )
    path = tmp_path / "dupframe.json"
    path.write_text(text)
    fails(path, expect=(f"sample {key}", f"field boxes (frame {frame})", "frame given twice"))


def test_missing_boxes_on_scored_frames(tmp_path, synthetic, fails):
    predictions = make_predictions(synthetic.gt, "good", seed=1, frames="sparse")
    path = tmp_path / "sparse.json"
    path.write_bytes(TUBEDETR.encode(predictions, synthetic))
    fails(path, "--protocol", "tubedetr", expect=("field boxes", "no box for frame", "--interpolate"))


@pytest.mark.parametrize(
    "value, literal, expect",
    [
        (float("nan"), "NaN", "NaN or infinite"),
        (float("inf"), "Infinity", "NaN or infinite"),
        (None, "1e999", "NaN or infinite"),
        (None, '"12.5"', "non-numeric value"),
        (None, "true", "non-numeric value"),
    ],
)
def test_bad_box_values(tmp_path, good_document, fails, value, literal, expect):
    key, entry = first_sample(good_document)
    frame, box = next(iter(entry["boxes"].items()))
    text = json.dumps(good_document).replace(
        json.dumps({frame: box})[1:-1], f'"{frame}": [{literal}, 1, 2, 3]', 1
    )
    path = tmp_path / "bad.json"
    path.write_text(text)
    fails(path, expect=(str(path), f"sample {key}", f"field boxes (frame {frame})", expect))


def test_box_of_wrong_length(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    frame = next(iter(entry["boxes"]))
    entry["boxes"][frame] = [1, 2, 3]
    path = write_json(tmp_path, document)
    fails(path, expect=(f"sample {key}", f"field boxes (frame {frame})", "expected 4 numbers, got 3"))


def test_segment_of_wrong_length(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    entry["segment"] = [1, 2, 3]
    path = write_json(tmp_path, document)
    fails(path, expect=(f"sample {key}", "field segment", "expected 2 numbers, got 3"))


@pytest.mark.parametrize(
    "segment, expect", [([10.5, 20], "frame ids must be integers"), ([1, 1e12], "out of range")]
)
def test_bad_segment_values(tmp_path, good_document, fails, segment, expect):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    entry["segment"] = segment
    path = write_json(tmp_path, document)
    fails(path, expect=(f"sample {key}", "field segment", expect))


def test_wrong_nesting(tmp_path, good_document, fails):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    entry["boxes"] = list(entry["boxes"].values())
    path = write_json(tmp_path, document)
    fails(path, expect=(f"sample {key}", "field boxes", "must be a JSON object, got an array"))


def test_frame_outside_the_video(tmp_path, synthetic, good_document, fails):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    frames = int(synthetic.gt.frame_count[int(key)])
    entry["boxes"][str(frames + 5)] = [1, 2, 3, 4]
    path = write_json(tmp_path, document)
    fails(path, expect=(f"sample {key}", f"field boxes (frame {frames + 5})", "frame outside the video"))


def test_truncated_json_names_the_sample(tmp_path, good_document, fails):
    text = json.dumps(good_document)
    cut = text.index('"120": {')
    path = tmp_path / "truncated.json"
    path.write_text(text[: cut + 40])
    fails(path, expect=(str(path), "truncated JSON", "sample 120", "line 1, column"))


def test_truncated_tubedetr_file(tmp_path, synthetic, fails):
    data = TUBEDETR.encode(make_predictions(synthetic.gt, "good", frames="tubedetr"), synthetic)
    path = tmp_path / "truncated-tubedetr.json"
    path.write_bytes(data[: len(data) // 3])
    stderr = fails(path, "--format", "tubedetr", expect=("truncated JSON", "field boxes (frame"))
    assert "sample " in stderr


def test_syntax_error_in_the_middle(tmp_path, good_document, fails):
    text = json.dumps(good_document).replace('"segment"', '"segment" :: ', 1)
    path = tmp_path / "syntax.json"
    path.write_text(text)
    fails(path, expect=("not valid JSON", "line 1, column"))


@pytest.mark.parametrize(
    "content, expect",
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"hello world", "not valid JSON"),
        (b"[1, 2, 3]", "cannot tell"),
    ],
)
def test_not_a_prediction_file(tmp_path, fails, content, expect):
    path = tmp_path / "weird.json"
    path.write_bytes(content)
    fails(path, expect=(str(path), expect))


def test_corrupt_gzip(tmp_path, good_document, fails):
    data = gzip.compress(json.dumps(good_document).encode())
    path = tmp_path / "broken.json.gz"
    path.write_bytes(data[: len(data) // 2])
    fails(path, expect=(str(path), "corrupt gzip"))


def test_missing_file(tmp_path, fails):
    fails(tmp_path / "nope.json", expect=("nope.json", "no such file"))


def test_annotation_file_of_the_wrong_dataset(tmp_path, good_document, fails, shared_data):
    hcstvg = tmp_path / "hcstvg_test.json"
    hcstvg.write_text(json.dumps(make_hcstvg_official(3, 0)))
    path = write_json(tmp_path, good_document)
    fails(
        path,
        "--dataset",
        "vidstg",
        "--annotations",
        hcstvg,
        expect=(str(hcstvg), "not a VidSTG annotation file", "HC-STVG official annotations"),
    )
    vidstg = shared_data / "vidstg" / "test_annotations.json"
    fails(
        path,
        "--dataset",
        "hcstvg-v1",
        "--annotations",
        vidstg,
        expect=(str(vidstg), "not an HC-STVG annotation file", "VidSTG official"),
    )
    gyt = shared_data / "groundingyoutube" / "box_anno.json"
    fails(path, "--dataset", "vidstg", "--annotations", gyt, expect=("not a VidSTG annotation file",))


def test_hcstvg_v2_file_for_v1(tmp_path, good_document, fails):
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps(make_hcstvg_official(3, 0, v2=True)))
    fails(
        write_json(tmp_path, good_document),
        "--dataset",
        "hcstvg-v1",
        "--annotations",
        v2,
        expect=("HC-STVG v2 file", "--dataset hcstvg-v2"),
    )


def test_canonical_file_of_another_dataset(tmp_path, good_document, fails):
    document = dict(good_document, dataset="hcstvg-v1")
    path = write_json(tmp_path, document)
    fails(path, expect=(path, "predictions are for dataset 'hcstvg-v1', not 'synthetic'"))


def test_canonical_file_of_another_split(tmp_path, good_document, fails):
    path = write_json(tmp_path, dict(good_document, split="val"))
    fails(path, expect=("predictions are for split 'val'",))


def test_unknown_format_version(tmp_path, good_document, fails):
    path = write_json(tmp_path, dict(good_document, version=2))
    fails(path, expect=(path, "unknown format version 2"))


def test_envelope_checked_by_the_schema(tmp_path, good_document, fails):
    path = write_json(tmp_path, dict(good_document, extra_field=1))
    fails(path, expect=("Object contains unknown field `extra_field`",))
    path = write_json(tmp_path, dict(good_document, dataset=5))
    fails(path, expect=("field dataset", "Expected `str`, got `int`"))


@pytest.mark.parametrize(
    "options, expect",
    [
        (("--thresholds", "0.3,abc"), "--thresholds must be comma-separated numbers"),
        (("--thresholds", "1.5"), "thresholds must be numbers in [0, 1)"),
        (("--protocol", "nope"), "unknown protocol 'nope'"),
        (("--format", "nope"), "unknown format 'nope'"),
        (("--split", "nope"), "has no split 'nope'"),
        (("--missing", "maybe"), "--missing must be one of error, zero, got 'maybe'"),
        (("--per-sample", "scores.txt"), "--per-sample must end in .csv or .parquet"),
        (("--dataset", "nope"), "unknown dataset 'nope'"),
        (("--bogus",), "unrecognized arguments"),
    ],
)
def test_bad_option_values(tmp_path, good_document, fails, options, expect):
    path = write_json(tmp_path, good_document)
    fails(path, *options, expect=(expect,))


def test_inverted_boxes_and_segments_are_scores_not_errors(tmp_path, good_document, run_cli):
    document = json.loads(json.dumps(good_document))
    key, entry = first_sample(document)
    entry["segment"] = [entry["segment"][1], entry["segment"][0]]
    frame = next(iter(entry["boxes"]))
    x1, y1, x2, y2 = entry["boxes"][frame]
    entry["boxes"][frame] = [x2, y1, x1, y2]
    path = write_json(tmp_path, document)
    out = tmp_path / "results.json"
    code, _, stderr = run_cli("score", path, "--dataset", "synthetic", "--out", out, "--no-ci")
    assert code == 0, stderr
    warnings = json.loads(out.read_text())["warnings"]
    assert warnings["inverted_pred_boxes"] == 1 and warnings["empty_or_inverted_pred_segments"] == 1
