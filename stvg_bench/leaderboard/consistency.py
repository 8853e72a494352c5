"""Printed numbers that contradict each other, flagged on the rows that print them (never corrected).

Two checks, on every entry's reported blocks:

* a printed mean that is not the mean of its printed parts (a board's
  :class:`~stvg_bench.leaderboard.boards.MeanOf`: GroundingYouTube's video
  mAP@0.1:0.5), beyond the rounding of the printed values (0.01 points);
* the same cell (board, query type, metric) printed twice with values that
  disagree: within one paper, any difference; across papers, a difference that
  survives rounding both to the coarser of the two precisions.
"""

from __future__ import annotations

from decimal import Decimal

from .boards import Board
from .entries import Entry, Reported


def _decimals(printed: str) -> int:
    return len(printed.partition(".")[2])


def _mean_flags(block: Reported, board: Board) -> list[tuple[str, str]]:
    flags = []
    for check in board.consistency:
        if check.mean not in block.values or not all(p in block.values for p in check.parts):
            continue
        computed = sum(float(block.values[p]) for p in check.parts) / len(check.parts)
        printed = float(block.values[check.mean])
        if abs(printed - computed) > check.tolerance:
            message = (f"printed {check.mean} {block.values[check.mean]} is not the mean of the printed "
                       f"{', '.join(check.parts)} ({computed:.3f})")
            flags.append((check.mean, message))
    return flags


def _agree(a: str, b: str, same_source: bool) -> bool:
    if same_source:
        return Decimal(a) == Decimal(b)
    places = Decimal(1).scaleb(-min(_decimals(a), _decimals(b)))
    return Decimal(a).quantize(places) == Decimal(b).quantize(places)


def _disagreement_flags(entry: Entry, index: int) -> list[tuple[str, str]]:
    block = entry.reported[index]
    flags = []
    for other_index, other in enumerate(entry.reported):
        if other_index == index or (other.task, other.query_type) != (block.task, block.query_type):
            continue
        for metric, value in block.values.items():
            if metric in other.values and not _agree(value, other.values[metric], other.source == block.source):
                kind = "the same paper" if other.source == block.source else other.source
                message = f"{metric} {value} disagrees with {other.values[metric]} in {kind} ({other.table})"
                flags.append((metric, message))
    return flags


def flags_for(entry: Entry, boards: dict[str, Board]) -> list[list[tuple[str, str]]]:
    """Per reported block of ``entry``, the inconsistencies it prints as ``(printed metric, message)``."""
    return [_mean_flags(block, boards[f"{entry.dataset}/{block.task}"]) + _disagreement_flags(entry, index)
            for index, block in enumerate(entry.reported)]
