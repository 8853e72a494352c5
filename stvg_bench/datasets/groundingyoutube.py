"""GroundingYouTube (CVPR 2024): actions in long untrimmed videos, 1 annotated frame per second.

Reads a directory holding the release files:

* boxes: ``box_anno.json`` (per video a list of ``{second, box, step_name}``) or
  ``GoundingYouTubeBox.json`` (per video ``{second: {box, step}}``);
* temporal GT: ``ground_seg.json`` (per video ``{segment: [start, end] inclusive,
  id, sentence}``); ``seg.json`` is an earlier, different variant, read only
  with ``segments="seg"``;
* ``vid2step.json`` (the step pool per video, incomplete) and
  ``id2wh_new.json`` (frame size per video).

Conventions (docs/METRICS.md §3.1-§3.4): step names are normalised; the vocabulary is the
union of the pools and every step in the ground truth; a video lasts until the
last second any loaded file mentions (or a durations file says); the GT box
of a second is the released box of that second. The release's box defects
are reported and handled by a named *box policy*, never raised as errors.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np

from ..core.arrays import concat_ranges
from ..core.cachedir import cache_root
from ..core.errors import AnnotationError, InputFileError, OptionError, quote
from ..core.geometry import is_inverted
from ..core.ids import is_decimal
from ..data.actions import BACKGROUND, ActionGroundTruth, SpatialQueries, normalise_step, seconds_key
from .base import (
    MAX_FRAME_SIDE,
    ActionDataset,
    DatasetAdapter,
    check_box_values,
    check_seconds,
    decode_annotation,
)
from .cache import AnnotationFile

BOX_POLICIES = {
    "drop-inverted": "boxes with x2 < x1 or y2 < y1 are left out of scoring (counted); others kept as released",
    "drop-defective": "also leave out boxes with x2 clipped at 480 on 640-wide frames or y2 beyond the frame",
    "clip-to-frame": "clip boxes to the frame, then leave out inverted ones",
}
DEFAULT_POLICY = "drop-inverted"
SEGMENT_FILES = {"ground_seg": "ground_seg.json", "seg": "seg.json"}
BOX_FILES = ("box_anno.json", "GoundingYouTubeBox.json")


class _ListBox(msgspec.Struct):
    second: int
    box: tuple[float, float, float, float]
    step_name: str


class _DictBox(msgspec.Struct):
    box: tuple[float, float, float, float]
    step: str


class _Segment(msgspec.Struct):
    segment: tuple[int, int]
    sentence: str


def _decode(source: AnnotationFile, type_):
    return decode_annotation(source.data(), type_, source.path, "GroundingYouTube layout")


def _read_boxes(directory: Path) -> tuple[AnnotationFile, dict[str, list[tuple[int, tuple, str]]]]:
    """Boxes per video as ``(second, box, step)`` from whichever released layout is present."""
    for name in BOX_FILES:
        path = directory / name
        if not path.is_file():
            continue
        source = AnnotationFile(path)
        if name == "box_anno.json":
            parsed = _decode(source, dict[str, list[_ListBox]])
            return source, {v: [(b.second, b.box, b.step_name) for b in boxes] for v, boxes in parsed.items()}
        parsed = _decode(source, dict[str, dict[str, _DictBox]])
        out = {}
        for video, per_second in parsed.items():
            for second in per_second:
                if not is_decimal(second):
                    raise AnnotationError(f"video {quote(video)}: second key {quote(second)} is not an integer",
                                          path=path)
            out[video] = [(int(s), b.box, b.step) for s, b in per_second.items()]
        return source, out
    raise InputFileError(f"no box file ({' or '.join(BOX_FILES)}) in the annotation directory", path=directory)


def _check_facts(video_ids, sizes, size_path, segment_lists, segment_path, boxes, box_path, declared, durations):
    """Refuse frame sizes below 1 pixel, seconds outside a day, inverted segments and non-finite boxes,
    naming the file, the video and the field, before any array is sized by them."""
    for video in video_ids:
        width, height = sizes[video]
        if not (1 <= width <= MAX_FRAME_SIDE and 1 <= height <= MAX_FRAME_SIDE):
            raise AnnotationError(f"frame size {width}x{height}: a side has 1 to {MAX_FRAME_SIDE:,} pixels", path=size_path,
                                  sample_id=video, field="[width, height]")
    for video, segments in segment_lists.items():
        for segment in segments:
            check_seconds(segment_path, video, "segment", *segment.segment)
    for video, per in boxes.items():
        for second, box, _ in per:
            check_seconds(box_path, video, "second", second)
        check_box_values(np.array([box for _, box, _ in per], dtype=np.float64).reshape(-1, 4), box_path,
                         lambda row, video=video: video, "box")
    for video, last in (declared or {}).items():
        check_seconds(durations, video, "duration", last)


def load_groundtruth(
    directory: Path, segments: str = "ground_seg", box_policy: str = DEFAULT_POLICY, durations: Path | None = None
) -> tuple[ActionGroundTruth, dict[str, str]]:
    """Parse a GroundingYouTube directory; return the ground truth and the sha256 of each input."""
    if box_policy not in BOX_POLICIES:
        raise OptionError(f"unknown box policy {quote(box_policy)}; choose one of {', '.join(BOX_POLICIES)}")
    if segments not in SEGMENT_FILES:
        raise OptionError(f"segments must be one of {', '.join(SEGMENT_FILES)}, got {quote(segments)}")
    directory = Path(directory)
    if not directory.is_dir():
        raise InputFileError("GroundingYouTube expects the annotation directory", path=directory)
    box_source, boxes = _read_boxes(directory)
    sources = {"segments": AnnotationFile(directory / SEGMENT_FILES[segments]),
               "step_pools": AnnotationFile(directory / "vid2step.json"),
               "frame_sizes": AnnotationFile(directory / "id2wh_new.json")}
    box_path, segment_path, size_path = box_source.path, sources["segments"].path, sources["frame_sizes"].path
    segment_lists = _decode(sources["segments"], dict[str, list[_Segment]])
    pools = _decode(sources["step_pools"], dict[str, list[str]])
    sizes = _decode(sources["frame_sizes"], dict[str, tuple[int, int]])
    declared = None
    if durations is not None:
        sources["durations"] = AnnotationFile(durations)
        declared = _decode(sources["durations"], dict[str, int])
    inputs = {"annotations": box_source.record(), **{name: source.record() for name, source in sources.items()}}

    video_ids = list(dict.fromkeys([*segment_lists, *boxes]))
    video_of = {v: i for i, v in enumerate(video_ids)}
    missing_size = [v for v in video_ids if v not in sizes]
    if missing_size:
        raise AnnotationError(f"no frame size for video {quote(missing_size[0])}", path=size_path)
    _check_facts(video_ids, sizes, size_path, segment_lists, segment_path, boxes, box_path, declared, durations)

    gt_steps = {normalise_step(s.sentence) for segs in segment_lists.values() for s in segs}
    gt_steps |= {normalise_step(step) for per in boxes.values() for _, _, step in per}
    pool_steps = {normalise_step(s) for pool in pools.values() for s in pool}
    steps = (BACKGROUND, *sorted((gt_steps | pool_steps) - {BACKGROUND}))
    step_of = {s: i for i, s in enumerate(steps)}

    seg_rows = [
        (video_of[v], step_of[normalise_step(s.sentence)], s.segment[0], s.segment[1], s.sentence)
        for v, segs in segment_lists.items()
        for s in segs
    ]
    box_rows = [(video_of[v], second, box, step_of[normalise_step(step)]) for v, per in boxes.items()
                for second, box, step in per]
    segment_video = np.array([r[0] for r in seg_rows], dtype=np.int64)
    segment_step = np.array([r[1] for r in seg_rows], dtype=np.int64)
    segment_start = np.array([r[2] for r in seg_rows], dtype=np.int64)
    segment_end = np.array([r[3] for r in seg_rows], dtype=np.int64)
    box_video = np.array([r[0] for r in box_rows], dtype=np.int64)
    box_second = np.array([r[1] for r in box_rows], dtype=np.int64)
    box_xyxy = np.array([r[2] for r in box_rows], dtype=np.float64).reshape(-1, 4)
    box_step = np.array([r[3] for r in box_rows], dtype=np.int64)
    width = np.array([sizes[v][0] for v in video_ids], dtype=np.int64)
    height = np.array([sizes[v][1] for v in video_ids], dtype=np.int64)

    if len(np.unique(seconds_key(box_video, box_second))) != len(box_video):
        raise AnnotationError("a video has two boxes on the same second", path=box_path)
    last = np.zeros(len(video_ids), dtype=np.int64)
    np.maximum.at(last, segment_video, segment_end)
    np.maximum.at(last, box_video, box_second)
    if declared is not None:
        absent = [v for v in video_ids if v not in declared]
        if absent:
            raise AnnotationError(f"no duration for video {quote(absent[0])}", path=durations)
        given = np.array([declared[v] for v in video_ids], dtype=np.int64)
        short = np.flatnonzero(given < last)
        if len(short):
            raise AnnotationError(
                f"video {video_ids[short[0]]} lasts {given[short[0]]} s but is annotated at second {last[short[0]]}",
                path=durations,
            )
        last = given

    inverted = is_inverted(box_xyxy)
    x2_clipped = (box_xyxy[:, 2] == 480) & (width[box_video] == 640)
    y2_beyond = box_xyxy[:, 3] > height[box_video]
    if box_policy == "clip-to-frame":
        box_xyxy = np.clip(box_xyxy, 0, np.stack([width, height, width, height], 1)[box_video])
        inverted = is_inverted(box_xyxy)
    valid = ~inverted
    if box_policy == "drop-defective":
        valid &= ~(x2_clipped | y2_beyond)

    defects = {
        "boxes": len(box_video),
        "boxes_inverted": int(inverted.sum()),
        "boxes_x2_clipped_at_480": int(x2_clipped.sum()),
        "boxes_y2_beyond_frame": int(y2_beyond.sum()),
        "boxes_left_out_by_policy": int((~valid).sum()),
    }
    defects.update(_structure_defects(video_ids, pools, segment_video, segment_step, segment_start, segment_end,
                                      box_video, box_second, box_step, valid, steps))
    queries = SpatialQueries(
        group_kind="video",
        group_names=np.array(video_ids, dtype=str),
        group=box_video[valid],
        second=box_second[valid],
        gt_xyxy=box_xyxy[valid],
        step=box_step[valid],
        video=box_video[valid],
    )
    pool_rows = [(video_of[v], step_of[normalise_step(s)]) for v, pool in pools.items() if v in video_of
                 for s in pool]
    gt = ActionGroundTruth(
        dataset="groundingyoutube",
        video_ids=np.array(video_ids, dtype=str),
        frame_width=width,
        frame_height=height,
        duration=last,
        steps=steps,
        segment_video=segment_video,
        segment_step=segment_step,
        segment_start=segment_start,
        segment_end=segment_end,
        segment_text=np.array([r[4] for r in seg_rows], dtype=str),
        box_video=box_video,
        box_second=box_second,
        box_xyxy=box_xyxy,
        box_step=box_step,
        box_valid=valid,
        queries=queries,
        policy=box_policy,
        defects=defects,
        pool_video=np.array([r[0] for r in pool_rows], dtype=np.int64),
        pool_step=np.array([r[1] for r in pool_rows], dtype=np.int64),
    )
    return gt, inputs


def _structure_defects(video_ids, pools, segment_video, segment_step, segment_start, segment_end,
                       box_video, box_second, box_step, valid, steps) -> dict[str, int]:
    """Counts of the release's structural quirks (data README): overlaps, pool gaps, orphans."""
    owner, second = concat_ranges(segment_start, segment_end - segment_start + 1)
    per_second = seconds_key(segment_video[owner], second)
    rows = np.unique(seconds_key(segment_video[owner], second, segment_step[owner]))
    seconds, steps_per_second = np.unique(rows >> 12, return_counts=True)
    shared = seconds[steps_per_second > 1]
    box_keys = seconds_key(box_video, box_second)
    in_segment = np.isin(box_keys, per_second)
    in_own_step = np.isin(seconds_key(box_video, box_second, box_step), rows)
    pool = {(i, normalise_step(s)) for i, v in enumerate(video_ids) for s in pools.get(v, [])}
    box_off_pool = np.array([(v, steps[s]) not in pool for v, s in zip(box_video.tolist(), box_step.tolist())])
    seg_off_pool = np.array([(v, steps[s]) not in pool for v, s in zip(segment_video.tolist(), segment_step.tolist())])
    same_step_overlaps = 0
    order = np.lexsort((segment_start, segment_step, segment_video))
    for a, b in zip(order[:-1], order[1:]):
        if (segment_video[a], segment_step[a]) == (segment_video[b], segment_step[b]) and segment_start[b] <= segment_end[a]:
            same_step_overlaps += 1
    covered = np.zeros(len(segment_start), dtype=bool)
    valid_keys = box_keys[valid]
    covered[np.unique(owner[np.isin(per_second, valid_keys)])] = True
    return {
        "boxes_outside_every_segment": int((~in_segment).sum()),
        "boxes_whose_step_has_no_segment_there": int((in_segment & ~in_own_step).sum()),
        "boxes_with_step_missing_from_pool": int(box_off_pool.sum()),
        "videos_with_box_steps_missing_from_pool": len({v for v, off in zip(box_video.tolist(), box_off_pool) if off}),
        "segments": len(segment_start),
        "segments_with_step_missing_from_pool": int(seg_off_pool.sum()),
        "segments_without_a_valid_box": int((~covered).sum()),
        "overlapping_same_step_segments": same_step_overlaps,
        "seconds_in_segments_of_two_steps": len(shared),
        "videos_with_seconds_in_two_steps": len(np.unique(shared >> 20)),
    }


class GroundingYouTubeAdapter(DatasetAdapter):
    """``--annotations DIR`` (default: the fetched release); options ``segments``, ``box_policy``, ``durations``."""

    name = "groundingyoutube"

    def load(self, split="test", annotations=None, vidor_dir=None, *, use_cache=True, progress=False, **options):
        self.check_split(split)
        self.refuse_options(options, known=("segments", "box_policy", "durations"))
        if vidor_dir is not None:
            raise OptionError("groundingyoutube takes no --vidor-dir")
        if annotations is None:
            annotations = cache_root() / self.name
            if not annotations.is_dir():
                raise InputFileError(
                    "no annotation directory: pass --annotations DIR, or run `stvg-bench datasets fetch "
                    "groundingyoutube`",
                    path=annotations,
                )
        gt, inputs = load_groundtruth(
            Path(annotations),
            segments=options.get("segments") or "ground_seg",
            box_policy=options.get("box_policy") or DEFAULT_POLICY,
            durations=options.get("durations"),
        )
        return ActionDataset(adapter=self, gt=gt, inputs=inputs, split=split)


ADAPTER = GroundingYouTubeAdapter()
