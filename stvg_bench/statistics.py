"""Bootstrap confidence intervals (docs/METRICS.md §6).

Procedure, exactly: for a group of ``n`` units (samples; videos for the
action datasets), ``rng = numpy.random.default_rng(seed)`` draws ``idx =
rng.integers(0, n, size=(1000, n))`` (in chunks of 100 rows, one stream); each
row is one resample. A metric is recomputed on each resample from the
resampled units; for a mean over units that is the mean of the values at the
row's indices. The interval is the 2.5th and 97.5th percentile (numpy's
default linear interpolation) of the 1,000 resampled values. Seed 0. A paired
comparison uses the same indices for both submissions and reports the
interval of the difference.

Metrics are given as *statistics of resampling weights*: a function mapping
a ``(rows, n)`` matrix of how often each unit is drawn in each resample to
the ``(rows, k)`` metric values. A mean is ``counts @ values / n``; a pooled
ratio is ``(counts @ hits) / (counts @ totals)``; class means and average
precision have their own (see the metric modules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core.progress import track

N_RESAMPLES = 1000
SEED = 0
CHUNK_ROWS = 100

Statistic = Callable[[np.ndarray], np.ndarray]


def drawn_counts(n: int, n_resamples: int = N_RESAMPLES, seed: int = SEED):
    """Yield ``(rows, n)`` integer matrices of how often each unit is drawn: the procedure above, exactly."""
    rng = np.random.default_rng(seed)
    for first in range(0, n_resamples, CHUNK_ROWS):
        rows = min(CHUNK_ROWS, n_resamples - first)
        idx = rng.integers(0, n, size=(rows, n))
        yield np.bincount((idx + n * np.arange(rows)[:, None]).ravel(), minlength=rows * n).reshape(rows, n)


def _stored_counts(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """The whole ``(n_resamples, n)`` count matrix, kept in the cache once drawn (a pure function of the
    arguments and numpy's generator, whose version is part of the key), memory-mapped when read back."""
    from .core import atomic, cache_lru
    from .core.cachedir import cache_root

    path = cache_root() / "bootstrap" / f"counts-n{n}-r{n_resamples}-s{seed}-c{CHUNK_ROWS}-numpy{np.__version__}.npy"
    try:
        counts = np.load(path, mmap_mode="r", allow_pickle=False)
        cache_lru.used(path)
        return counts
    except (OSError, ValueError, EOFError):
        pass  # not stored yet (or damaged): draw again
    counts = np.concatenate(list(drawn_counts(n, n_resamples, seed)))
    counts = counts.astype(np.uint8 if counts.max(initial=0) < 256 else np.uint32)
    try:
        atomic.write_bytes(path, _npy_bytes(counts))
    except OSError:
        return counts  # a read-only cache: draw every time
    cache_lru.stored(path)
    return counts


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def resample_counts(n: int, n_resamples: int = N_RESAMPLES, seed: int = SEED):
    """Yield ``(rows, n)`` float matrices: how often each unit is drawn in each resample (chunks of 100 rows).

    The draws are those of :func:`drawn_counts`; they are read from the cache when a run with the same
    ``n``, ``n_resamples`` and ``seed`` stored them (a test checks both give the same matrix).
    """
    counts = _stored_counts(n, n_resamples, seed)
    for first in range(0, n_resamples, CHUNK_ROWS):
        yield counts[first : first + CHUNK_ROWS].astype(np.float64)


def mean_statistic(values: np.ndarray) -> Statistic:
    """Column means of ``values`` (``(n, k)``) weighted by the counts (NaN where every count is 0)."""
    values = np.asarray(values, dtype=np.float64)
    with_ones = np.column_stack([values, np.ones(len(values))])  # one product gives the sums and the weights

    def statistic(counts: np.ndarray) -> np.ndarray:
        sums = counts @ with_ones
        out = np.full((counts.shape[0], values.shape[1]), np.nan)
        np.divide(sums[:, :-1], sums[:, -1:], out=out, where=sums[:, -1:] > 0)
        return out

    return statistic


def ratio_statistic(numerators: np.ndarray, denominators: np.ndarray) -> Statistic:
    """Pooled ratios ``sum(numerator) / sum(denominator)`` per column under resampling (NaN for 0/0)."""
    numerators = np.asarray(numerators, dtype=np.float64)
    denominators = np.asarray(denominators, dtype=np.float64)

    def statistic(counts: np.ndarray) -> np.ndarray:
        top, bottom = counts @ numerators, counts @ denominators
        out = np.full(top.shape, np.nan)
        np.divide(top, bottom, out=out, where=bottom > 0)
        return out

    return statistic


def restricted(statistic: Statistic, keep: np.ndarray) -> Statistic:
    """``statistic`` of ``len(keep)`` units seen through the ``keep.sum()`` units ``keep`` marks: its
    weights go to those units, every other unit weighs 0 (the statistics are weighted by the counts, so a
    unit of weight 0 is left out)."""
    index = np.flatnonzero(keep)
    n = len(keep)

    def statistic_of_kept(counts: np.ndarray) -> np.ndarray:
        full = np.zeros((counts.shape[0], n))
        full[:, index] = counts
        return statistic(full)

    return statistic_of_kept


def resampled(statistic: Statistic, n: int, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``(n_resamples, k)`` values of ``statistic`` over bootstrap resamples of ``n`` units."""
    chunks = track(resample_counts(n, n_resamples, seed), -(-n_resamples // CHUNK_ROWS), "Bootstrap intervals")
    return np.concatenate([statistic(counts) for counts in chunks])


def percentile_interval(values: np.ndarray) -> np.ndarray:
    """``(k, 2)`` 95% percentile interval of each column (resamples where a metric is undefined are
    skipped; NaN when it is undefined in every resample)."""
    out = np.full((values.shape[1], 2), np.nan)
    defined = ~np.isnan(values).all(axis=0)
    if defined.any():
        out[defined] = np.nanpercentile(values[:, defined], [2.5, 97.5], axis=0).T
    return out


@dataclass(frozen=True)
class PairedDifference:
    """Difference ``A - B`` of one metric with its paired-bootstrap 95% interval.

    ``p_value`` is two-sided: ``2 * min(P(diff* <= 0), P(diff* >= 0))`` over the
    resampled differences, capped at 1.
    """

    difference: float
    ci95: tuple[float, float]
    p_value: float


def paired_bootstrap_statistics(
    statistic_a: Statistic, statistic_b: Statistic, n: int, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> list[PairedDifference]:
    """Paired bootstrap of ``A - B``: both statistics see the same resampling weights."""
    ones = np.ones((1, n))
    observed = statistic_a(ones)[0] - statistic_b(ones)[0]
    chunks = track(resample_counts(n, n_resamples, seed), -(-n_resamples // CHUNK_ROWS), "Paired bootstrap")
    differences = np.concatenate([statistic_a(counts) - statistic_b(counts) for counts in chunks])
    return paired_differences(observed, differences)


def paired_differences(observed: np.ndarray, differences: np.ndarray) -> list[PairedDifference]:
    """``PairedDifference`` per column from the observed ``A - B`` (``(k,)``) and its resampled values
    (``(n_resamples, k)``, both submissions resampled with the same indices)."""
    interval = percentile_interval(differences)
    out = []
    for k in range(differences.shape[1]):
        column = differences[:, k][~np.isnan(differences[:, k])]
        below = float((column <= 0).mean()) if len(column) else 1.0
        above = float((column >= 0).mean()) if len(column) else 1.0
        out.append(
            PairedDifference(
                difference=float(observed[k]),
                ci95=(float(interval[k, 0]), float(interval[k, 1])),
                p_value=min(1.0, 2 * min(below, above)),
            )
        )
    return out
