"""Spatial grounding of actions: pointing game and IoU > 0.3 accuracy (docs/METRICS.md §3.6, §5.1).

* **Pointing**: a prediction point hits when ``x1 <= x <= x2`` and ``y1 <= y <= y2``
  (bounds inclusive); accuracy = hits / scored frames, pooled.
* **IoU accuracy**: a predicted box (or a heatmap thresholded into a mask) is
  correct when its IoU with the GT box passes the protocol's threshold (``gyt``:
  IoU > 0.3). A mask's IoU counts pixels: the box covers the pixels pycocotools
  rasterises it to (:func:`box_pixels`); the mask's pixels are counted by
  :func:`stvg_bench.metrics.heatmaps.mask_box_ious` without building it. Pooled,
  and per class then averaged over classes (the "class-mean accuracy" papers
  call mAP).

Resampling statistics (for confidence intervals) work on per-video counts.
"""

from __future__ import annotations

import numpy as np

from ..statistics import Statistic


def hits(points_xy: np.ndarray, boxes_xyxy: np.ndarray) -> np.ndarray:
    """True where the point lies in the box, bounds inclusive."""
    x, y = points_xy[:, 0], points_xy[:, 1]
    return (boxes_xyxy[:, 0] <= x) & (x <= boxes_xyxy[:, 2]) & (boxes_xyxy[:, 1] <= y) & (y <= boxes_xyxy[:, 3])


def box_pixels(boxes_xyxy: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(n, 4)`` ``[x0, y0, x1, y1)``: the pixel rectangle pycocotools (the peers' tool) rasterises each box to.

    pycocotools draws a box ``[x, y, w, h]`` as the polygon of its corners ``x .. x + w``, ``y .. y + h``
    (recomputed in float64) scaled by 5 and truncated to integers; a column ``c`` is covered when the scaled
    boundary steps from ``5c + 2`` to ``5c + 3`` between the left and right edges, and its rows run from
    the top edge's to the bottom edge's crossing, each ``ceil((V + 0.5) / 5 - 0.5)`` clamped to the frame,
    ``V`` being the scaled edge rounded as C casts ``V + 0.5``. (So it is not exactly "pixel centre inside
    the box" where an edge falls on a pixel centre.) This reproduces that rule without building the
    rasterisation; boxes under 0.2 px wide or high, where pycocotools' own arithmetic divides 0 by 0, are
    rasterised by pycocotools itself. A test checks the equality on many boxes.
    """
    boxes_xyxy = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    x, y = boxes_xyxy[:, 0], boxes_xyxy[:, 1]
    x_end, y_end = x + (boxes_xyxy[:, 2] - x), y + (boxes_xyxy[:, 3] - y)
    left, right, top, bottom = (np.trunc(5 * v + 0.5).astype(np.int64) for v in (x, x_end, y, y_end))
    first_col = np.maximum(-((2 - left) // 5), 0)  # ceil((left - 2) / 5)
    last_col = np.minimum((right - 3) // 5, width - 1)

    def crossing(scaled: np.ndarray) -> np.ndarray:
        edge = np.trunc(scaled + 0.5)  # (int)(v + .5) in C: toward zero
        return np.ceil(np.clip((edge + 0.5) / 5 - 0.5, 0, height)).astype(np.int64)

    first_row, end_row = crossing(top), crossing(bottom)
    out = np.stack([first_col, first_row, last_col + 1, end_row], axis=1)
    empty = (last_col < first_col) | (end_row <= first_row)
    out[empty] = 0
    degenerate = np.flatnonzero((left >= right) | (top >= bottom))
    if len(degenerate):
        from pycocotools import mask as mask_utils

        xywh = np.stack([x, y, boxes_xyxy[:, 2] - x, boxes_xyxy[:, 3] - y], axis=1)[degenerate]
        bx, by, bw, bh = mask_utils.toBbox(mask_utils.frPyObjects(xywh, height, width)).T.astype(np.int64)
        out[degenerate] = np.stack([bx, by, bx + bw, by + bh], axis=1)
    return out


def class_mean_statistic(correct: np.ndarray, scored: np.ndarray, video: np.ndarray, step: np.ndarray,
                         n_videos: int) -> Statistic:
    """Accuracy per class, averaged over the classes that have a scored frame, under video resampling."""
    classes, step_index = np.unique(step, return_inverse=True)
    flat = video * len(classes) + step_index
    size = n_videos * len(classes)
    right = np.bincount(flat, weights=correct & scored, minlength=size).reshape(n_videos, -1)
    total = np.bincount(flat, weights=scored, minlength=size).reshape(n_videos, -1)

    def statistic(counts: np.ndarray) -> np.ndarray:
        top, bottom = counts @ right, counts @ total
        accuracy = np.full(top.shape, np.nan)
        np.divide(top, bottom, out=accuracy, where=bottom > 0)
        present = (bottom > 0).sum(axis=1)
        summed = np.nansum(accuracy, axis=1)
        return np.where(present > 0, summed / np.maximum(present, 1), np.nan)[:, None]

    return statistic
