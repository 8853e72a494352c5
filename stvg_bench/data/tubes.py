"""The tube data model (VidSTG, HC-STVG): columnar ground truth, its cache form, and predictions.

Frames are 0-based ids of decoded frames; a segment is ``[start, end)`` in
frame ids (half-open, as plugged into the tIoU formula); boxes are ``[x1, y1,
x2, y2]`` in pixels of the original frame. The ground truth resolved under a
protocol (what metrics consume) is :mod:`stvg_bench.data.tube_table`.

Ground truth
------------

Frames are 0-based ids of decoded frames. Sample ``i`` is row ``i`` of every
per-sample array; sample ids are TubeDETR's (docs/METRICS.md §2.1).

Boxes are stored per sample over a contiguous *window* of frames:
sample ``i`` owns rows ``box_offsets[i]:box_offsets[i+1]`` of ``box_xyxy``,
row ``k`` of which is frame ``window_start_frame[i] + k``; a row of NaN means
the annotation has no box on that frame. The window covers every frame any
protocol may score for the sample (VidSTG: ``[gt_start, min(gt_end + 1,
frame_count))`` to include STCAT's closed end; HC-STVG: the ``bbox`` list).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.arrays import lookup_sorted
from ..core.errors import FormatError, InvalidValueError, SampleIdError
from ..core.geometry import MAX_COORDINATE
from ..core.jsonio import dumps_pretty

CACHE_FORMAT_VERSION = 2
FRAME_BIAS = 1 << 31
FRAME_MIN = -(1 << 31)
FRAME_MAX = (1 << 31) - 1


def frame_keys(position: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Sortable int64 key of (sample position, frame); frames must lie in int32 range."""
    return (np.asarray(position, dtype=np.int64) << 32) + (np.asarray(frame, dtype=np.int64) + FRAME_BIAS)


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of one split in flat arrays (one row per sample, one per window frame).

    ``gt_start_frame`` / ``gt_end_frame_exclusive``
    are the canonical half-open interval; ``segment_start_frame`` /
    ``segment_end_frame`` are the input segment as released (VidSTG ``used_segment``
    ``begin_fid`` / ``end_fid``; HC-STVG: 0 and ``img_num - 1``).
    ``defects`` counts ground-truth problems found at load time. ``has_boxes`` is
    false for temporal-only ground truth (VidSTG's official sentences without the
    VidOR boxes): every box window is empty and only temporal metrics exist.
    """

    dataset: str
    split: str
    query_type_names: tuple[str, ...]
    video_id: np.ndarray
    sentence: np.ndarray
    query_type: np.ndarray
    frame_count: np.ndarray
    fps: np.ndarray
    width: np.ndarray
    height: np.ndarray
    gt_start_frame: np.ndarray
    gt_end_frame_exclusive: np.ndarray
    segment_start_frame: np.ndarray
    segment_end_frame: np.ndarray
    stcat_item_id: np.ndarray
    box_offsets: np.ndarray
    window_start_frame: np.ndarray
    box_xyxy: np.ndarray
    defects: dict[str, int] = field(default_factory=dict)
    has_boxes: bool = True

    @property
    def n_samples(self) -> int:
        return len(self.frame_count)

    def window_length(self) -> np.ndarray:
        """Number of window frames of each sample."""
        return np.diff(self.box_offsets)


_SCALAR_FIELDS = ("dataset", "split", "query_type_names", "defects", "has_boxes")
_ARRAY_FIELDS = tuple(f.name for f in dataclasses.fields(GroundTruth) if f.name not in _SCALAR_FIELDS)


def save(gt: GroundTruth, directory: Path, extra_meta: dict) -> None:
    """Write ``gt`` as ``.npy`` files plus ``meta.json``, atomically (no pickles)."""
    with atomic.directory(directory) as tmp:
        for name in _ARRAY_FIELDS:
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(gt, name)), allow_pickle=False)
        meta = {
            "cache_format_version": CACHE_FORMAT_VERSION,
            "dataset": gt.dataset,
            "split": gt.split,
            "query_type_names": list(gt.query_type_names),
            "defects": gt.defects,
            "has_boxes": gt.has_boxes,
            **extra_meta,
        }
        (tmp / "meta.json").write_bytes(dumps_pretty(meta))


def load(directory: Path, meta: dict) -> GroundTruth:
    """Read a directory written by :func:`save`; large arrays are memory-mapped."""
    arrays = {
        name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAY_FIELDS
    }
    return GroundTruth(
        dataset=meta["dataset"],
        split=meta["split"],
        query_type_names=tuple(meta["query_type_names"]),
        defects=dict(meta["defects"]),
        has_boxes=meta["has_boxes"],
        **arrays,
    )


# Predictions ---------------------------------------------------------------


@dataclass(frozen=True)
class PredictionMeta:
    """Where predictions came from: format, declared dataset/split, free method metadata,
    the file and the sha256 of its bytes as stored (None for in-memory arrays)."""

    format: str
    dataset: str | None = None
    split: str | None = None
    method: dict = field(default_factory=dict)
    source: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Predictions:
    """Predictions as flat arrays.

    Attributes:
        segment_sample_id: samples with a predicted segment, ascending and unique (int64).
        segment_start_frame, segment_end_frame: the segment ``[start, end)`` (int64).
        box_sample_id, box_frame: one row per predicted box, sorted by sample then
            frame, each pair unique (int64).
        box_xyxy: ``(n_boxes, 4)`` float64 boxes.
        meta: provenance.
    """

    segment_sample_id: np.ndarray
    segment_start_frame: np.ndarray
    segment_end_frame: np.ndarray
    box_sample_id: np.ndarray
    box_frame: np.ndarray
    box_xyxy: np.ndarray
    meta: PredictionMeta

    family = "tubes"

    @property
    def n_samples(self) -> int:
        return len(self.segment_sample_id)

    @property
    def n_boxes(self) -> int:
        return len(self.box_frame)

    def describe(self) -> str:
        return f"{self.n_samples} samples, {self.n_boxes} boxes"

    @property
    def is_empty(self) -> bool:
        """No sample has a prediction."""
        return self.n_samples == 0

    @classmethod
    def from_arrays(
        cls,
        sample_ids,
        segments,
        box_sample_ids,
        box_frames,
        boxes,
        *,
        method: dict | None = None,
        dataset: str | None = None,
        split: str | None = None,
        source: str | None = None,
        sha256: str | None = None,
        format: str = "arrays",
    ) -> Predictions:
        """Validate and sort predictions given as arrays (the in-memory API and every reader).

        ``sample_ids`` (n,) and ``segments`` (n, 2) give one segment per sample;
        ``box_sample_ids``, ``box_frames`` (m,) and ``boxes`` (m, 4) give one box per
        (sample, frame). Ids are compared as integers. Raises an error naming the
        sample and field for NaN/inf values, non-integral or out-of-range frame
        ids, duplicate samples or frames, and boxes of a sample without a segment.
        """
        meta = PredictionMeta(
            format=format,
            dataset=dataset,
            split=split,
            method=dict(method or {}),
            source=source,
            sha256=sha256,
        )
        sample_ids = _as_ids(sample_ids, 1, "sample id", source)
        segments = _as_float(segments, (len(sample_ids), 2), "segment", source)
        box_sample_ids = _as_ids(box_sample_ids, 1, "box sample id", source)
        box_frames = np.asarray(box_frames)
        if box_frames.dtype.kind not in "iu":  # integers need no integrality check
            box_frames = _as_float(box_frames, (len(box_sample_ids),), "box frame", source)
        elif box_frames.shape != (len(box_sample_ids),):
            raise FormatError(f"box frame: expected shape {(len(box_sample_ids),)}, got {box_frames.shape}",
                              path=source)
        boxes = _as_float(boxes, (len(box_sample_ids), 4), "boxes", source)

        order = np.argsort(sample_ids, kind="stable")
        sample_ids, segments = sample_ids[order], segments[order]
        duplicate = np.flatnonzero(sample_ids[1:] == sample_ids[:-1])
        if len(duplicate):
            raise SampleIdError(
                "duplicate sample id (ids are compared as integers)",
                path=source,
                sample_id=int(sample_ids[duplicate[0]]),
            )
        _check_frames(segments, sample_ids, "segment", source)

        bad = ~np.isfinite(boxes).all(axis=1)
        _check_frames(box_frames, box_sample_ids, "boxes", source, frame_ids=True)
        box_frames = box_frames.astype(np.int64, copy=False)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidValueError(
                "NaN or infinite coordinate",
                path=source,
                sample_id=int(box_sample_ids[i]),
                field=f"boxes (frame {box_frames[i]})",
            )
        huge = (np.abs(boxes) > MAX_COORDINATE).any(axis=1)
        if huge.any():
            i = int(np.flatnonzero(huge)[0])
            raise InvalidValueError(
                f"coordinate out of range (beyond ±{MAX_COORDINATE:.0e} pixels)",
                path=source,
                sample_id=int(box_sample_ids[i]),
                field=f"boxes (frame {box_frames[i]})",
            )
        box_sample_ids, box_frames, boxes = _sort_boxes(box_sample_ids, box_frames, boxes, source)

        owners = box_sample_ids[np.flatnonzero(np.diff(box_sample_ids, prepend=-(1 << 62)))]  # sorted, unique
        _, has_segment = lookup_sorted(sample_ids, owners)
        if not has_segment.all():
            raise SampleIdError(
                "has boxes but no predicted segment",
                path=source,
                sample_id=int(owners[np.argmin(has_segment)]),
            )
        return cls(
            segment_sample_id=sample_ids,
            segment_start_frame=segments[:, 0].astype(np.int64),
            segment_end_frame=segments[:, 1].astype(np.int64),
            box_sample_id=box_sample_ids,
            box_frame=box_frames,
            box_xyxy=boxes,
            meta=meta,
        )


def _as_ids(values, ndim: int, what: str, source) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != ndim:
        raise FormatError(f"{what}s must be a 1-d array, got shape {array.shape}", path=source)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if (
        array.dtype.kind == "f"
        and len(array)
        and (np.isfinite(array).all() and (array == np.round(array)).all())
    ):
        return array.astype(np.int64)
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    raise FormatError(f"{what}s must be integers", path=source)


def _as_float(values, shape: tuple[int, ...], what: str, source) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidValueError(f"{what}: non-numeric value", path=source) from None
    if array.size == 0:
        array = array.reshape(shape)
    if array.shape != shape:
        raise FormatError(f"{what}: expected shape {shape}, got {array.shape}", path=source)
    return array


def _check_frames(
    values: np.ndarray, sample_ids: np.ndarray, what: str, source, frame_ids: bool = False
) -> None:
    """Frame values must be finite integers in int32 range (box frames also non-negative); integer arrays are
    only range-checked."""
    rows = values if values.ndim == 2 else values[:, None]
    integral = values.dtype.kind in "iu"
    checks = (
        (np.zeros(len(rows), bool) if integral else ~np.isfinite(rows).all(axis=1), "NaN or infinite value"),
        (np.zeros(len(rows), bool) if integral else rows != np.round(rows), "frame ids must be integers"),
        (
            (rows < (0 if frame_ids else FRAME_MIN)) | (rows > FRAME_MAX),
            "frame outside the video" if frame_ids else f"frame id out of range [{FRAME_MIN}, {FRAME_MAX}]",
        ),
    )
    for bad, message in checks:
        bad = bad if bad.ndim == 1 else bad.any(axis=1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            field = f"boxes (frame {values[i]:g})" if frame_ids else what
            raise InvalidValueError(message, path=source, sample_id=int(sample_ids[i]), field=field)


def _sort_boxes(sample_ids: np.ndarray, frames: np.ndarray, boxes: np.ndarray, source):
    """Sort boxes by (sample, frame) unless already sorted; refuse a frame given twice."""
    if len(frames) == 0:
        return sample_ids, frames, boxes
    sorted_unique = bool(
        np.all(
            (sample_ids[1:] > sample_ids[:-1])
            | ((sample_ids[1:] == sample_ids[:-1]) & (frames[1:] > frames[:-1]))
        )
    )
    if not sorted_unique:
        order = np.lexsort((frames, sample_ids))
        sample_ids, frames, boxes = sample_ids[order], frames[order], boxes[order]
        same = np.flatnonzero((sample_ids[1:] == sample_ids[:-1]) & (frames[1:] == frames[:-1]))
        if len(same):
            i = int(same[0])
            raise SampleIdError(
                "frame given twice (frame ids are compared as integers)",
                path=source,
                sample_id=int(sample_ids[i]),
                field=f"boxes (frame {frames[i]})",
            )
    return sample_ids, frames, np.ascontiguousarray(boxes)
