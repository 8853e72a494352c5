"""Annotation files whose video facts no protocol can use are refused naming the annotation file, the video
and the field (never blamed on the predictions, never a numpy warning and a silent score); ground-truth
intervals outside the video are reported defects (docs/METRICS.md §8)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from stvg_bench.cli import main
from stvg_bench.core.errors import AnnotationError
from stvg_bench.datasets import load_dataset

from .gyt_helpers import write_gyt
from .helpers import hcstvg_proc, make_hcstvg_official

BOX = [10.0, 10.0, 100.0, 100.0]
HUGE = 123456.789  # written as 1e999: out of a double's range, refused by the JSON reader (never infinity)


def dump(document) -> str:
    return json.dumps(document).replace(str(HUGE), "1e999")


@pytest.fixture
def refused(run_cli, tmp_path):
    """``datasets check`` and ``score`` both refuse the annotations in one line naming them; return it."""

    def check(dataset: str, annotations, *fragments: str, extra: tuple = ()) -> str:
        predictions = tmp_path / "predictions.json"
        predictions.write_text("{}")
        out = tmp_path / "results.json"
        lines = []
        for args in (
            ["datasets", "check", dataset, "--annotations", annotations, "--no-cache", *extra],
            ["score", predictions, "--dataset", dataset, "--annotations", annotations, "--out", out, *extra],
        ):
            code, _, stderr = run_cli(*args)
            assert code == 2 and stderr.count("\n") == 1 and stderr.startswith("stvg-bench: error: "), stderr
            assert f"error: {annotations}: " in stderr, stderr
            assert str(predictions) not in stderr
            for fragment in fragments:
                assert fragment in stderr, (fragment, stderr)
            lines.append(stderr)
        assert not out.exists()
        return lines[0]

    return check


@pytest.fixture
def vidstg_entries(shared_data):
    """The first three real VidSTG test entries."""
    return json.loads((shared_data / "vidstg" / "test_annotations.json").read_text())[:3]


@pytest.mark.parametrize(
    "field, value, expect",
    [
        ("fps", 0, "field fps: is 0.0; a frame rate is a positive finite number"),
        ("fps", -25, "field fps: is -25.0; a frame rate"),
        ("frame_count", 0, "field frame_count: is 0; a video has 1 to 1,000,000 frames"),
        ("frame_count", -3, "field frame_count: is -3;"),
        ("frame_count", 10**12, "field frame_count: is 1000000000000;"),
        ("width", 0, "field width: is 0; a frame side has 1 to 65,536 pixels"),
        ("height", -480, "field height: is -480;"),
    ],
)
def test_vidstg_video_facts(tmp_path, vidstg_entries, refused, field, value, expect):
    vidstg_entries[1][field] = value
    path = tmp_path / "test_annotations.json"
    path.write_text(dump(vidstg_entries))
    message = refused("vidstg", path, f"sample {vidstg_entries[1]['vid']}:", expect)
    assert "Warning" not in message


def test_vidstg_numbers_out_of_range(tmp_path, vidstg_entries, refused):
    vidstg_entries[1]["fps"] = HUGE
    path = tmp_path / "test_annotations.json"
    path.write_text(dump(vidstg_entries))
    refused("vidstg", path, "invalid VidSTG annotation: Number out of range - at `$[1].fps`")
    vidstg_entries[1]["fps"] = 30
    vidstg_entries[2]["frame_count"] = 2**70
    path.write_text(dump(vidstg_entries))
    refused("vidstg", path, f"sample {vidstg_entries[2]['vid']}: field frame_count: is {2**70}; a video has")
    vidstg_entries[2]["frame_count"] = 100
    vidstg_entries[2]["temporal_gt"]["end_fid"] = -(2**64)
    path.write_text(dump(vidstg_entries))
    refused("vidstg", path, f"field end_fid: is {-(2**64)}; frame indices lie within ±1,000,000")


def test_vidstg_tubedetr_layout_video_facts(tmp_path, synthetic_files, refused):
    document = json.loads(synthetic_files["tubedetr"].read_text())
    document["videos"][2]["fps"] = 0.0
    path = tmp_path / "test.json"
    path.write_text(json.dumps(document))
    refused("vidstg", path, f"sample {document['videos'][2]['original_video_id']}:", "field fps: is 0.0")
    document["videos"][2]["fps"] = 30.0
    document["videos"][0]["width"] = -1
    path.write_text(json.dumps(document))
    refused("vidstg", path, "field width: is -1")


@pytest.mark.parametrize("v2", [False, True])
@pytest.mark.parametrize(
    "change, expect_v1, expect_v2",
    [
        ({"img_num": 0}, "field img_num: is 0; a video has", "field img_num: is 0; a video has"),
        ({"img_num": -5}, "field img_num: is -5", "field img_num: is -5"),
        ({"width": 0, "img_size": [360, 0]}, "field width: is 0", "field img_size[1]: is 0"),
        ({"height": -2, "img_size": [-2, 640]}, "field height: is -2", "field img_size[0]: is -2"),
    ],
)
def test_hcstvg_video_facts(tmp_path, refused, v2, change, expect_v1, expect_v2):
    official = make_hcstvg_official(4, seed=3, v2=v2)
    name = list(official)[1]
    for key, value in change.items():
        if (key == "img_size") == v2 or key == "img_num":
            official[name][key] = value
    path = tmp_path / "anno.json"
    path.write_text(json.dumps(official))
    refused("hcstvg-v2" if v2 else "hcstvg-v1", path, f"sample {name}:", expect_v2 if v2 else expect_v1)


def test_hcstvg_tubedetr_layout_and_numbers_out_of_range(tmp_path, refused):
    official = make_hcstvg_official(3, seed=5)
    proc = hcstvg_proc(official)
    proc[2]["frame_count"] = 0
    path = tmp_path / "test_proc.json"
    path.write_text(json.dumps(proc))
    refused("hcstvg-v1", path, f"sample {proc[2]['original_video_id']}:", "field frame_count: is 0")
    proc[2]["frame_count"] = 300
    proc[1]["tube_start_frame"] = 10**20
    proc[1]["tube_end_frame"] = 10**20 + len(proc[1]["trajectory"])
    path.write_text(json.dumps(proc))
    refused("hcstvg-v1", path, f"field tube_start_frame: is {10**20}; frame indices lie within")
    name = list(official)[0]
    official[name]["bbox"][3] = [1.0, 2.0, HUGE, 4.0]
    path = tmp_path / "anno.json"
    path.write_text(dump(official))
    refused("hcstvg-v1", path, "invalid HC-STVG v1 annotation: Number out of range - at `$[...].bbox[3][2]`")


def gyt_videos(box_second: int = 3, segment: tuple[int, int] = (1, 5)) -> dict:
    return {"v1": {"segments": [("cut onion", *segment)], "boxes": {box_second: (BOX, "cut onion")}},
            "v2": {"segments": [("stir", 0, 2)], "boxes": {1: (BOX, "stir")}}}


@pytest.mark.parametrize(
    "size, expect",
    [([0, 480], "frame size 0x480: a side has 1 to 65,536 pixels"), ([640, -1], "frame size 640x-1")],
)
def test_groundingyoutube_frame_sizes(tmp_path, size, expect):
    directory = write_gyt(tmp_path / "gyt", gyt_videos(), sizes={"v1": [640, 480], "v2": size})
    gyt_refusal(directory, "id2wh_new.json", "sample v2: field [width, height]", expect)


def gyt_refusal(directory, file_name: str, *fragments: str) -> str:
    """GroundingYouTube's annotations are a directory: the one-line error names the file inside it."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["datasets", "check", "groundingyoutube", "--annotations", str(directory)])
    line = stderr.getvalue()
    assert code == 2 and line.count("\n") == 1 and line.startswith("stvg-bench: error: "), line
    assert f"error: {directory / file_name}: " in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


@pytest.mark.parametrize(
    "videos, file_name, expect",
    [
        (gyt_videos(box_second=-1), "box_anno.json", "sample v1: field second: second -1 is outside 0-86,400"),
        (gyt_videos(box_second=10**7), "box_anno.json", "field second: second 10000000 is outside"),
        (gyt_videos(segment=(-4, 2)), "ground_seg.json", "sample v1: field segment: second -4 is outside"),
        (gyt_videos(segment=(6, 2)), "ground_seg.json", "field segment: the segment [6, 2] ends before it starts"),
    ],
)
def test_groundingyoutube_seconds(tmp_path, videos, file_name, expect):
    gyt_refusal(write_gyt(tmp_path / "gyt", videos), file_name, expect)


def test_groundingyoutube_durations_and_numbers_out_of_range(tmp_path):
    directory = write_gyt(tmp_path / "gyt", gyt_videos())
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"v1": 10, "v2": -3}))
    with pytest.raises(AnnotationError, match=r"durations.json: sample v2: field duration: second -3 is outside"):
        load_dataset("groundingyoutube", "test", directory, durations=durations)
    boxes = json.loads((directory / "box_anno.json").read_text())
    boxes["v2"][0]["box"][2] = HUGE
    (directory / "box_anno.json").write_text(dump(boxes))
    gyt_refusal(directory, "box_anno.json", "Number out of range - at `$[...][0].box[2]`")


def test_youcook2_seconds_and_boxes(tmp_path, run_cli):
    release = {"boxes": {"vid": {"3": BOX, "-1": BOX}}, "segments": [{"video_id": "vid", "segment": [0, 9],
                                                                          "sentence": "cut"}]}
    path = tmp_path / "youcook2_interactions.json"
    path.write_text(json.dumps(release))
    code, _, stderr = run_cli("datasets", "check", "youcook2-interactions", "--annotations", path)
    assert code == 2 and f"{path}: sample vid: field boxes: box index '-1' is not an integer" in stderr
    release["boxes"]["vid"] = {"3": BOX}
    release["segments"][0]["segment"] = [9, 0]
    path.write_text(json.dumps(release))
    code, _, stderr = run_cli("datasets", "check", "youcook2-interactions", "--annotations", path)
    assert code == 2, stderr
    assert f"{path}: sample vid: field segments[0].segment: the segment [9, 0] ends before it starts" in stderr


def test_intervals_outside_the_video_are_reported_defects(tmp_path, vidstg_entries, run_cli):
    """docs/METRICS.md §8.2: counted at load time, the sample is scored by the protocol's rules."""
    vidstg_entries[0]["temporal_gt"]["end_fid"] = vidstg_entries[0]["frame_count"] + 7
    path = tmp_path / "test_annotations.json"
    path.write_text(json.dumps(vidstg_entries))
    dataset = load_dataset("vidstg", "test", path, use_cache=False)
    n_sentences = len(vidstg_entries[0]["captions"]) + len(vidstg_entries[0]["questions"])
    assert n_sentences == 2 and dataset.gt.defects == {"gt_intervals_outside_video": 2}
