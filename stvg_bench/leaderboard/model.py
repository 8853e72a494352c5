"""The leaderboard document (``site/leaderboard.json``): every board, row, score, rank and flag, in %.

Every output (Markdown, HTML, plots) is rendered from this document alone.
Rows of a board, in display order:

1. *ranked* re-scored rows, by rank under the task's default protocol (ties in
   rank by value, then name) - see :mod:`stvg_bench.leaderboard.ranking`;
2. re-scored rows that are shown but never ranked (oracle, human, or scored
   with non-default task options), by the same metric;
3. *reported-only* rows (no predictions: no CI, no rank), by their printed
   value of the board's first ``reported_order`` cell they have, descending;
   rows with none of them last; then by name.

Values are percentages rounded to 4 decimals (0.0001 points), so that the
document is byte-stable across machines whose floating point differs in the
last bits; p-values are multiples of 1/1000 and rounded the same way.
"""

from __future__ import annotations

from .. import __version__
from ..statistics import N_RESAMPLES, SEED
from .boards import BOARDS, Board
from .consistency import flags_for
from .entries import Entry
from .ranking import ALPHA, RULE, Candidate, rank
from .scorecache import Scored

FORMAT = "stvg-bench/leaderboard"
VERSION = 1
ORDER_RULE = ("Rows: ranked re-scored rows by rank under the default protocol; then re-scored rows that are shown "
              "but never ranked (oracle, human, non-default task options); then reported-only rows, which have no "
              "CI and no rank, by their printed value of the board's headline reported cell, descending (rows "
              "without it last, then by name).")
DELTA_RULE = ("Reported minus reproduced: the printed value minus the re-scored one under each protocol, for the "
              "same query type and metric; flagged when the printed value lies outside the re-scored 95% CI.")


def pct(value: float | None) -> float | None:
    return None if value is None else round(100.0 * float(value), 4)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _year(entry: Entry) -> int:
    return int(entry.paper["year"])


def _scores_document(scored: Scored) -> dict:
    metrics = {}
    for group, values in scored.metrics.items():
        metrics[group] = {name: {"value": pct(value), "ci95": [pct(v) for v in scored.ci95.get(group, {})[name]]
                                 if name in scored.ci95.get(group, {}) else None}
                          for name, value in values.items()}
    return {"protocol": scored.protocol, "n": scored.group_sizes, "metrics": metrics,
            "unavailable": scored.unavailable, "warnings": scored.warnings}


def _blocks(entry: Entry, board: Board, flags: list[list[tuple[str, str]]]) -> list[dict]:
    out = []
    for block, block_flags in zip(entry.reported, flags):
        if block.task != board.task:
            continue
        cells = [{"printed_metric": name, "metric": board.metric_for_printed(name).name, "printed": value,
                  "value": float(value)} for name, value in block.values.items()]
        out.append({"source": block.source, "citation": block.citation, "source_link": block.source_link,
                    "table": block.table, "split": block.split, "group": block.query_type,
                    "printed_as": block.printed_as, "printed_venue": block.printed_venue, "notes": block.notes,
                    "cells": cells, "flags": [message for _, message in block_flags],
                    "flagged_metrics": sorted({metric for metric, _ in block_flags})})
    return out


def _reported_cells(blocks: list[dict]) -> dict:
    """One displayed value per (group, metric): the most precise print, then the source printing the most cells."""
    cells_per_source: dict[str, int] = {}
    for block in blocks:
        cells_per_source[block["source"]] = cells_per_source.get(block["source"], 0) + len(block["cells"])
    candidates: dict[tuple[str, str], list[tuple]] = {}
    for block in blocks:
        for cell in block["cells"]:
            decimals = len(cell["printed"].partition(".")[2])
            key = (-decimals, -cells_per_source[block["source"]], block["source"], block["table"])
            candidates.setdefault((block["group"], cell["metric"]), []).append((key, block, cell))
    out: dict[str, dict] = {}
    for (group, metric), options in candidates.items():
        options.sort(key=lambda option: option[0])
        _, block, cell = options[0]
        out.setdefault(group, {})[metric] = {
            "printed": cell["printed"], "value": cell["value"], "source": block["source"], "table": block["table"],
            "flagged": cell["printed_metric"] in block["flagged_metrics"],
            "also": [{"source": b["source"], "table": b["table"], "printed": c["printed"]} for _, b, c in options[1:]],
        }
    return out


def _row(entry: Entry, board: Board, flags: list[list[tuple[str, str]]], scores: dict[str, Scored] | None) -> dict:
    source = entry.predictions_for(board.task)
    blocks = _blocks(entry, board, flags)
    if source is None:
        kind = "reported"
    else:
        kind = entry.supervision if entry.supervision in ("oracle", "human") else "reproduced"
    unranked = None
    if kind in ("oracle", "human"):
        unranked = f"{kind} rows are shown, never ranked"
    elif source is not None and source.options:
        unranked = "scored with non-default task options: " + ", ".join(f"{k}={v}" for k, v in
                                                                          sorted(source.options.items()))
    return {
        "entry": entry.name, "entry_file": f"entries/{entry.dataset}/{entry.name}.toml", "method": entry.method,
        "supervision": entry.supervision, "kind": kind, "year": _year(entry), "paper": entry.paper,
        "code": entry.code, "notes": entry.notes, "unranked": unranked,
        "predictions": source.to_dict() if source is not None else None,
        "scores": {p: _scores_document(s) for p, s in scores.items()} if scores else {},
        "rank": {}, "comparisons": {},
        "reported": {"cells": _reported_cells(blocks), "blocks": blocks},
        "flags": sorted({flag for block in blocks for flag in block["flags"]}),
    }


def _rank_metric(board: Board, protocol: str, rows: list[tuple[dict, Scored]]) -> str | None:
    for name in board.rank_metrics:
        if rows and all(name in scored.ci95.get("all", {}) for _, scored in rows):
            return name
    return None


def _rank(board: Board, rows: list[dict], scores: dict[str, dict[str, Scored]]) -> dict[str, str | None]:
    """Fill ``rank`` of the ranked rows under every protocol; return the metric ranked by, per protocol."""
    metrics = {}
    for protocol in board.protocols:
        ranked = [(row, scores[row["entry"]][protocol]) for row in rows
                  if row["kind"] == "reproduced" and row["unranked"] is None]
        metric = _rank_metric(board, protocol, ranked)
        metrics[protocol] = metric
        if metric is None:
            continue
        higher = board.metric(metric).higher_is_better
        candidates = [Candidate(row["entry"], scored.metrics["all"][metric], scored.resampled_metric("all", metric))
                      for row, scored in ranked]
        by_entry = {row["entry"]: row for row, _ in ranked}
        for placement in rank(candidates, higher):
            by_entry[placement.key]["rank"][protocol] = {
                "metric": metric, "rank": placement.rank, "group": placement.group, "tied": placement.tied,
                "p_vs_anchor": _round(placement.p_vs_anchor), "p_vs_above": _round(placement.p_vs_above)}
    return metrics


def _compare(row: dict) -> None:
    """Reported minus reproduced for every printed cell the re-scored row also has."""
    for protocol, scores in row["scores"].items():
        out = []
        for block in row["reported"]["blocks"]:
            for cell in block["cells"]:
                score = scores["metrics"].get(block["group"], {}).get(cell["metric"])
                if score is None:
                    continue
                lo, hi = score["ci95"] if score["ci95"] is not None else (None, None)
                out.append({"source": block["source"], "table": block["table"], "group": block["group"],
                            "metric": cell["metric"], "reported": cell["value"], "reproduced": score["value"],
                            "delta": _round(cell["value"] - score["value"]), "ci95": score["ci95"],
                            "outside_ci": lo is not None and not lo <= cell["value"] <= hi})
        if out:
            row["comparisons"][protocol] = out


def _reported_key(board: Board, row: dict) -> tuple:
    cells = row["reported"]["cells"]
    for preference, (group, metric) in enumerate(board.reported_order):
        cell = cells.get(group, {}).get(metric)
        if cell is not None:
            value = cell["value"] if board.metric(metric).higher_is_better else -cell["value"]
            return (preference, -value, row["method"])
    return (len(board.reported_order), 0.0, row["method"])


def _ordered(board: Board, rows: list[dict], default_protocol: str | None, rank_metric: str | None) -> list[dict]:
    def scored_key(row):
        value = row["scores"].get(default_protocol, {}).get("metrics", {}).get("all", {}).get(rank_metric)
        return -(value["value"] if value else float("-inf"))

    ranked = sorted((r for r in rows if default_protocol in r["rank"]),
                    key=lambda r: (r["rank"][default_protocol]["rank"], scored_key(r), r["method"]))
    shown = sorted((r for r in rows if r["kind"] != "reported" and default_protocol not in r["rank"]),
                   key=lambda r: (scored_key(r), r["method"]))
    reported = sorted((r for r in rows if r["kind"] == "reported"), key=lambda r: _reported_key(board, r))
    return [*ranked, *shown, *reported]


def board_document(board: Board, entries: list[Entry], scores: dict[str, dict[str, Scored]],
                   annotations: dict | None) -> dict:
    """One board of the document; ``scores[entry][protocol]`` for its entries with predictions on it."""
    from ..registries import TASKS

    by_name = {b.id: b for b in BOARDS}
    rows = [_row(entry, board, flags_for(entry, by_name), scores.get(entry.name)) for entry in entries]
    rank_metrics = _rank(board, rows, scores)
    for row in rows:
        _compare(row)
    default = TASKS.info(board.task).default_protocol if board.scored else None
    ordered = _ordered(board, rows, default, rank_metrics.get(default))
    protocols = []
    for name in board.protocols:
        versions = {s[name].protocol["version"] for s in scores.values() if name in s}
        protocols.append({"name": name, "version": min(versions) if versions else None, "default": name == default,
                          "rank_metric": rank_metrics.get(name)})
    counts = {kind: sum(r["kind"] == kind for r in rows) for kind in ("reproduced", "oracle", "human", "reported")}
    counts["ranked"] = sum(default in r["rank"] for r in rows)
    return {**board.to_dict(), "protocols": protocols, "annotations": annotations, "counts": counts,
            "rows": ordered}


def document(boards: list[dict]) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "stvg_bench_version": __version__,
        "statistics": {"n_resamples": N_RESAMPLES, "seed": SEED, "level": 0.95, "interval": "percentile",
                       "alpha": ALPHA, "tie_rule": RULE, "order_rule": ORDER_RULE, "delta_rule": DELTA_RULE,
                       "units": "%"},
        "boards": boards,
    }
