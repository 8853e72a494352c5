"""Columnar predictions of one submission, and their value checks.

Every prediction format reads into :class:`Predictions`; scoring never sees
JSON. Segments are ``[start, end)`` in frame ids, as plugged into the
half-open tIoU formula; boxes are ``[x1, y1, x2, y2]`` in pixels of the
original frame, one per (sample, frame).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import FormatError, InvalidValueError, SampleIdError
from .scoring_table import FRAME_MAX, FRAME_MIN


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

    @property
    def n_samples(self) -> int:
        return len(self.segment_sample_id)

    @property
    def n_boxes(self) -> int:
        return len(self.box_frame)

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
        box_frames_f = _as_float(box_frames, (len(box_sample_ids),), "box frame", source)
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
        _check_frames(box_frames_f, box_sample_ids, "boxes", source, frame_ids=True)
        box_frames = box_frames_f.astype(np.int64)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidValueError(
                "NaN or infinite coordinate",
                path=source,
                sample_id=int(box_sample_ids[i]),
                field=f"boxes (frame {box_frames[i]})",
            )
        box_sample_ids, box_frames, boxes = _sort_boxes(box_sample_ids, box_frames, boxes, source)

        orphan = ~np.isin(box_sample_ids, sample_ids)
        if orphan.any():
            raise SampleIdError(
                "has boxes but no predicted segment",
                path=source,
                sample_id=int(box_sample_ids[np.argmax(orphan)]),
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
    """Frame values must be finite integers in int32 range (box frames also non-negative)."""
    rows = values if values.ndim == 2 else values[:, None]
    checks = (
        (~np.isfinite(rows).all(axis=1), "NaN or infinite value"),
        (rows != np.round(rows), "frame ids must be integers"),
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
