"""Columnar ground truth of one VidSTG / HC-STVG split, and its on-disk cache form.

Frames are 0-based ids of decoded frames. Sample ``i`` is row ``i`` of every
per-sample array; sample ids are TubeDETR's (METRICS.md §2).

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

from . import atomic
from .jsonio import dumps_pretty

CACHE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class GroundTruth:
    """Ground truth of one split in flat arrays (one row per sample, one per window frame).

    ``family`` names the convention set of the adapter that resolves protocols
    (``"vidstg"`` or ``"hcstvg"``). ``gt_start_frame`` / ``gt_end_frame_exclusive``
    are the canonical half-open interval; ``segment_start_frame`` /
    ``segment_end_frame`` are the input segment as released (VidSTG ``used_segment``
    ``begin_fid`` / ``end_fid``; HC-STVG: 0 and ``img_num - 1``).
    ``defects`` counts ground-truth problems found at load time.
    """

    dataset: str
    split: str
    family: str
    query_type_names: tuple[str, ...]
    video_id: np.ndarray
    sentence: np.ndarray
    query_type: np.ndarray
    target_id: np.ndarray
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

    @property
    def n_samples(self) -> int:
        return len(self.frame_count)

    def window_length(self) -> np.ndarray:
        """Number of window frames of each sample."""
        return np.diff(self.box_offsets)


_SCALAR_FIELDS = ("dataset", "split", "family", "query_type_names", "defects")
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
            "family": gt.family,
            "query_type_names": list(gt.query_type_names),
            "defects": gt.defects,
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
        family=meta["family"],
        query_type_names=tuple(meta["query_type_names"]),
        defects=dict(meta["defects"]),
        **arrays,
    )
