"""The action data model (GroundingYouTube, YouCook2-Interactions; docs/METRICS.md §3-5): ground truth,
predictions and tubes as flat arrays.

Time base: integer seconds, segments ``[start, end]`` *inclusive*. Boxes are
``[x1, y1, x2, y2]`` in pixels of the frame size of their video.

Both datasets reduce to:

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

from ..core.arrays import concat_ranges, lookup_sorted
from .tubes import PredictionMeta

BACKGROUND = "background"
POINT, BOX, HEATMAP = 0, 1, 2  # kinds of a spatial prediction


def normalise_step(name: str) -> str:
    """Step names compare after lower-casing, ``_`` -> space and collapsing whitespace."""
    return " ".join(name.lower().replace("_", " ").split())


def seconds_key(video: np.ndarray, second: np.ndarray, step: np.ndarray | int = 0) -> np.ndarray:
    """Sortable int64 key of (video, second, step): video < 2^31, second < 2^20, step < 2^12."""
    return (np.asarray(video, np.int64) << 32) + (np.asarray(second, np.int64) << 12) + np.asarray(step, np.int64)


@dataclass(frozen=True)
class Tubes:
    """Scored tubes as flat arrays: tube ``i`` is (``video[i]``, ``step[i]``, ``score[i]``); box rows
    (``box_tube``, ``box_second``, ``box_xyxy``) give its boxes. Videos and steps are indices."""

    video: np.ndarray
    step: np.ndarray
    score: np.ndarray
    box_tube: np.ndarray
    box_second: np.ndarray
    box_xyxy: np.ndarray

    def __len__(self) -> int:
        return len(self.video)


@dataclass(frozen=True)
class SpatialQueries:
    """The scored frames of the spatial task.

    Row ``i`` asks for the location in second ``second[i]`` of query group
    ``group[i]`` (named ``group_names[group[i]]``: a video id, or a segment id,
    as ``group_kind`` says); ``gt_xyxy[i]`` is the answer, ``step[i]`` its class
    (-1 when the dataset has none), ``video[i]`` the video index used to
    resample for confidence intervals.
    """

    group_kind: str
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
        pool_video, pool_step: the released step pool of each video (GroundingYouTube's
            ``vid2step.json``; background included) as (video, step) rows in file order;
            empty for datasets without pools. An input of the temporal task, not its answer.
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
    pool_video: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_videos(self) -> int:
        return len(self.video_ids)

    def step_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.steps)}

    def segment_seconds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(segment, second)`` for every second of every GT segment (inclusive ends)."""
        return concat_ranges(self.segment_start, self.segment_end - self.segment_start + 1)

    def second_sets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unique (video, second, step) rows of the GT segments (G_c per video and step), sorted."""
        segment, second = self.segment_seconds()
        keys = np.unique(seconds_key(self.segment_video[segment], second, self.segment_step[segment]))
        return keys >> 32, (keys >> 12) & ((1 << 20) - 1), keys & ((1 << 12) - 1)

    def instances(self) -> tuple[Tubes, int]:
        """GT instances as tubes (the usable boxes of each segment's seconds), and how many had none."""
        valid_keys = seconds_key(self.box_video[self.box_valid], self.box_second[self.box_valid])
        order = np.argsort(valid_keys)
        segment, second = self.segment_seconds()
        index, has_box = lookup_sorted(valid_keys[order], seconds_key(self.segment_video[segment], second))
        covered = np.zeros(len(self.segment_start), dtype=bool)
        covered[segment[has_box]] = True
        renumber = np.cumsum(covered) - 1
        tubes = Tubes(
            video=self.segment_video[covered],
            step=self.segment_step[covered],
            score=np.ones(int(covered.sum())),
            box_tube=renumber[segment[has_box]],
            box_second=second[has_box],
            box_xyxy=self.box_xyxy[self.box_valid][order[index[has_box]]],
        )
        return tubes, int((~covered).sum())


def _strings() -> np.ndarray:
    return np.zeros(0, dtype=str)


def _ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ActionPredictions:
    """Predictions of one action task as flat arrays; keys stay strings until matched to a dataset.

    Spatial rows (``spatial_*``): group key, second, kind (:data:`POINT`,
    :data:`BOX`, :data:`HEATMAP`), the point or box (NaN when absent), the
    heatmap grid and its frame size. Label rows (``label_*``, temporal and
    spatio-temporal): video key, second, normalised step, point (NaN when
    absent). Tubes: video, step, score; tube boxes: tube index, second, box.
    ``videos`` lists every video (or group) key present.
    """

    task: str
    meta: PredictionMeta
    spatial_group: np.ndarray = field(default_factory=_strings)
    spatial_second: np.ndarray = field(default_factory=_ints)
    spatial_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    spatial_point: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    spatial_box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    heatmaps: tuple = ()
    heatmap_frame_size: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    label_video: np.ndarray = field(default_factory=_strings)
    label_second: np.ndarray = field(default_factory=_ints)
    label_step: np.ndarray = field(default_factory=_strings)
    label_point: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    tube_video: np.ndarray = field(default_factory=_strings)
    tube_step: np.ndarray = field(default_factory=_strings)
    tube_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tube_box_tube: np.ndarray = field(default_factory=_ints)
    tube_box_second: np.ndarray = field(default_factory=_ints)
    tube_box_xyxy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    has_tubes: bool = False
    videos: tuple[str, ...] = ()

    family = "actions"

    @property
    def n_rows(self) -> int:
        """Predicted seconds (spatial rows, or label rows)."""
        return len(self.spatial_group) if self.task == "spatial" else len(self.label_video)

    def describe(self) -> str:
        return f"{self.task} predictions, {len(self.videos)} groups, {self.n_rows} seconds"

    @property
    def is_empty(self) -> bool:
        """No video (or query group) has a prediction."""
        return not self.videos
