"""Small VidSTG-layout datasets with synthetic index videos, and test runners, for the baselines tests.

``IndexReader`` reads back the index each decoded frame shows: its box on a
planned frame ``f`` is ``[index, f, index + 1, f + 1 + b]``, so a prediction
file says exactly which decoded frame answered every planned one; ``b`` (the
sum of the sample ids in its batch, / 1000) makes its output depend on its
batch, as a batch-sensitive model's may.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from baselines.info import RunnerInfo
from baselines.outputs import TubeOutput
from baselines.plugin import FRAME_PLAN, MAX_FRAMES
from baselines.runner import Runner
from baselines.video.synthetic import constant_rate, frame_index, variable_rate, write_index_video

# video id -> (presentation times of its frames, the fps the annotation declares, its frame count there)
VIDEOS = {
    "1001": (constant_rate(90, 30.0), 30.0, 90),
    "1002": (constant_rate(60, 25.0, start_s=1.5), 25.0, 60),   # stream starts at an offset
    "1003": (variable_rate(80, seed=3), 25.0, 80),               # variable frame rate
}


def nearest_index(times_s: np.ndarray, target_s: float) -> int:
    """The frame nearest to ``target_s`` (ties to the earlier), times counted from the first frame."""
    relative = np.asarray(times_s) - times_s[0]
    distance = np.abs(relative - target_s)
    return int(np.flatnonzero(distance == distance.min())[0])


def entry(video: str, fps: float, frame_count: int, used: tuple[int, int], gt: tuple[int, int],
          n_questions: int = 1) -> dict:
    return {
        "vid": video, "fps": fps, "frame_count": frame_count, "width": 64, "height": 48,
        "used_segment": {"begin_fid": used[0], "end_fid": used[1]},
        "subject/objects": [{"tid": 0, "category": "adult"}],
        "used_relation": {"subject_tid": 0, "object_tid": 0, "predicate": "next_to", "begin_fid": gt[0],
                          "end_fid": gt[1]},
        "temporal_gt": {"begin_fid": gt[0], "end_fid": gt[1]},
        "captions": [{"description": f"the adult in video {video}.", "type": "object", "target_id": 0}],
        "questions": [{"description": f"who is in video {video}?", "type": "object", "target_id": 0}] * n_questions,
    }


def write_tiny_vidstg(directory: Path, with_videos: bool = True) -> dict:
    """``test_annotations.json`` + ``val_annotations.json`` (VidSTG official layout, 64x48 frames) and
    ``videos/video/0000/<vid>.mp4`` as VidOR lays them out."""
    directory.mkdir(parents=True, exist_ok=True)
    test = [entry("1001", 30.0, 90, (10, 80), (20, 50)), entry("1002", 25.0, 60, (0, 59), (5, 40), 2),
            entry("1003", 25.0, 80, (3, 70), (10, 60))]
    val = [entry("2001", 30.0, 100, (0, 99), (10, 60)), entry("2002", 30.0, 100, (20, 90), (30, 80))]
    (directory / "test_annotations.json").write_text(json.dumps(test))
    (directory / "val_annotations.json").write_text(json.dumps(val))
    videos = directory / "videos"
    if with_videos:
        for video, (times, _, _) in VIDEOS.items():
            write_index_video(videos / "video" / "0000" / f"{video}.mp4", times)
    return {"annotations": directory / "test_annotations.json", "videos": videos}


class IndexReader(Runner):
    """Reads the index every planned frame's decoded picture shows (a runner that needs videos)."""

    name = "test-index-reader"

    def predict(self, batch):
        outputs = []
        signature = sum(sample.sample_id for sample, _ in batch) / 1000
        for sample, frames in batch:
            index = np.array([frame_index(rgb) for rgb in frames.rgb], dtype=np.float64)
            planned = frames.planned.astype(np.float64)
            boxes = np.stack([index, planned, index + 1, planned + 1 + signature], axis=1).reshape(-1, 4)
            outputs.append(TubeOutput(sample.segment_start_frame, sample.segment_end_frame_exclusive,
                                      frames.planned, boxes))
        return outputs


class NeedsCheckpoint(IndexReader):
    name = "test-needs-checkpoint"


TEST_RUNNERS = {
    "test-index-reader": ("tests.baseline_helpers:IndexReader", RunnerInfo(
        description="test: reads frame indices", version=1, task="tube-grounding", family="tubes",
        kind="zero-shot", needs=("videos",), parameters=(FRAME_PLAN, MAX_FRAMES), default_batch_size=2)),
    "test-needs-checkpoint": ("tests.baseline_helpers:NeedsCheckpoint", RunnerInfo(
        description="test: needs a checkpoint", version=1, task="tube-grounding", family="tubes",
        kind="fully", needs=("videos", "checkpoint"), parameters=(FRAME_PLAN, MAX_FRAMES))),
}


def register_test_runners() -> None:
    from stvg_bench.registries import BASELINES

    for name, (reference, info) in TEST_RUNNERS.items():
        if name not in BASELINES.names():
            BASELINES.register(name, reference, info, origin="tests")
