"""Bootstrap intervals follow the documented procedure (docs/METRICS.md §6, statistics module docstring)."""

from __future__ import annotations

import numpy as np
import pytest

from stvg_bench.statistics import mean_statistic, paired_bootstrap_statistics, percentile_interval, resampled


def resampled_means(values, seed=0):
    return resampled(mean_statistic(values), len(values), seed=seed)


def bootstrap_ci(values):
    return percentile_interval(resampled_means(values))


def paired_bootstrap(a, b):
    return paired_bootstrap_statistics(mean_statistic(a), mean_statistic(b), len(a))


def documented_procedure(values, n_resamples=1000, seed=0):
    """Written from the docstring: idx = rng.integers(0, n, size=(1000, n)) in chunks of 100 rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(0, n_resamples, 100):
        idx = rng.integers(0, len(values), size=(100, len(values)))
        rows.append(values[idx].mean(axis=1))
    return np.percentile(np.concatenate(rows), [2.5, 97.5], axis=0).T


def test_matches_the_documented_procedure():
    values = np.random.default_rng(3).random((257, 4))
    np.testing.assert_allclose(bootstrap_ci(values), documented_procedure(values), rtol=0, atol=1e-12)


def test_interval_contains_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small = rng.random((50, 1))
    large = rng.random((5000, 1))
    lo, hi = bootstrap_ci(small)[0]
    assert lo <= small.mean() <= hi
    lo_l, hi_l = bootstrap_ci(large)[0]
    assert (hi_l - lo_l) < (hi - lo)


def test_constant_values_give_a_point_interval():
    assert bootstrap_ci(np.full((10, 2), 0.25)).tolist() == [[0.25, 0.25], [0.25, 0.25]]


def test_paired_difference_uses_the_same_resamples():
    rng = np.random.default_rng(5)
    a = rng.random((400, 1))
    b = a - 0.01  # A is better by exactly 0.01 on every sample: the paired interval is a point
    (d,) = paired_bootstrap(a, b)
    assert d.difference == pytest.approx(0.01)
    assert d.ci95[0] == pytest.approx(0.01) and d.ci95[1] == pytest.approx(0.01)
    assert d.p_value == 0.0
    (same,) = paired_bootstrap(a, a)
    assert same.difference == 0.0 and same.p_value == 1.0


def test_resampled_means_shape_and_seed():
    values = np.arange(20, dtype=float).reshape(10, 2)
    first = resampled_means(values)
    assert first.shape == (1000, 2)
    np.testing.assert_array_equal(first, resampled_means(values))
    assert not np.array_equal(first, resampled_means(values, seed=1))


def test_cached_counts_are_the_drawn_counts(tmp_path, monkeypatch):
    from stvg_bench.statistics import drawn_counts, resample_counts

    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path))
    drawn = np.concatenate(list(drawn_counts(37, 250, seed=3)))
    first = np.concatenate(list(resample_counts(37, 250, seed=3)))  # draws and stores
    assert list((tmp_path / "bootstrap").iterdir())
    again = np.concatenate(list(resample_counts(37, 250, seed=3)))  # reads the stored matrix
    np.testing.assert_array_equal(first, drawn)
    np.testing.assert_array_equal(again, drawn)
    assert (drawn.sum(axis=1) == 37).all()
