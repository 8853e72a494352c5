"""Typed results and their file layouts (``stvg-bench/results`` version 1).

Results are values: scoring returns them, the CLI and the report layer print
and write them. Every value in ``metrics`` and ``ci95`` is a fraction in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .core import atomic
from .core.errors import OptionError
from .core.jsonio import dumps_pretty
from .metrics.stvg import SampleScores
from .statistics import (
    PairedDifference,
    Statistic,
    paired_bootstrap_statistics,
    percentile_interval,
    resampled,
)

RESULTS_FORMAT = "stvg-bench/results"
RESULTS_VERSION = 1
COMPARISON_FORMAT = "stvg-bench/comparison"


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one submission on one split under one protocol.

    ``metrics[group][name]`` with group ``all`` and, where the dataset has
    them, one per query type; ``ci95[group][name] = (lo, hi)`` (None when CIs
    were not computed); ``per_sample`` holds the columns of the per-sample
    table (per video for the action datasets); ``resampling[group]`` is the
    number of resampling units and the statistic of resampling weights that
    recomputes every metric of the group (used for paired comparisons);
    ``samples`` keeps the VidSTG / HC-STVG per-sample scores; ``unit`` names
    what is resampled (samples, or videos for the action datasets).
    """

    dataset: str
    split: str
    task: str
    protocol: object
    thresholds: tuple[float, ...]
    n_samples: int
    group_sizes: dict[str, int]
    metric_names: tuple[str, ...]
    metrics: dict[str, dict[str, float]]
    ci95: dict[str, dict[str, tuple[float, float]]] | None
    warnings: dict[str, int]
    inputs: dict[str, str]
    per_sample: dict[str, np.ndarray] = field(repr=False)
    resampling: dict[str, tuple[int, Statistic]] = field(repr=False)
    samples: SampleScores | None = field(default=None, repr=False)
    unit: str = "samples"

    def to_dict(self) -> dict:
        """The ``stvg-bench/results`` version 1 layout."""
        out = {
            "format": RESULTS_FORMAT,
            "version": RESULTS_VERSION,
            "stvg_bench_version": __version__,
            "dataset": self.dataset,
            "split": self.split,
            "task": self.task,
            "protocol": self.protocol.to_dict(),
            "thresholds": list(self.thresholds),
            "inputs": dict(self.inputs),
            "n_samples": self.n_samples,
            "group_sizes": dict(self.group_sizes),
            "metrics": self.metrics,
        }
        if self.ci95 is not None:
            out["ci95"] = {g: {k: list(v) for k, v in m.items()} for g, m in self.ci95.items()}
        out["warnings"] = dict(self.warnings)
        return out

    def per_sample_table(self):
        """The per-sample scores as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.per_sample)


def summarise(
    statistics: dict[str, tuple[int, Statistic]], names: tuple[str, ...], ci: bool, n_resamples: int, seed: int
) -> tuple[dict, dict | None]:
    """Metrics (statistic at unit weights) and, with ``ci``, their 95% bootstrap intervals, per group."""
    metrics, ci95 = {}, ({} if ci else None)
    for group, (n_units, statistic) in statistics.items():
        values = statistic(np.ones((1, n_units)))[0]
        metrics[group] = {name: float(v) for name, v in zip(names, values) if not np.isnan(v)}
        if ci:
            interval = percentile_interval(resampled(statistic, n_units, n_resamples, seed))
            ci95[group] = {name: (float(lo), float(hi)) for name, (lo, hi) in zip(names, interval)
                           if name in metrics[group] and not np.isnan(lo)}
    return metrics, ci95


def compare(a: ScoreResult, b: ScoreResult, n_resamples: int, seed: int) -> ComparisonResult:
    """Paired bootstrap of ``A - B`` for every metric and group (same resampled units)."""
    if (a.dataset, a.split, a.task, a.protocol.to_dict()) != (b.dataset, b.split, b.task, b.protocol.to_dict()):
        raise OptionError("compare needs two results of the same dataset, split, task and protocol")
    differences = {}
    for group, (n_units, statistic_a) in a.resampling.items():
        n_b, statistic_b = b.resampling[group]
        if n_b != n_units:
            raise OptionError(f"group {group}: A scores {n_units} units and B {n_b}; compare needs the same")
        paired = paired_bootstrap_statistics(statistic_a, statistic_b, n_units, n_resamples, seed)
        differences[group] = {
            name: d
            for name, d in zip(a.metric_names, paired)
            if name in a.metrics[group] and name in b.metrics[group] and not np.isnan(d.ci95[0])
        }
    return ComparisonResult(dataset=a.dataset, split=a.split, protocol=a.protocol, a=a, b=b, differences=differences)


@dataclass(frozen=True)
class ComparisonResult:
    """Paired comparison ``A - B`` of two submissions on the same samples."""

    dataset: str
    split: str
    protocol: object
    a: ScoreResult
    b: ScoreResult
    differences: dict[str, dict[str, PairedDifference]]

    def to_dict(self) -> dict:
        return {
            "format": COMPARISON_FORMAT,
            "version": RESULTS_VERSION,
            "stvg_bench_version": __version__,
            "dataset": self.dataset,
            "split": self.split,
            "task": self.a.task,
            "protocol": self.protocol.to_dict(),
            "inputs": {"a": self.a.inputs, "b": self.b.inputs},
            "metrics": {"a": self.a.metrics, "b": self.b.metrics},
            "difference": {
                group: {
                    name: {"a_minus_b": d.difference, "ci95": list(d.ci95), "p_value": d.p_value}
                    for name, d in per_metric.items()
                }
                for group, per_metric in self.differences.items()
            },
        }


def write_json(result, path: str | Path) -> None:
    """Write ``result.to_dict()`` atomically."""
    atomic.write_bytes(path, dumps_pretty(result.to_dict()))


def check_per_sample_path(path: str | Path) -> Path:
    """The per-sample output path, refused unless it ends in ``.csv`` or ``.parquet``."""
    path = Path(path)
    if path.suffix not in (".csv", ".parquet"):
        raise OptionError(f"--per-sample must end in .csv or .parquet, got {path.name!r}")
    return path


def write_per_sample(result: ScoreResult, path: str | Path) -> None:
    """Write the per-sample table as ``.csv`` or ``.parquet`` (by suffix), atomically."""
    path = check_per_sample_path(path)
    table = result.per_sample_table()
    if path.suffix == ".csv":
        atomic.write_with(path, lambda tmp: table.to_csv(tmp, index=False, float_format="%.10g"))
    else:
        atomic.write_with(path, lambda tmp: table.to_parquet(tmp, index=False))
