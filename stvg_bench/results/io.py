"""Results on disk: ``stvg-bench/results`` version 2 (written) and versions 1 and 2 (read).

Version 2 (docs/METRICS.md §9), one JSON object::

    format, version (2), task, dataset, split,
    protocol     every field of the protocol (name, version, family, rules),
    options      the task options as applied (thresholds, missing, mask_threshold, ...),
    fields       the declared metric fields present: name, description, unit, higher_is_better, has_ci,
    bootstrap    n_resamples, seed, unit, level, interval (null without CIs),
    inputs       {name: {path, sha256 | signature[, format]}}: the predictions and every annotation input,
    method       the prediction file's free metadata,
    provenance   stvg_bench_version, git_commit, started_at, duration_seconds, command,
    n_samples, unit, group_sizes, metrics, ci95 (absent without CIs), warnings,
    unavailable  {metric: why the data cannot give it} (e.g. VidSTG without boxes)

Version 1 files (written by stvg-bench 0.1) are read by :func:`load_results`
into the same :class:`ResultRecord` (what they did not record is ``None``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..core import atomic
from ..core.errors import FormatError, OptionError, quote
from ..core.jsonio import dumps_pretty, read_bytes
from .result import ComparisonResult, MetricField, ScoreResult

RESULTS_FORMAT = "stvg-bench/results"
RESULTS_VERSION = 2
COMPARISON_FORMAT = "stvg-bench/comparison"
PER_SAMPLE_SUFFIXES = (".csv", ".parquet")


def result_document(result: ScoreResult) -> dict:
    """The ``stvg-bench/results`` version 2 document of ``result``."""
    out = {
        "format": RESULTS_FORMAT,
        "version": RESULTS_VERSION,
        "task": result.task,
        "dataset": result.dataset,
        "split": result.split,
        "protocol": result.protocol.to_dict(),
        "options": dict(result.options),
        "fields": [f.to_dict() for f in result.fields],
        "bootstrap": result.bootstrap.to_dict() if result.bootstrap is not None else None,
        "inputs": result.inputs,
        "method": result.method,
        "provenance": result.provenance,
        "n_samples": result.n_samples,
        "unit": result.unit,
        "group_sizes": dict(result.group_sizes),
        "metrics": result.metrics,
    }
    if result.ci95 is not None:
        out["ci95"] = {g: {k: list(v) for k, v in m.items()} for g, m in result.ci95.items()}
    out["warnings"] = dict(result.warnings)
    out["unavailable"] = dict(result.unavailable)
    return out


def comparison_document(comparison: ComparisonResult) -> dict:
    """The ``stvg-bench/comparison`` version 2 document: A and B named, their metrics, the paired differences."""
    a, b = comparison.a, comparison.b
    return {
        "format": COMPARISON_FORMAT,
        "version": RESULTS_VERSION,
        "task": a.task,
        "dataset": a.dataset,
        "split": a.split,
        "protocol": a.protocol.to_dict(),
        "options": dict(a.options),
        "bootstrap": comparison.bootstrap.to_dict(),
        "names": {"a": comparison.names[0], "b": comparison.names[1]},
        "inputs": {"a": a.inputs, "b": b.inputs},
        "provenance": a.provenance,
        "compared": {"unit": a.unit, "units": dict(comparison.compared), "only_predicted_by":
                     None if comparison.only_predicted is None else dict(comparison.only_predicted)},
        "metrics": comparison.metrics,
        "difference": {
            group: {
                name: {"a_minus_b": d.difference, "ci95": list(d.ci95), "p_value": d.p_value}
                for name, d in per_metric.items()
            }
            for group, per_metric in comparison.differences.items()
        },
    }


def write_json(document: dict, path: str | Path) -> None:
    """Write a results or comparison document atomically."""
    atomic.write_bytes(path, dumps_pretty(document))


def check_table_path(path: str | Path, option: str = "--per-sample") -> Path:
    """A table output path, refused unless it ends in ``.csv`` or ``.parquet``."""
    path = Path(path)
    if path.suffix not in PER_SAMPLE_SUFFIXES:
        raise OptionError(f"{option} must end in .csv or .parquet, got {quote(path.name)}")
    return path


def write_table(columns: dict, declared, path: str | Path, option: str = "--per-sample") -> None:
    """Write ``columns`` (the ``declared`` :class:`ColumnField` s, in order) as ``.csv`` or ``.parquet``,
    atomically; CSV floats keep 10 significant digits."""
    path = check_table_path(path, option)
    if path.suffix == ".csv":
        import pandas as pd

        frame = pd.DataFrame({c.name: columns[c.name] for c in declared})
        atomic.write_with(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.10g"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c.name: columns[c.name] for c in declared})
    atomic.write_with(path, lambda tmp: pq.write_table(table, tmp))


def write_per_sample(result: ScoreResult, path: str | Path) -> None:
    """Write the per-sample table (one row per query; per video for the temporal action tasks)."""
    write_table(result.per_sample, result.per_sample_columns, path, "--per-sample")


def write_per_frame(result: ScoreResult, path: str | Path) -> None:
    """Write the per-frame table (tube tasks with boxes: one row per scored ground-truth frame)."""
    if result.per_frame is None:
        raise OptionError(f"--per-frame: the {result.task} task on {result.dataset} has no frame-level scores "
                          "(tube tasks with ground-truth boxes only)")
    write_table(result.per_frame(), result.per_frame_columns, path, "--per-frame")


@dataclass(frozen=True)
class ResultRecord:
    """A results file read back (version 1 or 2); ``None`` where the file's version did not record a value."""

    version: int
    task: str | None
    dataset: str
    split: str
    protocol: dict
    options: dict
    fields: tuple[MetricField, ...]
    n_samples: int
    group_sizes: dict[str, int]
    metrics: dict[str, dict[str, float]]
    ci95: dict[str, dict[str, list[float]]] | None
    bootstrap: dict | None
    inputs: dict[str, dict]
    method: dict | None
    provenance: dict
    warnings: dict[str, int]
    unavailable: dict[str, str]


def load_results(path: str | Path) -> ResultRecord:
    """Read a ``stvg-bench/results`` file of version 1 or 2."""
    try:
        document = json.loads(read_bytes(path))
    except ValueError as exc:
        raise FormatError(f"not a results file ({exc})", path=path) from None
    if not isinstance(document, dict) or document.get("format") != RESULTS_FORMAT:
        raise FormatError("not an stvg-bench results file", path=path)
    version = document.get("version")
    readers = {1: _from_version_1, 2: _from_version_2}
    if version not in readers:
        raise FormatError(f"unknown results version {quote(version)} (this stvg-bench reads 1 and 2)", path=path)
    try:
        return readers[version](document)
    except (KeyError, TypeError) as exc:
        raise FormatError(f"malformed version {version} results file ({quote(exc)} missing or wrong)", path=path) from None


def _from_version_2(document: dict) -> ResultRecord:
    return ResultRecord(
        version=2,
        task=document["task"],
        dataset=document["dataset"],
        split=document["split"],
        protocol=document["protocol"],
        options=document["options"],
        fields=tuple(MetricField(**f) for f in document["fields"]),
        n_samples=document["n_samples"],
        group_sizes=document["group_sizes"],
        metrics=document["metrics"],
        ci95=document.get("ci95"),
        bootstrap=document["bootstrap"],
        inputs=document["inputs"],
        method=document["method"],
        provenance=document["provenance"],
        warnings=document["warnings"],
        unavailable=document["unavailable"],
    )


def _from_version_1(document: dict) -> ResultRecord:
    """Version 1: inputs were ``{<name>_sha256: digest}``, the task was ``spatio-temporal``, ``spatial``, ..."""
    inputs = {}
    for key, digest in document["inputs"].items():
        name, _, kind = key.rpartition("_")
        inputs[name] = {"path": None, kind: digest}
    names = list(document["metrics"]["all"])
    ci = "ci95" in document
    return ResultRecord(
        version=1,
        task=_task_of_version_1(document),
        dataset=document["dataset"],
        split=document["split"],
        protocol=document["protocol"],
        options={"thresholds": document["thresholds"]} if document.get("thresholds") else {},
        fields=tuple(MetricField(name, description="(not recorded in version 1)", has_ci=ci) for name in names),
        n_samples=document["n_samples"],
        group_sizes=document.get("group_sizes", {"all": document["n_samples"]}),
        metrics=document["metrics"],
        ci95=document.get("ci95"),
        bootstrap={"n_resamples": 1000, "seed": 0, "level": 0.95, "interval": "percentile"} if ci else None,
        inputs=inputs,
        method=None,
        provenance={"stvg_bench_version": document["stvg_bench_version"]},
        warnings=document["warnings"],
        unavailable={},
    )


def _task_of_version_1(document: dict) -> str | None:
    """Version 1 named tasks by their ``--task`` value; the registry name follows from the dataset's family."""
    from ..registries import DATASETS, TASKS

    option = document.get("task", "spatio-temporal")
    if document["dataset"] not in DATASETS:
        return None
    family = DATASETS.info(document["dataset"]).family
    return next((name for name, info in TASKS.items() if (info.family, info.option) == (family, option)), None)
