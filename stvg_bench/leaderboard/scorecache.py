"""Scores of one prediction file under one protocol, with the bootstrap resamples ranks are tested on.

A :class:`Scored` holds, per query-type group, every metric, its 95% percentile
interval and the metric's value on each of the 1,000 bootstrap resamples
(``stvg_bench.statistics``: seed 0, the same resample indices for every
submission on the same units). Paired tests between two entries then need no
re-scoring: the difference on resample ``r`` is ``resamples_a[r] - resamples_b[r]``,
exactly what :func:`stvg_bench.statistics.paired_bootstrap_statistics` computes.

Cached under ``<cache>/leaderboard/scores/<key>.{json,npz}``; the key hashes the
prediction file's sha256 and format, the annotations' identity (sha256 of every
input), the stvg-bench version, the task, its options, every protocol field
(name and version included) and the bootstrap settings. A changed input is never
served from a stale entry; a damaged (or vanished) entry is recomputed. Hits refresh
the entry's last use (:mod:`stvg_bench.core.cache_lru`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..core import atomic, cache_lru
from ..core.cachedir import cache_root
from ..statistics import N_RESAMPLES, SEED, percentile_interval, resampled

CACHE_FORMAT = 1
log = logging.getLogger("stvg_bench")


@dataclass(frozen=True)
class Scored:
    """One entry's scores under one protocol (fractions in [0, 1]); ``resamples[group]`` is ``(1000, fields)``."""

    protocol: dict
    fields: tuple[dict, ...]
    group_sizes: dict[str, int]
    metrics: dict[str, dict[str, float]]
    ci95: dict[str, dict[str, tuple[float, float]]]
    unavailable: dict[str, str]
    warnings: dict[str, int]
    resamples: dict[str, np.ndarray]

    def field(self, name: str) -> dict | None:
        return next((f for f in self.fields if f["name"] == name), None)

    def resampled_metric(self, group: str, name: str) -> np.ndarray:
        index = [f["name"] for f in self.fields].index(name)
        return self.resamples[group][:, index]


def cache_key(predictions_sha256: str, predictions_format: str, annotations: dict, task: str, options: dict,
              protocol: dict) -> str:
    material = {"cache_format": CACHE_FORMAT, "stvg_bench_version": __version__, "predictions": predictions_sha256,
                "format": predictions_format, "annotations": annotations, "task": task, "options": options,
                "protocol": protocol, "n_resamples": N_RESAMPLES, "seed": SEED}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def cache_dir() -> Path:
    return cache_root() / "leaderboard" / "scores"


def scored_from(result) -> Scored:
    """A :class:`Scored` from a ScoreResult scored without CIs: resamples, then percentile intervals."""
    fields = tuple({"name": f.name, "higher_is_better": f.higher_is_better, "has_ci": f.has_ci}
                   for f in result.fields)
    resamples, ci95 = {}, {}
    for group, (n_units, statistic) in result.resampling.items():
        values = resampled(statistic, n_units, N_RESAMPLES, SEED)
        resamples[group] = values
        interval = percentile_interval(values)
        ci95[group] = {f.name: (float(lo), float(hi)) for f, (lo, hi) in zip(result.fields, interval)
                       if f.has_ci and f.name in result.metrics[group] and not np.isnan(lo)}
    return Scored(protocol={"name": result.protocol.name, "version": result.protocol.version}, fields=fields,
                  group_sizes=dict(result.group_sizes), metrics=result.metrics, ci95=ci95,
                  unavailable=dict(result.unavailable), warnings=dict(result.warnings), resamples=resamples)


def _write_arrays(path: Path, resamples: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **{f"g{i}": values for i, values in enumerate(resamples.values())})


def _save(key: str, scored: Scored) -> None:
    directory = cache_dir()
    document = {"key": key, "protocol": scored.protocol, "fields": list(scored.fields),
                "group_sizes": scored.group_sizes, "metrics": scored.metrics,
                "ci95": {g: {k: list(v) for k, v in m.items()} for g, m in scored.ci95.items()},
                "unavailable": scored.unavailable, "warnings": scored.warnings, "groups": list(scored.resamples)}
    try:
        atomic.write_with(directory / f"{key}.npz", lambda tmp: _write_arrays(tmp, scored.resamples))
        atomic.write_bytes(directory / f"{key}.json", json.dumps(document).encode())
    except OSError as exc:
        log.warning("cannot write the leaderboard score cache (%s)", exc)
        return
    cache_lru.stored(directory / f"{key}.json")


def _load(key: str) -> Scored | None:
    directory = cache_dir()
    try:
        document = json.loads((directory / f"{key}.json").read_text())
        if document.get("key") != key:
            return None
        with np.load(directory / f"{key}.npz", allow_pickle=False) as arrays:
            resamples = {group: arrays[f"g{i}"] for i, group in enumerate(document["groups"])}
    except (OSError, ValueError, KeyError):
        return None  # missing, damaged, or removed by another process while read
    cache_lru.used(directory / f"{key}.json")
    return Scored(protocol=document["protocol"], fields=tuple(document["fields"]),
                  group_sizes=document["group_sizes"], metrics=document["metrics"],
                  ci95={g: {k: tuple(v) for k, v in m.items()} for g, m in document["ci95"].items()},
                  unavailable=document["unavailable"], warnings=document["warnings"], resamples=resamples)


def cached_score(key: str, compute) -> tuple[Scored, bool]:
    """The cached :class:`Scored` for ``key``, or ``compute()`` stored under it; the flag says it was a hit."""
    hit = _load(key)
    if hit is not None:
        return hit, True
    scored = compute()
    _save(key, scored)
    return scored, False
