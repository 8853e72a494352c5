"""Ranks with statistical ties, from paired bootstrap tests between entries scored on the same units.

The rule (after SWE-bench/swe-bench.github.io PR #60, with our paired
bootstrap in place of McNemar's test):

1. Order the ranked entries by the metric, best first (equal values by entry name).
2. The best entry anchors tie group 1. Walking down the order, the next entry
   joins the current group when the paired bootstrap test against the group's
   anchor cannot separate them at alpha = 0.05 (two-sided p >= 0.05, with
   :func:`stvg_bench.statistics.paired_differences`); otherwise it anchors the next group.
3. A group's rank is 1 + the number of entries above it (competition ranking:
   1, 1, 3). No multiplicity correction: groups are a lower bound on what
   cannot be told apart.

Each placed entry also records its p-value against the anchor and against the
entry directly above it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..statistics import paired_differences

ALPHA = 0.05
RULE = ("Ranked rows are ordered by the metric, best first. The best row anchors tie group 1; walking down, each "
        "row joins the current group when a paired bootstrap test against the group's anchor (1,000 resamples "
        "of the same units, seed 0, two-sided) cannot separate them at alpha = 0.05 (p >= 0.05), and otherwise "
        "anchors the next group. A group's rank is 1 + the number of rows above it (1, 1, 3). No multiplicity "
        "correction (after SWE-bench/swe-bench.github.io PR #60, which uses McNemar's test).")


@dataclass(frozen=True)
class Candidate:
    """One ranked row: its key, its metric value and the metric on each bootstrap resample."""

    key: str
    value: float
    resamples: np.ndarray


@dataclass(frozen=True)
class Placement:
    """Where a row lands: its rank, its tie group (1, 2, ...), whether the group has other members."""

    key: str
    rank: int
    group: int
    tied: bool
    p_vs_anchor: float | None
    p_vs_above: float | None


def p_value(a: Candidate, b: Candidate) -> float:
    """Two-sided paired bootstrap p-value of ``a - b`` (the same resamples for both)."""
    observed = np.array([a.value - b.value])
    return paired_differences(observed, (a.resamples - b.resamples)[:, None])[0].p_value


def rank(candidates: list[Candidate], higher_is_better: bool = True) -> list[Placement]:
    """Place ``candidates`` by the rule of the module docstring, best first."""
    sign = -1.0 if higher_is_better else 1.0
    ordered = sorted(candidates, key=lambda c: (sign * c.value, c.key))
    placed: list[tuple[Candidate, int, int, float | None, float | None]] = []
    anchor, group, first_of_group = None, 0, 0
    for position, candidate in enumerate(ordered):
        p_anchor = p_value(anchor, candidate) if anchor is not None else None
        if anchor is None or p_anchor < ALPHA:
            anchor, group, first_of_group = candidate, group + 1, position
        p_above = p_value(ordered[position - 1], candidate) if position else None
        placed.append((candidate, first_of_group + 1, group, p_anchor, p_above))
    sizes = np.bincount([g for _, _, g, _, _ in placed], minlength=group + 1)
    return [Placement(key=c.key, rank=r, group=g, tied=bool(sizes[g] > 1), p_vs_anchor=pa, p_vs_above=pb)
            for c, r, g, pa, pb in placed]
