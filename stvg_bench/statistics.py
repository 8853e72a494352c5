"""Bootstrap confidence intervals (METRICS.md §6).

Procedure, exactly: for a group of ``n`` samples (or videos), ``rng =
numpy.random.default_rng(seed)`` draws ``idx = rng.integers(0, n, size=(1000,
n))`` (in chunks of rows, same stream); each row is one resample; the metric is
the mean of the per-sample values over the row's indices; the interval is the
2.5th and 97.5th percentile (numpy's default linear interpolation) of the
1,000 resampled metrics. Seed 0. A paired comparison uses the same indices
for both submissions and reports the interval of the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_RESAMPLES = 1000
SEED = 0
CHUNK_ROWS = 100


def resampled_means(values: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``(n_resamples, k)`` means of ``values`` (``(n, k)``) over bootstrap resamples of its rows."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.full((n_resamples, values.shape[1]), np.nan)
    rng = np.random.default_rng(seed)
    out = np.empty((n_resamples, values.shape[1]))
    for first in range(0, n_resamples, CHUNK_ROWS):
        rows = min(CHUNK_ROWS, n_resamples - first)
        idx = rng.integers(0, n, size=(rows, n))
        # How often each sample is drawn in each resample; the mean over a resample's indices is
        # then (counts @ values) / n, one matrix product instead of a gather per metric.
        counts = np.bincount((idx + n * np.arange(rows)[:, None]).ravel(), minlength=rows * n)
        out[first : first + rows] = counts.reshape(rows, n).astype(np.float64) @ values / n
    return out


def percentile_interval(resampled: np.ndarray) -> np.ndarray:
    """``(k, 2)`` 95% percentile interval of each column."""
    return np.percentile(resampled, [2.5, 97.5], axis=0).T


def bootstrap_ci(values: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``(k, 2)`` 95% bootstrap interval of the column means of ``values``."""
    return percentile_interval(resampled_means(values, n_resamples, seed))


@dataclass(frozen=True)
class PairedDifference:
    """Difference ``A - B`` of one metric with its paired-bootstrap 95% interval.

    ``p_value`` is two-sided: ``2 * min(P(diff* <= 0), P(diff* >= 0))`` over the
    resampled differences, capped at 1.
    """

    difference: float
    ci95: tuple[float, float]
    p_value: float


def paired_bootstrap(
    values_a: np.ndarray, values_b: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> list[PairedDifference]:
    """Paired bootstrap of ``A - B`` for each column of two ``(n, k)`` arrays over the same samples."""
    diff = np.asarray(values_a, dtype=np.float64) - np.asarray(values_b, dtype=np.float64)
    resampled = resampled_means(diff, n_resamples, seed)
    interval = percentile_interval(resampled)
    observed = diff.mean(axis=0)
    out = []
    for k in range(diff.shape[1]):
        below = float((resampled[:, k] <= 0).mean())
        above = float((resampled[:, k] >= 0).mean())
        out.append(
            PairedDifference(
                difference=float(observed[k]),
                ci95=(float(interval[k, 0]), float(interval[k, 1])),
                p_value=min(1.0, 2 * min(below, above)),
            )
        )
    return out
