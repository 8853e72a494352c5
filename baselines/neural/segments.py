"""The predicted segment from a linked tube's per-frame scores (pure numpy).

Scores ``s_0..s_{n-1}`` belong to the planned frames ``p_0 < ... < p_{n-1}`` of
the input segment ``[segment_start, segment_end_exclusive)`` (frame ids). They are
first smoothed by a centred moving average over ``smoothing`` planned frames
(1: none; near the ends the mean is over the frames that exist; an even window
reaches one frame further back than forward). A rule of :data:`SEGMENT_RULES` then
picks a run of consecutive planned frames ``p_a..p_b``:

* ``max-sum``: the run maximising ``sum(smoothed - tau)`` (the maximum-sum
  subarray); if every smoothed score is below ``tau`` that is the single best frame;
* ``longest-run``: the longest run whose smoothed scores are all ``>= tau``; if no
  score reaches ``tau``, the single frame with the highest smoothed score.

Ties go to the earliest start, then the shortest run. The segment is half-open
``[p_a, p_{b+1})`` where ``p_n`` is ``segment_end_exclusive`` (the last planned
frame stands for the frames up to the input segment's end), clipped to the input
segment: always inside it and at least one frame long.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def smooth(scores: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window >= 1`` values (``[i - window // 2, i + (window - 1) // 2]``)."""
    values = np.asarray(scores, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values.copy()
    prefix = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    low = np.clip(index - window // 2, 0, len(values))
    high = np.clip(index + (window - 1) // 2 + 1, 0, len(values))
    return (prefix[high] - prefix[low]) / (high - low)


def max_sum_run(values: np.ndarray, threshold: float) -> tuple[int, int]:
    """``(a, b)`` inclusive maximising ``sum(values[a:b + 1] - threshold)``; earliest ``a``, then smallest
    ``b``. Linear time: for each end ``b`` the best start is the earliest minimum of the prefix sums
    before it."""
    shifted = np.asarray(values, dtype=np.float64) - threshold
    prefix = np.concatenate([[0.0], np.cumsum(shifted)])
    starts = prefix[:-1]
    lowest = np.minimum.accumulate(starts)
    # the earliest index of each running minimum: the last index where a new (strictly lower) minimum began
    new_minimum = np.concatenate([[True], starts[1:] < lowest[:-1]])
    first_lowest = np.maximum.accumulate(np.where(new_minimum, np.arange(len(starts)), 0))
    sums = prefix[1:] - lowest
    ends = np.flatnonzero(sums == sums.max())
    a, b = min(zip(first_lowest[ends].tolist(), ends.tolist()))
    return int(a), int(b)


def longest_run(values: np.ndarray, threshold: float) -> tuple[int, int]:
    """``(a, b)`` inclusive: the longest run of ``values >= threshold`` (the earliest on ties), else the best
    value."""
    above = np.asarray(values, dtype=np.float64) >= threshold
    if not above.any():
        best = int(np.argmax(values))
        return best, best
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(ends - starts))
    return int(starts[longest]), int(ends[longest]) - 1


SEGMENT_RULES: dict[str, Callable[[np.ndarray, float], tuple[int, int]]] = {
    "max-sum": max_sum_run,
    "longest-run": longest_run,
}


def segment_from_scores(planned_frames: np.ndarray, scores: np.ndarray, segment_start: int,
                        segment_end_exclusive: int, rule: str, threshold: float,
                        smoothing: int) -> tuple[int, int]:
    """``[start, end_exclusive)`` frame ids by ``rule`` (see the module docstring); the input segment if
    there is no planned frame."""
    frames = np.asarray(planned_frames, dtype=np.int64)
    if len(frames) == 0:
        return segment_start, segment_end_exclusive
    a, b = SEGMENT_RULES[rule](smooth(scores, smoothing), threshold)
    bounds = np.concatenate([frames, [segment_end_exclusive]])
    start = min(max(int(bounds[a]), segment_start), segment_end_exclusive - 1)
    end = max(min(int(bounds[b + 1]), segment_end_exclusive), start + 1)
    return start, end
