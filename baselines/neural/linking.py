"""A tube from per-frame candidates by Viterbi linking (pure numpy).

Frame ``t`` (``0..T-1``, the planned frames in order) has ``k_t >= 1`` candidate
boxes ``[x1, y1, x2, y2]`` with scores. The tube picks one candidate ``i_t`` per
frame maximising

    sum_t score_t[i_t] + link_lambda * sum_{t >= 1} IoU(box_{t-1}[i_{t-1}], box_t[i_t])

exactly (dynamic programming over frames). Ties go to the lower candidate index
(the higher-ranked candidate): ``argmax`` keeps the first maximum, both for each
candidate's best predecessor and for the last frame's choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinkedTube:
    """The chosen candidate index per frame, its box and score, and the maximised objective."""

    candidate: np.ndarray   # int64 [T]
    boxes_xyxy: np.ndarray  # float64 [T, 4]
    scores: np.ndarray      # float64 [T]
    objective: float


def pairwise_iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """IoU ``[len(a), len(b)]`` of ``[x1, y1, x2, y2]`` boxes; 0 where the union has no area."""
    a = np.asarray(boxes_a, dtype=np.float64)[:, None, :]
    b = np.asarray(boxes_b, dtype=np.float64)[None, :, :]
    inter_w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0.0, None)
    inter_h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0.0, None)
    inter = inter_w * inter_h
    area_a = np.clip(a[..., 2] - a[..., 0], 0.0, None) * np.clip(a[..., 3] - a[..., 1], 0.0, None)
    area_b = np.clip(b[..., 2] - b[..., 0], 0.0, None) * np.clip(b[..., 3] - b[..., 1], 0.0, None)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def link_tube(boxes_per_frame: list[np.ndarray], scores_per_frame: list[np.ndarray],
              link_lambda: float) -> LinkedTube:
    """The Viterbi tube over ``T >= 1`` frames (``boxes [k_t, 4]``, ``scores [k_t]``, ``k_t >= 1``)."""
    if not boxes_per_frame or any(len(s) == 0 for s in scores_per_frame):
        raise ValueError("linking needs at least one frame and one candidate per frame")
    best = np.asarray(scores_per_frame[0], dtype=np.float64)
    back: list[np.ndarray] = []
    for t in range(1, len(boxes_per_frame)):
        # through[i, j]: best objective ending at candidate j of frame t coming from candidate i of frame t-1
        through = best[:, None] + link_lambda * pairwise_iou(boxes_per_frame[t - 1], boxes_per_frame[t])
        previous = np.argmax(through, axis=0)
        back.append(previous)
        best = through[previous, np.arange(through.shape[1])] + np.asarray(scores_per_frame[t], dtype=np.float64)
    chosen = [int(np.argmax(best))]
    for previous in reversed(back):
        chosen.append(int(previous[chosen[-1]]))
    chosen.reverse()
    candidate = np.asarray(chosen, dtype=np.int64)
    boxes = np.stack([np.asarray(b, dtype=np.float64)[i] for b, i in zip(boxes_per_frame, chosen)])
    scores = np.asarray([float(s[i]) for s, i in zip(scores_per_frame, chosen)], dtype=np.float64)
    return LinkedTube(candidate, boxes, scores, float(np.max(best)))
