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
    heading = heading or title(result)
    table = Table(title=heading, title_justify="left", min_width=len(heading))  # the title never wraps
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
    short_a, short_b = _short(name_a), _short(name_b)
    columns = ("group", "metric", f"A: {short_a} %", f"B: {short_b} %", "A - B %", "95% CI %", "p")
    for column in columns:
        table.add_column(column, justify="left" if column in ("group", "metric") else "right", no_wrap=True)
    fields = {f.name: f for f in a.fields}
    metrics = comparison.metrics
    resolution = 1 / comparison.bootstrap.n_resamples
    for group, per_metric in comparison.differences.items():
        for name, d in per_metric.items():
            f = fields[name]
            table.add_row(group, name, _shown(f, metrics["a"][group][name]), _shown(f, metrics["b"][group][name]),
                          f"{100 * d.difference:+.2f}", f"[{100 * d.ci95[0]:+.2f}, {100 * d.ci95[1]:+.2f}]",
                          p_value_text(d.p_value, resolution))
    out.print(table)
    out.print(f"A = {name_a}, B = {name_b}")
    if comparison.only_predicted is not None:
        only = comparison.only_predicted
        out.print(f"compared on the {comparison.compared['all']:,} {a.unit} both predicted (--missing skip); "
                  f"left out: {only['a']['all']:,} only A predicted, {only['b']['all']:,} only B predicted")


def p_value_text(p_value: float, resolution: float) -> str:
    """A bootstrap p-value to 3 decimals; below the bootstrap's resolution (1 / resamples) as ``< 0.001``."""
    return f"< {resolution:g}" if p_value < resolution else f"{p_value:.3f}"


def _short(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else f"{name[: limit - 1]}…"
