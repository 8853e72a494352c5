"""Typed results: what a task's scoring returns and a comparison of two submissions.

Results are values: tasks return them; the CLI and :mod:`stvg_bench.results.report`
print them, :mod:`stvg_bench.results.io` writes them. Every value in ``metrics``
and ``ci95`` is a fraction in [0, 1] unless its :class:`MetricField` says otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import __version__
from ..core.errors import OptionError
from ..core.provenance import git_commit
from ..statistics import (
    PairedDifference,
    Statistic,
    paired_bootstrap_statistics,
    percentile_interval,
    resampled,
    restricted,
)


@dataclass(frozen=True)
class MetricField:
    """One output a task declares: its name, what it means, its unit, which way is better, whether it has a CI.

    ``unit`` is ``"fraction"`` (a value in [0, 1], shown as a percentage) for every
    metric today. Tables, CSV columns and result schemas are generated from these.
    """

    name: str
    description: str
    unit: str = "fraction"
    higher_is_better: bool = True
    has_ci: bool = True

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ColumnField:
    """One column of a task's per-sample (per-query, per-video) table."""

    name: str
    description: str


@dataclass(frozen=True)
class Bootstrap:
    """How the confidence intervals were computed (docs/METRICS.md §6)."""

    n_resamples: int
    seed: int
    unit: str
    level: float = 0.95
    interval: str = "percentile"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one submission on one split, for one task under one protocol.

    ``metrics[group][name]``: group ``all`` and, where the dataset has them, one
    per query type; ``fields`` declares every metric present, in table order;
    ``ci95[group][name] = (lo, hi)`` (None without CIs, and absent for fields
    without a CI); ``unavailable`` the declared metrics the data cannot give, with
    the reason (temporal-only ground truth); ``options`` the task options as applied; ``unit`` what
    ``n_samples`` counts and the bootstrap resamples (``samples``; ``videos`` for actions); ``inputs`` every
    input (``predictions`` and the annotation files: path and sha256);
    ``method`` the prediction file's free metadata; ``per_sample`` the columns
    of the per-sample table declared by ``per_sample_columns``; ``per_step`` the columns of the per-step
    table declared by ``per_step_columns`` (action tasks on data with step classes; empty otherwise);
    ``precision_recall`` the ranked detections behind each video mAP threshold
    (:class:`~stvg_bench.metrics.video_map.PrecisionRecall`; empty without tubes); ``per_frame`` computes the
    columns declared by ``per_frame_columns`` on demand, one row per scored ground-truth frame (tube tasks
    with boxes; None otherwise);
    ``resampling[group]`` the number of resampling units and the statistic of
    resampling weights that recomputes every metric of the group (for paired
    comparisons); ``provenance`` the stvg-bench version, git commit, start time,
    duration and (from the CLI) the command line.
    """

    task: str
    dataset: str
    split: str
    protocol: object
    options: dict
    fields: tuple[MetricField, ...]
    n_samples: int
    unit: str
    group_sizes: dict[str, int]
    metrics: dict[str, dict[str, float]]
    ci95: dict[str, dict[str, tuple[float, float]]] | None
    bootstrap: Bootstrap | None
    warnings: dict[str, int]
    unavailable: dict[str, str]
    inputs: dict[str, dict]
    method: dict
    per_sample_columns: tuple[ColumnField, ...] = field(repr=False)
    per_sample: dict[str, np.ndarray] = field(repr=False)
    resampling: dict[str, tuple[int, Statistic]] = field(repr=False)
    provenance: dict = field(default_factory=dict, repr=False)
    per_step_columns: tuple[ColumnField, ...] = field(default=(), repr=False)
    per_step: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    precision_recall: tuple = field(default=(), repr=False)
    per_frame_columns: tuple[ColumnField, ...] = field(default=(), repr=False)
    per_frame: Callable[[], dict[str, np.ndarray]] | None = field(default=None, repr=False)
    units_predicted: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def with_provenance(self, **values) -> ScoreResult:
        """This result with more provenance (the CLI adds ``command``)."""
        return dataclasses.replace(self, provenance={**self.provenance, **values})

    def per_sample_table(self):
        """The per-sample scores as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.per_sample)


def provenance(started_at: str, duration_seconds: float) -> dict:
    """The provenance every result records."""
    return {"stvg_bench_version": __version__, "git_commit": git_commit(), "started_at": started_at,
            "duration_seconds": duration_seconds}


def summarise(
    statistics: dict[str, tuple[int, Statistic]], fields: tuple[MetricField, ...], ci: bool, n_resamples: int,
    seed: int,
) -> tuple[dict, dict | None]:
    """Metrics (statistic at unit weights) and, with ``ci``, their 95% bootstrap intervals, per group.

    A metric undefined for a group (NaN) is left out of it; fields without a CI get none.
    """
    metrics, ci95 = {}, ({} if ci else None)
    for group, (n_units, statistic) in statistics.items():
        values = statistic(np.ones((1, n_units)))[0]
        metrics[group] = {f.name: float(v) for f, v in zip(fields, values) if not np.isnan(v)}
        if ci:
            interval = percentile_interval(resampled(statistic, n_units, n_resamples, seed))
            ci95[group] = {f.name: (float(lo), float(hi)) for f, (lo, hi) in zip(fields, interval)
                           if f.has_ci and f.name in metrics[group] and not np.isnan(lo)}
    return metrics, ci95


@dataclass(frozen=True)
class ComparisonResult:
    """Paired comparison ``A - B`` of two submissions on the same units (``names``: how A and B are called).

    ``metrics[side][group]`` are A's and B's metrics on the compared units; ``compared[group]`` counts those
    units, ``only_predicted[side][group]`` the units only one side predicted (left out under
    ``common_only``; both are None otherwise, when every unit is compared).
    """

    a: ScoreResult
    b: ScoreResult
    names: tuple[str, str]
    differences: dict[str, dict[str, PairedDifference]]
    bootstrap: Bootstrap
    metrics: dict[str, dict[str, dict[str, float]]]
    compared: dict[str, int]
    only_predicted: dict[str, dict[str, int]] | None = None


def compare(a: ScoreResult, b: ScoreResult, n_resamples: int, seed: int,
            names: tuple[str, str] = ("A", "B"), common_only: bool = False) -> ComparisonResult:
    """Paired bootstrap of ``A - B`` for every metric with a CI and every group (same resampled units).

    With ``common_only``, only the units both submissions predicted are compared (``compare --missing skip``;
    score both with ``missing="zero"``): the metrics, differences and resamples are those of that subset.
    """
    identity = ("task", "dataset", "split", "options")
    if [getattr(a, k) for k in identity] != [getattr(b, k) for k in identity] or (
        a.protocol.to_dict() != b.protocol.to_dict()
    ):
        raise OptionError("compare needs two results of the same task, dataset, split, protocol and options")
    differences, metrics, compared = {}, {"a": {}, "b": {}}, {}
    only = {"a": {}, "b": {}} if common_only else None
    for group, (n_units, statistic_a) in a.resampling.items():
        n_b, statistic_b = b.resampling[group]
        if n_b != n_units:
            raise OptionError(f"group {group}: A scores {n_units} units and B {n_b}; compare needs the same")
        if common_only:
            everything = np.ones(n_units, dtype=bool)
            in_a, in_b = a.units_predicted.get(group, everything), b.units_predicted.get(group, everything)
            keep = in_a & in_b
            only["a"][group], only["b"][group] = int((in_a & ~in_b).sum()), int((in_b & ~in_a).sum())
            statistic_a, statistic_b, n_units = restricted(statistic_a, keep), restricted(statistic_b, keep), int(
                keep.sum())
        compared[group] = n_units
        if not n_units:
            continue
        for side, statistic in (("a", statistic_a), ("b", statistic_b)):
            values = statistic(np.ones((1, n_units)))[0]
            metrics[side][group] = {f.name: float(v) for f, v in zip(a.fields, values) if not np.isnan(v)}
        paired = paired_bootstrap_statistics(statistic_a, statistic_b, n_units, n_resamples, seed)
        differences[group] = {
            f.name: d
            for f, d in zip(a.fields, paired)
            if f.has_ci and f.name in metrics["a"][group] and f.name in metrics["b"][group]
            and not np.isnan(d.ci95[0])
        }
    if not compared.get("all"):
        raise OptionError("no unit was predicted by both submissions: nothing to compare")
    return ComparisonResult(a=a, b=b, names=names, differences=differences,
                            bootstrap=Bootstrap(n_resamples, seed, a.unit), metrics=metrics, compared=compared,
                            only_predicted=only)
