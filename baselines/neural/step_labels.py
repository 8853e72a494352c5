"""One step label per second from per-second similarities to a video's step pool, and the labels' spans.

Input: ``similarity [S, K]``, the cosine of second ``t``'s frame (row ``t`` of the
seconds asked, in order) with step ``k`` of the pool. The rule:

1. **smoothing**: each step's column is averaged over a centred window of
   ``smoothing_s`` seconds (an odd count; 1 leaves it as is); near either end the
   window is cut to the seconds that exist (the mean of those);
2. **label**: second ``t`` gets the step of the highest smoothed similarity
   (the first in pool order on ties) when that similarity is ``>=
   background_threshold``, else background (``-1``). An empty pool labels every
   second background.

:func:`label_spans` groups consecutive seconds of one label into spans
``(step, first row, last row)`` (inclusive rows), background left out; a span's
score is the mean smoothed similarity of its step over its seconds.
"""

from __future__ import annotations

import numpy as np

BACKGROUND_LABEL = -1


def smooth(similarity: np.ndarray, smoothing_s: int) -> np.ndarray:
    """``[S, K]``: each column's centred moving average over ``smoothing_s`` (odd) seconds, cut at the ends."""
    similarity = np.asarray(similarity, dtype=np.float64)
    if smoothing_s <= 1 or not len(similarity):
        return similarity
    half = smoothing_s // 2
    sums = np.vstack([np.zeros((1, similarity.shape[1])), np.cumsum(similarity, axis=0)])
    rows = np.arange(len(similarity))
    lo, hi = np.maximum(rows - half, 0), np.minimum(rows + half + 1, len(similarity))
    return (sums[hi] - sums[lo]) / (hi - lo)[:, None]


def step_labels(smoothed: np.ndarray, background_threshold: float) -> np.ndarray:
    """``int64 [S]``: the pool index of each second's step, or :data:`BACKGROUND_LABEL`."""
    if smoothed.shape[1] == 0:
        return np.full(len(smoothed), BACKGROUND_LABEL, dtype=np.int64)
    best = np.argmax(smoothed, axis=1)
    keep = smoothed[np.arange(len(smoothed)), best] >= background_threshold
    return np.where(keep, best, BACKGROUND_LABEL).astype(np.int64)


def label_spans(labels: np.ndarray, smoothed: np.ndarray) -> list[tuple[int, int, int, float]]:
    """``[(step, first row, last row, score)]``: runs of one non-background label, in order."""
    spans = []
    starts = np.flatnonzero(np.diff(labels, prepend=labels[:1] - 1) != 0) if len(labels) else np.zeros(0, int)
    ends = np.append(starts[1:], len(labels)) - 1
    for first, last in zip(starts.tolist(), ends.tolist()):
        step = int(labels[first])
        if step != BACKGROUND_LABEL:
            spans.append((step, first, last, float(smoothed[first: last + 1, step].mean())))
    return spans
