"""Vectorised box and interval primitives (docs/METRICS.md §1).

Boxes are ``[x1, y1, x2, y2]`` in pixels, x right, y down, stored as float64
arrays of shape ``(n, 4)``. Area is ``max(0, x2 - x1) * max(0, y2 - y1)``
(no "+1 pixel"). A box with ``x2 < x1`` or ``y2 < y1`` is *inverted*.
Intervals are half-open ``[start, end)`` of integer frame ids unless a caller
says otherwise.
"""

from __future__ import annotations

import numpy as np

#: The largest coordinate (in pixels, either sign) a prediction may give: areas of boxes within it stay far
#: from float overflow. Readers refuse larger ones.
MAX_COORDINATE = 1e9


def box_area(boxes_xyxy: np.ndarray) -> np.ndarray:
    """Area of each box; inverted boxes have area 0."""
    width = np.maximum(boxes_xyxy[:, 2] - boxes_xyxy[:, 0], 0.0)
    height = np.maximum(boxes_xyxy[:, 3] - boxes_xyxy[:, 1], 0.0)
    return width * height


def is_inverted(boxes_xyxy: np.ndarray) -> np.ndarray:
    """True where ``x2 < x1`` or ``y2 < y1``."""
    return (boxes_xyxy[:, 2] < boxes_xyxy[:, 0]) | (boxes_xyxy[:, 3] < boxes_xyxy[:, 1])


def box_intersection(a_xyxy: np.ndarray, b_xyxy: np.ndarray) -> np.ndarray:
    """Area of the intersection of ``a[i]`` and ``b[i]`` (row-wise)."""
    width = np.minimum(a_xyxy[:, 2], b_xyxy[:, 2]) - np.maximum(a_xyxy[:, 0], b_xyxy[:, 0])
    height = np.minimum(a_xyxy[:, 3], b_xyxy[:, 3]) - np.maximum(a_xyxy[:, 1], b_xyxy[:, 1])
    return np.maximum(width, 0.0) * np.maximum(height, 0.0)


def box_iou(a_xyxy: np.ndarray, b_xyxy: np.ndarray) -> np.ndarray:
    """Row-wise IoU = inter / (area_a + area_b - inter); 0 where the union is 0.

    An inverted box scores 0 against anything: its intersection is empty.
    """
    inter = box_intersection(a_xyxy, b_xyxy)
    union = box_area(a_xyxy) + box_area(b_xyxy) - inter
    iou = np.zeros(len(inter), dtype=np.float64)
    np.divide(inter, union, out=iou, where=union > 0)
    return iou


def interval_iou(a_start, a_end, b_start, b_end) -> np.ndarray:
    """Temporal IoU of half-open intervals ``[a_start, a_end)`` and ``[b_start, b_end)``.

    ``|A ∩ B| / (|A| + |B| - |A ∩ B|)``, lengths ``max(0, end - start)``; 0 when
    the intervals do not overlap (which covers empty and inverted intervals).
    """
    a_start, a_end, b_start, b_end = (np.asarray(v, dtype=np.int64) for v in (a_start, a_end, b_start, b_end))
    inter = np.maximum(np.minimum(a_end, b_end) - np.maximum(a_start, b_start), 0)
    union = np.maximum(a_end - a_start, 0) + np.maximum(b_end - b_start, 0) - inter
    iou = np.zeros(inter.shape, dtype=np.float64)
    np.divide(inter, union, out=iou, where=inter > 0)
    return iou


def xywh_to_xyxy(boxes_xywh: np.ndarray) -> np.ndarray:
    """Convert ``[x, y, w, h]`` rows to ``[x1, y1, x2, y2]``."""
    out = np.array(boxes_xywh, dtype=np.float64, copy=True)
    out[:, 2] += out[:, 0]
    out[:, 3] += out[:, 1]
    return out
