"""Ground truth resolved under one protocol: what the metric functions consume.

A :class:`ScoringTable` holds, for the samples a protocol scores:

* the ground-truth interval as plugged into the (half-open) tIoU formula;
* the scored frame set ``F`` of each sample, either "every frame except a
  listed few" or "only the listed frames";
* one row per scored ground-truth frame (``F ∩ G``) with its box.

Dataset adapters build tables with the helpers below; metrics never see a
dataset name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.arrays import concat_ranges
from ..core.geometry import is_inverted
from ..protocols.tubes import TubeProtocol
from .tubes import FRAME_MAX, FRAME_MIN, GroundTruth, frame_keys


@dataclass(frozen=True)
class ScoringTable:
    """One split under one protocol.

    Attributes:
        protocol: the protocol this table was resolved under.
        sample_ids: scored samples (ascending); position ``p`` in every per-sample
            array below is sample ``sample_ids[p]``.
        query_type: query-type code per scored sample.
        gt_start, gt_end: ground-truth interval as plugged into the half-open
            tIoU formula (STCAT's closed end is plugged in unchanged).
        frame_count: frames of each scored sample's video; predicted segments are
            clipped to ``[0, frame_count)`` when ``protocol.clip_segments``.
        frame_set: ``"all"``: ``F`` is every frame id except ``frame_set_keys``;
            ``"listed"``: ``F`` is exactly ``frame_set_keys``.
        frame_set_keys: sorted :func:`frame_keys` of the excluded / listed frames.
        row_position, row_frame, row_gt_xyxy: one row per frame of ``F ∩ G``
            (sorted by position, then frame) with the ground-truth box.
        warnings: ground-truth frames and samples left out, by reason.
    """

    protocol: TubeProtocol
    sample_ids: np.ndarray
    query_type: np.ndarray
    gt_start: np.ndarray
    gt_end: np.ndarray
    frame_count: np.ndarray
    frame_set: str
    frame_set_keys: np.ndarray
    row_position: np.ndarray
    row_frame: np.ndarray
    row_gt_xyxy: np.ndarray
    warnings: dict[str, int] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return len(self.sample_ids)

    def frames_in(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """``|F ∩ [start, end)|`` for every scored sample (0 where ``end <= start``)."""
        start = np.asarray(start, dtype=np.int64)
        end = np.asarray(end, dtype=np.int64)
        position = np.arange(self.n_samples, dtype=np.int64)
        lo = frame_keys(position, np.clip(start, FRAME_MIN, FRAME_MAX))
        hi = frame_keys(position, np.clip(end, FRAME_MIN, FRAME_MAX))
        listed = np.searchsorted(self.frame_set_keys, hi) - np.searchsorted(self.frame_set_keys, lo)
        listed = np.where(end > start, listed, 0)
        if self.frame_set == "listed":
            return listed
        return np.maximum(end - start, 0) - listed


_TABLE_ARRAYS = (
    "sample_ids",
    "query_type",
    "gt_start",
    "gt_end",
    "frame_count",
    "frame_set_keys",
    "row_position",
    "row_frame",
    "row_gt_xyxy",
)


def save(table: ScoringTable, directory: Path) -> None:
    """Store a resolved table (``.npy`` arrays and ``meta.json``), atomically."""
    with atomic.directory(directory) as tmp:
        for name in _TABLE_ARRAYS:
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(table, name)), allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps({"frame_set": table.frame_set, "warnings": table.warnings}))


def load(directory: Path, protocol: TubeProtocol) -> ScoringTable | None:
    """A table stored by :func:`save`, memory-mapped; None if there is none (or it is damaged)."""
    try:
        meta = json.loads((directory / "meta.json").read_text())
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r") for name in _TABLE_ARRAYS}
    except (OSError, ValueError):
        return None
    return ScoringTable(protocol=protocol, frame_set=meta["frame_set"], warnings=meta["warnings"], **arrays)


def tubedetr_sampled_frames(
    start: np.ndarray, end: np.ndarray, video_fps: np.ndarray, sampling_fps: float, max_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """TubeDETR's frame sampling of ``[start, end)``, vectorised over samples.

    Starting with ``start`` (kept even when the range is empty), frame ``f``
    is kept when ``int(f * r) > int(last_kept * r)`` with ``r = sampling_fps /
    video_fps`` computed as TubeDETR does (one float division, then a product);
    if more than ``max_frames`` remain, ``ids[(j * n) // max_frames]`` for
    ``j < max_frames`` are kept. Returns ``(owner, frame)`` sorted by owner then frame.
    """
    start = np.asarray(start, dtype=np.int64)
    lengths = np.maximum(np.asarray(end, dtype=np.int64) - start, 1)
    owner, frame = concat_ranges(start, lengths)
    rate = sampling_fps / np.asarray(video_fps, dtype=np.float64)
    bucket = np.trunc(frame.astype(np.float64) * rate[owner])
    first = np.ones(len(frame), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    # int(f * r) never decreases with f, so "above the last kept frame" is "above the previous frame".
    keep = first.copy()
    keep[1:] |= bucket[1:] > bucket[:-1]
    owner, frame = owner[keep], frame[keep]

    counts = np.bincount(owner, minlength=len(start))
    over = counts > max_frames
    if not over.any():
        return owner, frame
    first_row = np.cumsum(counts) - counts
    keep = np.ones(len(frame), dtype=bool)
    keep[np.isin(owner, np.flatnonzero(over))] = False
    capped = np.flatnonzero(over)
    j = np.arange(max_frames, dtype=np.int64)
    picks = first_row[capped, None] + (j[None, :] * counts[capped, None]) // max_frames
    keep[picks.ravel()] = True
    return owner[keep], frame[keep]


def window_boxes(gt: GroundTruth, sample: np.ndarray, window_frame: np.ndarray) -> np.ndarray:
    """Ground-truth boxes of ``sample`` at window frames ``window_frame`` (NaN outside the window)."""
    sample = np.asarray(sample, dtype=np.int64)
    index = np.asarray(window_frame, dtype=np.int64) - gt.window_start_frame[sample]
    length = gt.box_offsets[sample + 1] - gt.box_offsets[sample]
    inside = (index >= 0) & (index < length)
    boxes = np.full((len(sample), 4), np.nan)
    boxes[inside] = gt.box_xyxy[gt.box_offsets[sample[inside]] + index[inside]]
    return boxes


def build_table(
    protocol: TubeProtocol,
    gt: GroundTruth,
    sample_ids: np.ndarray,
    gt_start: np.ndarray,
    gt_end: np.ndarray,
    row_position: np.ndarray,
    row_frame: np.ndarray,
    row_gt_xyxy: np.ndarray,
    listed_position: np.ndarray | None,
    listed_frame: np.ndarray | None,
    warnings: dict[str, int],
) -> ScoringTable:
    """Assemble a table, leaving out ground-truth frames whose box is missing or inverted.

    Such frames leave ``F`` (numerator and denominator) and are counted in
    ``warnings``. ``listed_*`` give ``F`` when the protocol samples frames.
    """
    missing = np.isnan(row_gt_xyxy).any(axis=1)
    inverted = ~missing & is_inverted(row_gt_xyxy)
    warnings = dict(warnings)
    if missing.any():
        warnings["gt_missing_boxes_excluded"] = warnings.get("gt_missing_boxes_excluded", 0) + int(
            missing.sum()
        )
    if inverted.any():
        warnings["gt_inverted_boxes_excluded"] = int(inverted.sum())
    bad = missing | inverted
    bad_keys = frame_keys(row_position[bad], row_frame[bad])
    if protocol.every_frame:
        frame_set_keys = np.sort(bad_keys)
    else:
        listed = frame_keys(listed_position, listed_frame)
        frame_set_keys = np.setdiff1d(listed, bad_keys, assume_unique=True)
    good = ~bad
    return ScoringTable(
        protocol=protocol,
        sample_ids=np.asarray(sample_ids, dtype=np.int64),
        query_type=np.asarray(gt.query_type)[sample_ids],
        gt_start=np.asarray(gt_start, dtype=np.int64),
        gt_end=np.asarray(gt_end, dtype=np.int64),
        frame_count=np.asarray(gt.frame_count, dtype=np.int64)[sample_ids],
        frame_set="all" if protocol.every_frame else "listed",
        frame_set_keys=frame_set_keys,
        row_position=row_position[good],
        row_frame=row_frame[good],
        row_gt_xyxy=np.ascontiguousarray(row_gt_xyxy[good]),
        warnings=warnings,
    )


def half_open_table(
    protocol: TubeProtocol, gt: GroundTruth, gt_start: np.ndarray, gt_end: np.ndarray, box_frame_offset: int = 0
) -> ScoringTable:
    """Table for a half-open ground truth ``[gt_start, gt_end)``.

    Every sample is scored. The ground-truth box of frame ``f`` is the window
    box of frame ``f - box_frame_offset``. When every frame is scored the
    interval is clipped to the video (counted); with ``sampling_fps`` ``F`` is
    TubeDETR's sampling of ``[segment_start_frame, segment_end_frame)``.
    """
    samples = np.arange(gt.n_samples, dtype=np.int64)
    gt_start = np.asarray(gt_start, dtype=np.int64)
    gt_end = np.asarray(gt_end, dtype=np.int64)
    warnings: dict[str, int] = {}
    if protocol.every_frame:
        frame_count = np.asarray(gt.frame_count)
        start = np.clip(gt_start, 0, frame_count)
        end = np.clip(gt_end, start, frame_count)
        clipped = int(((start != gt_start) | (end != np.maximum(gt_end, gt_start))).sum())
        if clipped:
            warnings["gt_intervals_clipped_to_video"] = clipped
        owner, frame = concat_ranges(start, (end - start) * gt.has_boxes)
        boxes = window_boxes(gt, owner, frame - box_frame_offset)
        return build_table(protocol, gt, samples, start, end, owner, frame, boxes, None, None, warnings)
    listed_owner, listed_frame = tubedetr_sampled_frames(
        gt.segment_start_frame, gt.segment_end_frame, gt.fps, protocol.sampling_fps, protocol.max_frames
    )
    in_gt = (listed_frame >= gt_start[listed_owner]) & (listed_frame < gt_end[listed_owner]) & gt.has_boxes
    owner, frame = listed_owner[in_gt], listed_frame[in_gt]
    boxes = window_boxes(gt, owner, frame - box_frame_offset)
    return build_table(
        protocol, gt, samples, gt_start, gt_end, owner, frame, boxes, listed_owner, listed_frame, warnings
    )


def closed_table(
    protocol: TubeProtocol, gt: GroundTruth, keep: np.ndarray, start: np.ndarray, closed_end: np.ndarray
) -> ScoringTable:
    """Table for a closed ground truth ``[start, closed_end]`` (STCAT), boxes on every frame of it.

    ``keep`` marks the samples the peer evaluator keeps. A missing box on the
    last frame is copied from the previous frame when ``protocol.copy_last_gt_box``;
    a sample with any other missing box is dropped (the peer crashes on it).
    Dropped samples are counted as ``stcat_dropped_sentences``.
    """
    start = np.asarray(start, dtype=np.int64)
    closed_end = np.asarray(closed_end, dtype=np.int64)
    frames_per_sample = np.where(keep, closed_end - start + 1, 0) if gt.has_boxes else np.zeros(len(start), int)
    owner, frame = concat_ranges(start, frames_per_sample)
    boxes = window_boxes(gt, owner, frame)
    missing = np.isnan(boxes).any(axis=1)
    has_previous = np.zeros(len(frame), dtype=bool)
    has_previous[1:] = (owner[1:] == owner[:-1]) & ~missing[:-1]
    copy = missing & (frame == closed_end[owner]) & has_previous & protocol.copy_last_gt_box
    boxes[copy] = boxes[np.flatnonzero(copy) - 1]
    keep = np.array(keep, dtype=bool)
    keep[np.unique(owner[missing & ~copy])] = False
    samples = np.flatnonzero(keep)
    position = np.full(gt.n_samples, -1, dtype=np.int64)
    position[samples] = np.arange(len(samples))
    rows = keep[owner]
    warnings = {}
    if len(samples) < gt.n_samples:
        warnings["stcat_dropped_sentences"] = int(gt.n_samples - len(samples))
    return build_table(
        protocol,
        gt,
        samples,
        start[samples],
        closed_end[samples],
        position[owner[rows]],
        frame[rows],
        boxes[rows],
        None,
        None,
        warnings,
    )
