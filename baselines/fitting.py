"""Which split a prior is fitted on, and the statistics priors fit: never on the scored split.

Rule (the split fitted on when ``fit_split`` is not given):

* VidSTG: ``val`` when scoring ``test`` or ``train``, ``test`` when scoring ``val``;
* HC-STVG v1: ``train`` when scoring ``test``, ``test`` when scoring ``train``;
* HC-STVG v2: ``train`` when scoring ``val``, ``val`` when scoring ``train``;
* any other dataset (the built-in synthetic one has a single split): refused.

Segments are half-open frame ids; boxes ``[x1, y1, x2, y2]`` in pixels.
"""

from __future__ import annotations

import numpy as np

from stvg_bench.core.errors import OptionError
from stvg_bench.core.geometry import is_inverted

FIT_SPLITS: dict[str, dict[str, str]] = {
    "vidstg": {"test": "val", "train": "val", "val": "test"},
    "hcstvg-v1": {"test": "train", "train": "test"},
    "hcstvg-v2": {"val": "train", "train": "val"},
}


def fit_split(runner: str, dataset, requested: str) -> str:
    """The split ``runner`` fits on when scoring ``dataset`` (``requested``: ``fit_split``, "" for the rule)."""
    scored = dataset.split
    if requested:
        if requested == scored:
            raise OptionError(f"{runner}: fit_split {requested!r} is the scored split; a prior is never fitted on "
                              "the split it is scored on")
        dataset.adapter.check_split(requested)
        return requested
    chosen = FIT_SPLITS.get(dataset.name, {}).get(scored)
    if chosen is None:
        raise OptionError(f"{runner}: {dataset.name} has no other split to fit on when scoring {scored!r} "
                          "(a prior is never fitted on the scored split)")
    return chosen


def gt_box_rows(gt) -> tuple[np.ndarray, np.ndarray]:
    """``(sample, box)`` of every usable ground-truth box inside its half-open ground-truth interval."""
    lengths = np.diff(np.asarray(gt.box_offsets))
    sample = np.repeat(np.arange(gt.n_samples), lengths)
    frame = np.asarray(gt.window_start_frame)[sample] + (np.arange(len(sample)) - np.asarray(gt.box_offsets)[sample])
    boxes = np.asarray(gt.box_xyxy)
    usable = (frame < np.asarray(gt.gt_end_frame_exclusive)[sample]) & np.isfinite(boxes).all(axis=1)
    usable &= ~is_inverted(np.where(np.isfinite(boxes), boxes, 0.0))
    return sample[usable], boxes[usable]


def mean_box_fraction(gt) -> tuple[float, float, int]:
    """Mean box width / frame width and height / frame height over every usable GT box (pooled)."""
    sample, boxes = gt_box_rows(gt)
    if not len(boxes):
        raise OptionError(f"{gt.dataset} {gt.split} has no ground-truth boxes to fit a box size on "
                          "(VidSTG's official sentences need --vidor-dir for boxes)")
    width = (boxes[:, 2] - boxes[:, 0]) / np.asarray(gt.width)[sample]
    height = (boxes[:, 3] - boxes[:, 1]) / np.asarray(gt.height)[sample]
    return float(width.mean()), float(height.mean()), len(boxes)


def mean_relative_segment(gt) -> tuple[float, float, int]:
    """Mean start and end of the GT interval relative to the input segment (each clipped to [0, 1]),
    over samples whose input segment is not empty."""
    start = np.asarray(gt.segment_start_frame, dtype=np.float64)
    length = np.asarray(gt.segment_end_frame, dtype=np.float64) - start
    usable = length > 0
    if not usable.any():
        raise OptionError(f"{gt.dataset} {gt.split} has no non-empty input segment to fit on")
    rel_start = np.clip((np.asarray(gt.gt_start_frame) - start) / np.where(usable, length, 1), 0, 1)[usable]
    rel_end = np.clip((np.asarray(gt.gt_end_frame_exclusive) - start) / np.where(usable, length, 1), 0, 1)[usable]
    return float(rel_start.mean()), float(rel_end.mean()), int(usable.sum())
