"""Typed results and their file layouts (``stvg-bench/results`` version 1).

Results are values: scoring returns them, the CLI and the report layer print
and write them. Every value in ``metrics`` and ``ci95`` is a fraction in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__, atomic
from .errors import OptionError
from .jsonio import dumps_pretty
from .metrics.stvg import SampleScores
from .protocols import Protocol
from .statistics import PairedDifference

RESULTS_FORMAT = "stvg-bench/results"
RESULTS_VERSION = 1
COMPARISON_FORMAT = "stvg-bench/comparison"


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one submission on one split under one protocol.

    ``metrics[group][name]`` with groups ``all`` and each query type;
    ``ci95[group][name] = (lo, hi)`` (None when CIs were not computed);
    ``samples`` holds the per-sample scores; ``group_sizes`` the samples per group.
    """

    dataset: str
    split: str
    protocol: Protocol
    thresholds: tuple[float, ...]
    n_samples: int
    group_sizes: dict[str, int]
    metrics: dict[str, dict[str, float]]
    ci95: dict[str, dict[str, tuple[float, float]]] | None
    warnings: dict[str, int]
    inputs: dict[str, str]
    samples: SampleScores
    query_type_names: tuple[str, ...]
    video_id: np.ndarray

    def to_dict(self) -> dict:
        """The ``stvg-bench/results`` version 1 layout."""
        out = {
            "format": RESULTS_FORMAT,
            "version": RESULTS_VERSION,
            "stvg_bench_version": __version__,
            "dataset": self.dataset,
            "split": self.split,
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
        """Per-sample scores as a pandas DataFrame (one row per scored sample)."""
        import pandas as pd

        s = self.samples
        return pd.DataFrame(
            {
                "sample_id": s.sample_id,
                "video_id": self.video_id,
                "query_type": np.asarray(self.query_type_names, dtype=object)[s.query_type],
                "gt_start": s.gt_start,
                "gt_end": s.gt_end,
                "pred_start": s.pred_start,
                "pred_end": s.pred_end,
                "missing": s.missing,
                "tIoU": s.t_iou,
                "vIoU": s.v_iou,
                "gt_vIoU": s.gt_v_iou,
            }
        )


@dataclass(frozen=True)
class ComparisonResult:
    """Paired comparison ``A - B`` of two submissions on the same samples."""

    dataset: str
    split: str
    protocol: Protocol
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
