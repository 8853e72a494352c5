"""Frame-accurate video access: synthetic videos whose frames show their own index, decoded against every
frame plan with PyAV, OpenCV (the fallback) and folders of extracted frames; and every bad video input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from baselines.run.work import unit_inputs, work_units
from baselines.samples import ActionSample, tube_samples
from baselines.video.sources import video_source
from baselines.video.synthetic import (
    constant_rate,
    frame_index,
    index_image,
    variable_rate,
    write_index_video,
)
from stvg_bench.core.errors import InputFileError
from stvg_bench.datasets import load_dataset
from tests.baseline_helpers import (
    VIDEOS,
    IndexReader,
    nearest_index,
    register_test_runners,
    write_tiny_vidstg,
)

PLANS = {
    "tubedetr": {"frame_plan": "tubedetr", "max_frames": 0},
    "fps:7": {"frame_plan": "fps:7", "max_frames": 0},
    "fps:10 max 9": {"frame_plan": "fps:10", "max_frames": 9},
    "every": {"frame_plan": "every", "max_frames": 0},
    "every:4 max 5": {"frame_plan": "every:4", "max_frames": 5},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from PIL import Image

    directory = tmp_path_factory.mktemp("tiny-vidstg")
    paths = write_tiny_vidstg(directory)
    frames = directory / "frames"
    for video, (times, _, _) in VIDEOS.items():  # ffmpeg-style folders: 000001.png is frame 0
        (frames / video).mkdir(parents=True)
        for i in range(len(times)):
            Image.fromarray(index_image(i, 64, 48)).save(frames / video / f"{i + 1:06d}.png")
    register_test_runners()
    return {**paths, "frames": frames, "dataset": load_dataset("vidstg", "test", paths["annotations"])}


def _decoded(tiny, parameters, decoder, videos_key="videos", base=0):
    source = video_source("vidstg", tiny[videos_key], None, decoder, frame_index_base=base)
    runner = IndexReader(parameters)
    for unit in work_units(tube_samples(tiny["dataset"], with_truth=False)):
        yield from unit_inputs(unit, runner, source).items


@pytest.mark.parametrize("decoder", ["pyav", "opencv"])
@pytest.mark.parametrize("plan", list(PLANS))
def test_every_plan_gets_the_nearest_frame(tiny, plan, decoder):
    """Constant rate, a stream starting 1.5 s in, and a variable rate: each planned frame id f is answered by
    the decoded frame nearest to f / fps (fps from the annotation), by either decoder."""
    checked = 0
    for sample, frames in _decoded(tiny, PLANS[plan], decoder):
        times, fps, _ = VIDEOS[sample.video_id]
        assert np.array_equal(frames.planned, IndexReader(PLANS[plan]).frame_plan(sample))
        expected = [nearest_index(times, f / fps) for f in frames.planned.tolist()]
        assert [frame_index(rgb) for rgb in frames.rgb] == expected
        assert frames.backend == decoder
        checked += len(expected)
    assert checked > 0


@pytest.mark.parametrize("plan", list(PLANS))
def test_frame_folders_give_the_planned_frames(tiny, plan):
    for sample, frames in _decoded(tiny, PLANS[plan], "pyav", "frames", base=1):
        assert [frame_index(rgb) for rgb in frames.rgb] == frames.planned.tolist()
        assert frames.backend == "frames"


def test_tubedetr_plan_is_exactly_the_protocol_frames(tiny):
    """The tubedetr plan of every sample is the frame set the tubedetr protocol scores."""
    table = tiny["dataset"].scoring_table("tubedetr")
    listed = np.asarray(table.frame_set_keys)
    runner = IndexReader(PLANS["tubedetr"])
    for sample in tube_samples(tiny["dataset"], with_truth=False):
        keys = listed[(listed >> 32) == sample.sample_id]
        assert np.array_equal((keys & 0xFFFFFFFF) - (1 << 31), runner.frame_plan(sample)), sample.sample_id


@pytest.mark.parametrize("decoder", ["pyav", "opencv"])
@pytest.mark.parametrize("rate", ["constant", "offset", "variable"])
def test_one_frame_per_annotated_second(tmp_path, decoder, rate):
    """Action plans: second s is answered by the frame nearest to s seconds into the video."""
    from baselines.runners.action_priors import CenterPoint

    times = {"constant": constant_rate(150, 15.0), "offset": constant_rate(150, 15.0, start_s=0.7),
             "variable": variable_rate(200, seed=5, low_s=0.03, high_s=0.08)}[rate]
    write_index_video(tmp_path / "v.mp4", times)
    seconds = np.arange(int(times[-1] - times[0]) + 1)
    sample = ActionSample(0, "v", "v", 64, 48, int(seconds[-1]), seconds)
    source = video_source("groundingyoutube", tmp_path, None, decoder)
    (unit,) = work_units([sample])
    ((_, frames),) = unit_inputs(unit, CenterPoint({}), source).items
    assert [frame_index(rgb) for rgb in frames.rgb] == [nearest_index(times, s) for s in seconds.tolist()]


def test_opencv_is_the_fallback_without_pyav(monkeypatch):
    import importlib.util

    from baselines.video import sources

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "av" else real(name, *a))
    assert sources.choose_decoder("auto") == "opencv"


def test_paths_follow_the_official_layouts(tmp_path):
    (tmp_path / "video" / "0042").mkdir(parents=True)
    (tmp_path / "video" / "0042" / "77.mp4").write_bytes(b"")
    (tmp_path / "clip one.mp4").write_bytes(b"")
    (tmp_path / "-1okAudsnAc.webm").write_bytes(b"")
    assert video_source("vidstg", tmp_path, None, "pyav").resolve("77") == tmp_path / "video" / "0042" / "77.mp4"
    assert video_source("hcstvg-v1", tmp_path, None, "pyav").resolve("clip one.mp4") == tmp_path / "clip one.mp4"
    gyt = video_source("groundingyoutube", tmp_path, None, "pyav")
    assert gyt.resolve("-1okAudsnAc") == tmp_path / "-1okAudsnAc.webm"
    custom = video_source("vidstg", tmp_path, "{videos}/video/*/{video}.mp4", "pyav")
    assert custom.resolve("77") == tmp_path / "video" / "0042" / "77.mp4"
    with pytest.raises(InputFileError, match="video 78: no file matches"):
        custom.resolve("78")


# ------------------------------------------------------------------ bad videos, through the CLI


def _bad_videos(tmp_path: Path, kind: str) -> Path:
    """A copy of the tiny videos with video 1002 broken as ``kind``."""
    directory = tmp_path / kind / "video" / "0000"
    times, _, _ = VIDEOS["1001"]
    write_index_video(directory / "1001.mp4", times)
    write_index_video(directory / "1003.mp4", VIDEOS["1003"][0])
    target = directory / "1002.mp4"
    if kind == "unreadable":
        target.write_bytes(b"this is not a video" * 100)
    elif kind == "truncated-mp4":
        write_index_video(target, VIDEOS["1002"][0])
        target.write_bytes(target.read_bytes()[: os.path.getsize(target) // 2])
    elif kind == "shorter-declared":
        write_index_video(target, constant_rate(30, 25.0))  # the annotation says 60 frames
    elif kind == "shorter-decoded":
        # Matroska declares no frame count: the end of the stream is found while decoding.
        mkv = write_index_video(directory / "1002.mkv", constant_rate(30, 25.0))
        mkv.rename(target.with_suffix(".mkv"))
    return tmp_path / kind


BAD = {
    "missing": "video 1002: no file matches",
    "unreadable": "video 1002: cannot be read",
    "truncated-mp4": "video 1002: cannot be read",
    "shorter-declared": "video 1002: the video has 30 frames, the annotation says 60",
    "shorter-decoded": "video 1002: the decoded frames end at 1.160 s but frame 30 is planned at 1.200 s",
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_videos_are_one_line_naming_the_video(run_cli, tiny, tmp_path, kind):
    videos = _bad_videos(tmp_path, kind) if kind != "missing" else tmp_path / "none"
    if kind == "missing":
        (videos / "video" / "0000").mkdir(parents=True)
        write_index_video(videos / "video" / "0000" / "1001.mp4", VIDEOS["1001"][0])
    template = ["--video-template", "{videos}/video/*/{video}.mkv"] if kind == "shorter-decoded" else []
    if kind == "shorter-decoded":  # the other videos as mkv too
        for video in ("1001", "1003"):
            write_index_video(videos / "video" / "0000" / f"{video}.mkv", VIDEOS[video][0])
    run_dir = tmp_path / "run"
    code, _, err = run_cli("baseline", "run", "test-index-reader", "--dataset", "vidstg", "--annotations",
                             tiny["annotations"], "--videos", videos, *template, "--param", "frame_plan=every",
                             "--run-dir", run_dir, "--out", tmp_path / "p.json", "--batch-size", "1")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and BAD[kind] in err, err
    assert not (tmp_path / "p.json").exists()
    if run_dir.exists():  # errors found while decoding: the samples done before it keep their shards
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["sessions"][-1]["status"] == "failed" and BAD[kind] in manifest["sessions"][-1]["error"]
        assert len(list((run_dir / "shards").glob("*.parquet"))) == 2  # video 1001's two sentences
