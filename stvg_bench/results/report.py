"""Human-readable tables of results (printing lives here and in the CLI only).

Tables are generated from the result's declared metric fields: fractions show
as percentages with two decimals, as papers do; files keep fractions.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from .result import ComparisonResult, MetricField, ScoreResult


def _shown(field: MetricField, value: float) -> str:
    return f"{100 * value:.2f}" if field.unit == "fraction" else f"{value:g}"


def _with_ci(field: MetricField, value: float, interval: tuple[float, float] | None) -> str:
    if interval is None:
        return _shown(field, value)
    return f"{_shown(field, value)} [{_shown(field, interval[0])}, {_shown(field, interval[1])}]"


def console() -> Console:
    """Console on stdout: the terminal's width, or 120 columns when output is redirected."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def title(result: ScoreResult) -> str:
    protocol = result.protocol
    return (f"{result.dataset} {result.split} | {result.task} | protocol {protocol.name} v{protocol.version} "
            f"| {result.n_samples} {result.unit}")


def score_table(result: ScoreResult, heading: str | None = None) -> Table:
    """Metrics (rows, in declared order) x query-type groups (columns), with 95% intervals when computed."""
    table = Table(title=heading or title(result), title_justify="left")
    table.add_column("metric (%)", no_wrap=True)
    groups = list(result.metrics)
    for group in groups:
        table.add_column(f"{group} ({result.group_sizes.get(group, '')})", justify="right")
    for f in result.fields:
        if f.name not in result.metrics["all"]:
            continue
        cells = []
        for group in groups:
            interval = result.ci95[group].get(f.name) if result.ci95 is not None else None
            cells.append(_with_ci(f, result.metrics[group][f.name], interval) if f.name in result.metrics[group]
                         else "-")
        table.add_row(f.name, *cells)
    return table


def print_score(result: ScoreResult, out: Console, heading: str | None = None) -> None:
    """Print the score table, how its intervals were computed, and any warnings."""
    out.print(score_table(result, heading))
    if result.bootstrap is not None:
        b = result.bootstrap
        out.print(f"[dim]95% bootstrap intervals: {b.n_resamples:,} resamples of {b.unit}, seed {b.seed}, "
                  f"{b.interval}[/dim]")
    for name, count in result.warnings.items():
        out.print(f"[yellow]warning:[/yellow] {name}: {count}")
    for reason in dict.fromkeys(result.unavailable.values()):
        names = [n for n, r in result.unavailable.items() if r == reason]
        out.print(f"[yellow]not computed:[/yellow] {', '.join(names)}: {reason}")


def print_comparison(comparison: ComparisonResult, out: Console) -> None:
    """Print A, B and the paired difference A - B with its interval and p-value."""
    a, b = comparison.a, comparison.b
    name_a, name_b = comparison.names
    table = Table(
        title=f"{a.dataset} {a.split} | {a.task} | protocol {a.protocol.name} v{a.protocol.version} "
        f"| A - B, paired bootstrap",
        title_justify="left",
    )
    for column in ("group", "metric", "A %", "B %", "A - B %", "95% CI %", "p"):
        table.add_column(column, justify="left" if column in ("group", "metric") else "right", no_wrap=True)
    fields = {f.name: f for f in a.fields}
    for group, per_metric in comparison.differences.items():
        for name, d in per_metric.items():
            f = fields[name]
            table.add_row(group, name, _shown(f, a.metrics[group][name]), _shown(f, b.metrics[group][name]),
                          f"{100 * d.difference:+.2f}", f"[{100 * d.ci95[0]:+.2f}, {100 * d.ci95[1]:+.2f}]",
                          f"{d.p_value:.3f}")
    out.print(table)
    out.print(f"A = {name_a}, B = {name_b}")
