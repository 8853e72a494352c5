"""Columnar ground truth for action grounding in untrimmed videos (METRICS.md §3-5).

Time base: integer seconds, segments ``[start, end]`` *inclusive*. Boxes are
``[x1, y1, x2, y2]`` in pixels of the frame size of their video.

GroundingYouTube and YouCook2-Interactions both reduce to:

* videos with a frame size and a duration (the last second of the video);
* step classes (GroundingYouTube; index 0 is ``background``);
* GT *instances*: (video, step, [start, end]) segments;
* boxes, one per annotated (video, second);
* spatial *queries*: (query group, second, GT box, class) rows, the unit of
  the pointing game (GroundingYouTube: one per valid box, grouped by video;
  YouCook2-Interactions: one per (segment, box) pair, grouped by segment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BACKGROUND = "background"


def normalise_step(name: str) -> str:
    """Step names compare after lower-casing, ``_`` -> space and collapsing whitespace."""
    return " ".join(name.lower().replace("_", " ").split())


@dataclass(frozen=True)
class SpatialQueries:
    """The scored frames of the spatial task.

    Row ``i`` asks for the location in second ``second[i]`` of query group
    ``group[i]`` (a video id, or a segment id); ``gt_xyxy[i]`` is the answer,
    ``step[i]`` its class (-1 when the dataset has none), ``video[i]`` the
    video index used to resample for confidence intervals.
    """

    group_names: np.ndarray
    group: np.ndarray
    second: np.ndarray
    gt_xyxy: np.ndarray
    step: np.ndarray
    video: np.ndarray


@dataclass(frozen=True)
class ActionGroundTruth:
    """Ground truth of an action-grounding dataset, as flat arrays.

    Attributes:
        dataset: adapter name.
        video_ids: video ids (index = video number).
        frame_width, frame_height: frame size per video in pixels (0 when unknown).
        duration: last second of each video (seconds are ``0..duration``).
        steps: step vocabulary, normalised; ``steps[0] == "background"`` when the
            dataset has steps, else empty.
        segment_video, segment_step, segment_start, segment_end: GT instances,
            inclusive seconds (``segment_step`` -1 without steps).
        segment_text: the released sentence of each segment.
        box_video, box_second, box_xyxy, box_step: released boxes (one per annotated
            second); ``box_valid`` marks those the box policy keeps.
        queries: the spatial queries.
        policy: name of the box policy applied.
        defects: ground-truth problems found, by kind (reported, never errors).
    """

    dataset: str
    video_ids: np.ndarray
    frame_width: np.ndarray
    frame_height: np.ndarray
    duration: np.ndarray
    steps: tuple[str, ...]
    segment_video: np.ndarray
    segment_step: np.ndarray
    segment_start: np.ndarray
    segment_end: np.ndarray
    segment_text: np.ndarray
    box_video: np.ndarray
    box_second: np.ndarray
    box_xyxy: np.ndarray
    box_step: np.ndarray
    box_valid: np.ndarray
    queries: SpatialQueries
    policy: str
    defects: dict[str, int] = field(default_factory=dict)

    @property
    def n_videos(self) -> int:
        return len(self.video_ids)

    def video_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.video_ids.tolist())}

    def step_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.steps)}


def seconds_key(video: np.ndarray, second: np.ndarray, step: np.ndarray | int = 0) -> np.ndarray:
    """Sortable int64 key of (video, second, step): video < 2^31, second < 2^20, step < 2^12."""
    return (np.asarray(video, np.int64) << 32) + (np.asarray(second, np.int64) << 12) + np.asarray(step, np.int64)


def gt_second_sets(gt: ActionGroundTruth) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (video, second, step) rows of the GT segments (G_c per video and step), sorted."""
    lengths = gt.segment_end - gt.segment_start + 1
    owner = np.repeat(np.arange(len(lengths)), np.maximum(lengths, 0))
    first = np.cumsum(lengths) - lengths
    second = np.arange(int(lengths.sum())) - first[owner] + gt.segment_start[owner]
    keys = np.unique(seconds_key(gt.segment_video[owner], second, gt.segment_step[owner]))
    return keys >> 32, (keys >> 12) & ((1 << 20) - 1), keys & ((1 << 12) - 1)
