"""Human-readable tables of results (printing lives here and in the CLI only).

Tables show percentages with two decimals, as papers do; files keep fractions.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .results import ComparisonResult, ScoreResult


def _percent(value: float) -> str:
    return f"{100 * value:.2f}"


def _with_ci(value: float, interval: tuple[float, float] | None) -> str:
    if interval is None:
        return _percent(value)
    return f"{_percent(value)} [{_percent(interval[0])}, {_percent(interval[1])}]"


def console() -> Console:
    """Console on stdout: the terminal's width, or 120 columns when output is redirected."""
    import sys

    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def score_table(result: ScoreResult, title: str | None = None) -> Table:
    """Metrics (rows) x query-type groups (columns), with 95% intervals when computed."""
    protocol = result.protocol
    table = Table(
        title=title
        or f"{result.dataset} {result.split} | protocol {protocol.name} v{protocol.version} "
        f"| {result.n_samples} samples",
        title_justify="left",
    )
    table.add_column("metric (%)")
    groups = list(result.metrics)
    for group in groups:
        table.add_column(f"{group} ({result.group_sizes.get(group, '')})", justify="right")
    for name in next(iter(result.metrics.values())):
        cells = []
        for group in groups:
            interval = result.ci95[group].get(name) if result.ci95 is not None else None
            cells.append(_with_ci(result.metrics[group][name], interval))
        table.add_row(name, *cells)
    return table


def print_score(result: ScoreResult, console: Console, title: str | None = None) -> None:
    """Print the score table and any warnings."""
    console.print(score_table(result, title))
    if result.ci95 is not None:
        console.print(f"[dim]95% bootstrap intervals: 1,000 resamples of {result.unit}, seed 0, percentile[/dim]")
    for name, count in result.warnings.items():
        console.print(f"[yellow]warning:[/yellow] {name}: {count}")


def print_comparison(comparison: ComparisonResult, console: Console) -> None:
    """Print A, B and the paired difference A - B with its interval."""
    table = Table(
        title=f"{comparison.dataset} {comparison.split} | protocol {comparison.protocol.name} "
        f"v{comparison.protocol.version} | A - B, paired bootstrap",
        title_justify="left",
    )
    for column in ("group", "metric", "A %", "B %", "A - B %", "95% CI %", "p"):
        table.add_column(column, justify="left" if column in ("group", "metric") else "right")
    for group, per_metric in comparison.differences.items():
        for name, d in per_metric.items():
            table.add_row(
                group,
                name,
                _percent(comparison.a.metrics[group][name]),
                _percent(comparison.b.metrics[group][name]),
                f"{100 * d.difference:+.2f}",
                f"[{100 * d.ci95[0]:+.2f}, {100 * d.ci95[1]:+.2f}]",
                f"{d.p_value:.3f}",
            )
    console.print(table)
