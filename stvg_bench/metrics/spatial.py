"""Spatial grounding of actions: pointing game and IoU > 0.3 accuracy (docs/METRICS.md §3.6, §5.1).

* **Pointing**: a prediction point hits when ``x1 <= x <= x2`` and ``y1 <= y <= y2``
  (bounds inclusive); accuracy = hits / scored frames, pooled.
* **IoU accuracy**: a predicted box (or a heatmap thresholded into a mask) is
  correct when its IoU with the GT box passes the protocol's threshold (``gyt``:
  IoU > 0.3). Box-vs-mask IoU uses
  pycocotools RLE masks, the box rasterised by pycocotools (pixels whose
  centre is inside). Pooled, and per class then averaged over classes (the
  "class-mean accuracy" papers call mAP).

Resampling statistics (for confidence intervals) work on per-video counts.
"""

from __future__ import annotations

import numpy as np

from ..statistics import Statistic


def hits(points_xy: np.ndarray, boxes_xyxy: np.ndarray) -> np.ndarray:
    """True where the point lies in the box, bounds inclusive."""
    x, y = points_xy[:, 0], points_xy[:, 1]
    return (boxes_xyxy[:, 0] <= x) & (x <= boxes_xyxy[:, 2]) & (boxes_xyxy[:, 1] <= y) & (y <= boxes_xyxy[:, 3])


def mask_box_iou(masks: list[np.ndarray], boxes_xyxy: np.ndarray) -> np.ndarray:
    """IoU of each binary mask (H x W) with its box, through pycocotools RLE."""
    from pycocotools import mask as mask_utils

    out = np.zeros(len(masks))
    for i, (mask, box) in enumerate(zip(masks, boxes_xyxy)):
        height, width = mask.shape
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        xywh = np.array([[box[0], box[1], box[2] - box[0], box[3] - box[1]]], dtype=np.float64)
        box_rle = mask_utils.frPyObjects(xywh, height, width)
        out[i] = mask_utils.iou([rle], box_rle, [0])[0, 0]
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
