"""YouCook2-Interactions: spatial grounding of cooking sentences (docs/METRICS.md §5.2).

Reads ``youcook2_interactions.json`` (the release pickles converted to JSON):
``boxes`` ``{video: {index: [x1, y1, x2, y2]}}`` and ``segments`` ``[{video_id,
segment: [start, end], sentence}]``, the index and the segments in the same
time base, segments inclusive. Each box is queried with the sentence of every
segment containing it, so the query groups are the segments (ids = position
in ``segments``). Boxes in no segment and zero-area boxes are left out and
counted. Frame sizes are not released: they are unknown (0).
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np

from ..core.errors import AnnotationError, InputFileError, quote
from ..core.ids import is_decimal
from ..data.actions import ActionGroundTruth, SpatialQueries
from .base import ActionDataset, DatasetAdapter, check_box_values, check_seconds, decode_annotation
from .cache import AnnotationFile

FILE_NAME = "youcook2_interactions.json"


class _Segment(msgspec.Struct):
    video_id: str
    segment: tuple[int, int]
    sentence: str


class _Release(msgspec.Struct):
    boxes: dict[str, dict[str, tuple[float, float, float, float]]]
    segments: list[_Segment]


def load_groundtruth(path: Path) -> tuple[ActionGroundTruth, dict[str, str]]:
    """Parse the release file (or a directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    source = AnnotationFile(path)
    release = decode_annotation(source.data(), _Release, path, "YouCook2-Interactions release layout")

    video_ids = list(dict.fromkeys([*(s.video_id for s in release.segments), *release.boxes]))
    video_of = {v: i for i, v in enumerate(video_ids)}
    rows = []
    for video, per_index in release.boxes.items():
        for index, box in per_index.items():
            if not is_decimal(index):
                raise AnnotationError(f"box index {quote(index)} is not an integer", path=path, sample_id=video,
                                      field="boxes")
            check_seconds(path, video, f"boxes[{quote(index)}]", int(index))
            rows.append((video_of[video], int(index), box))
    for position, segment in enumerate(release.segments):
        check_seconds(path, segment.video_id, f"segments[{position}].segment", *segment.segment)
    box_video = np.array([r[0] for r in rows], dtype=np.int64)
    box_second = np.array([r[1] for r in rows], dtype=np.int64)
    box_xyxy = np.array([r[2] for r in rows], dtype=np.float64).reshape(-1, 4)
    segment_video = np.array([video_of[s.video_id] for s in release.segments], dtype=np.int64)
    segment_start = np.array([s.segment[0] for s in release.segments], dtype=np.int64)
    segment_end = np.array([s.segment[1] for s in release.segments], dtype=np.int64)

    check_box_values(box_xyxy, path, lambda row: video_ids[int(box_video[row])], "boxes")
    area = np.maximum(box_xyxy[:, 2] - box_xyxy[:, 0], 0) * np.maximum(box_xyxy[:, 3] - box_xyxy[:, 1], 0)
    valid = area > 0
    # (box, segment) pairs: every segment of the box's video that contains its index.
    inside = (
        (segment_video[None, :] == box_video[:, None])
        & (segment_start[None, :] <= box_second[:, None])
        & (box_second[:, None] <= segment_end[None, :])
    )
    box_of_pair, segment_of_pair = np.nonzero(inside & valid[:, None])
    n_segments_per_box = inside.sum(axis=1)
    last = np.zeros(len(video_ids), dtype=np.int64)
    np.maximum.at(last, segment_video, segment_end)
    np.maximum.at(last, box_video, box_second)
    defects = {
        "boxes": len(box_video),
        "boxes_zero_area": int((~valid).sum()),
        "boxes_outside_every_segment": int((n_segments_per_box == 0).sum()),
        "boxes_in_two_or_more_segments": int((n_segments_per_box >= 2).sum()),
        "videos_with_boxes_but_no_segment": len(set(release.boxes) - {s.video_id for s in release.segments}),
        "segments": len(segment_video),
        "queries": len(box_of_pair),
    }
    queries = SpatialQueries(
        group_kind="segment id",
        group_names=np.array([str(i) for i in range(len(segment_video))], dtype=str),
        group=segment_of_pair.astype(np.int64),
        second=box_second[box_of_pair],
        gt_xyxy=box_xyxy[box_of_pair],
        step=np.full(len(box_of_pair), -1, dtype=np.int64),
        video=box_video[box_of_pair],
    )
    gt = ActionGroundTruth(
        dataset="youcook2-interactions",
        video_ids=np.array(video_ids, dtype=str),
        frame_width=np.zeros(len(video_ids), dtype=np.int64),
        frame_height=np.zeros(len(video_ids), dtype=np.int64),
        duration=last,
        steps=(),
        segment_video=segment_video,
        segment_step=np.full(len(segment_video), -1, dtype=np.int64),
        segment_start=segment_start,
        segment_end=segment_end,
        segment_text=np.array([s.sentence for s in release.segments], dtype=str),
        box_video=box_video,
        box_second=box_second,
        box_xyxy=box_xyxy,
        box_step=np.full(len(box_video), -1, dtype=np.int64),
        box_valid=valid,
        queries=queries,
        policy="drop-zero-area",
        defects=defects,
    )
    return gt, {"annotations": source.record()}


class YouCook2InteractionsAdapter(DatasetAdapter):
    """``--annotations`` names ``youcook2_interactions.json`` (or its directory)."""

    name = "youcook2-interactions"

    def load(self, split="val", annotations=None, vidor_dir=None, *, use_cache=True, progress=False, **options):
        self.check_split(split)
        self.refuse_options(options)
        if annotations is None:
            raise InputFileError(f"{self.name}: pass --annotations with {FILE_NAME}")
        gt, inputs = load_groundtruth(Path(annotations))
        return ActionDataset(adapter=self, gt=gt, inputs=inputs, split=split)


ADAPTER = YouCook2InteractionsAdapter()
