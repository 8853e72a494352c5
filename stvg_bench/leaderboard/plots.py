"""The plots: a forest plot and best-score-by-year per board, and reported versus reproduced across boards.

SVGs are byte-stable (:mod:`stvg_bench.results.plotting`: a fixed hash salt,
no date in the metadata, text kept as text in one font family), with
matplotlib pinned in the ``leaderboard`` extra. Rendering is cached
(``<cache>/leaderboard/plots``) by the sha256 of what a plot shows, the
matplotlib version and the sha256 of the drawing code (this module and the
shared rendering module: a change to either is never served from a stale
entry), so a build with nothing changed does not import matplotlib at all.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from ..core import atomic, cache_lru
from ..core.cachedir import cache_root
from ..results import plotting

SCATTER_NAME = "plots/reported-vs-reproduced.svg"
PUBLISHED = ("fully", "weakly", "self", "zero-shot")
COLORS = ("#1f6feb", "#d1242f", "#1a7f37", "#8250df")


def forest_name(board: dict) -> str:
    return f"plots/{board['slug']}-forest.svg"


def by_year_name(board: dict) -> str:
    return f"plots/{board['slug']}-by-year.svg"


def _headline(board: dict, row: dict) -> tuple[str, str, float] | None:
    """The reported cell a row is ordered by: (group, metric, value)."""
    for group, metric in _reported_order(board):
        cell = row["reported"]["cells"].get(group, {}).get(metric)
        if cell is not None:
            return group, metric, cell["value"]
    return None


def _reported_order(board: dict) -> list[tuple[str, str]]:
    from .boards import BOARDS_BY_ID

    return list(BOARDS_BY_ID[board["id"]].reported_order)


def forest_data(board: dict) -> dict:
    """Re-scored rows (rank metric, CI per protocol) and reported rows (their headline printed cell), apart:
    the two are different metrics or evaluators and never share an axis."""
    scored, reported = [], []
    for row in board["rows"]:
        points = []
        for index, protocol in enumerate(board["protocols"]):
            score = row["scores"].get(protocol["name"], {}).get("metrics", {}).get("all", {}).get(
                protocol["rank_metric"])
            if score is not None:
                points.append([index, protocol["name"], score["value"], score["ci95"]])
        if points:
            scored.append({"label": row["method"], "points": points})
        headline = _headline(board, row)
        if headline is not None:
            reported.append({"label": row["method"], "value": headline[2], "cell": f"{headline[1]} ({headline[0]})"})
    metrics = sorted({p["rank_metric"] for p in board["protocols"] if p["rank_metric"]})
    group, metric = _reported_order(board)[0]
    return {"kind": "forest", "title": board["title"], "scored": scored, "reported": reported,
            "protocols": [p["name"] for p in board["protocols"]],
            "scored_label": f"re-scored {', '.join(metrics)} (all queries), %, 95% CI",
            "reported_label": f"printed {metric} ({group}; else the next printed cell), %"}


def by_year_data(board: dict) -> dict:
    points = []
    for row in board["rows"]:
        headline = _headline(board, row)
        if row["supervision"] in PUBLISHED and headline is not None:
            points.append([row["year"], headline[2], row["method"]])
    order = _reported_order(board)
    return {"kind": "by_year", "title": board["title"], "points": sorted(points),
            "ylabel": f"reported {order[0][1]} ({order[0][0]}), %"}


def scatter_data(doc: dict) -> dict:
    points = []
    for board in doc["boards"]:
        default = next((p["name"] for p in board["protocols"] if p["default"]), None)
        for row in board["rows"]:
            for comparison in row["comparisons"].get(default, []):
                points.append([comparison["reported"], comparison["reproduced"], comparison["ci95"],
                               f"{row['method']} {comparison['metric']}"])
    return {"kind": "scatter", "points": points}


def _draw_forest(figure, data: dict) -> None:
    panels = [(kind, rows) for kind, rows in (("scored", data["scored"]), ("reported", data["reported"])) if rows]
    if not panels:
        return
    axes_list = figure.subplots(len(panels), 1, squeeze=False,
                                gridspec_kw={"height_ratios": [len(rows) + 1 for _, rows in panels]})[:, 0]
    for axes, (kind, rows) in zip(axes_list, panels):
        for y, row in enumerate(rows):
            if kind == "reported":
                axes.plot([row["value"]], [y], marker="D", ms=4, mfc="none", mec="#57606a", ls="none")
                continue
            for index, name, value, ci in row["points"]:
                offset = (index - (len(data["protocols"]) - 1) / 2) * 0.22
                error = None if ci is None else [[value - ci[0]], [ci[1] - value]]
                axes.errorbar([value], [y + offset], xerr=error, fmt="o", ms=3.5, capsize=2, lw=1,
                              color=COLORS[index % len(COLORS)], label=name if y == 0 else None)
        axes.set_yticks(range(len(rows)), [r["label"] for r in rows])
        axes.set_ylim(len(rows) - 0.5, -0.5)
        axes.set_xlabel(data[f"{kind}_label"])
        if kind == "scored":
            axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(data["protocols"]), fontsize=7,
                        frameon=False)
    figure.suptitle(data["title"], fontsize=9)


def _draw_by_year(figure, data: dict) -> None:
    axes = figure.add_subplot()
    points = data["points"]
    if points:
        axes.plot([p[0] for p in points], [p[1] for p in points], "o", ms=3.5, color="#8c959f", label="reported")
        best, years, values = float("-inf"), [], []
        for year, value, _ in points:
            best = max(best, value)
            years.append(year)
            values.append(best)
        axes.step(years, values, where="post", color=COLORS[0], label="best so far")
        axes.legend(loc="best", fontsize=7)
        axes.xaxis.get_major_locator().set_params(integer=True)
    else:
        axes.text(0.5, 0.5, "no published method reports this board's headline cell", ha="center",
                  transform=axes.transAxes)
    axes.set_xlabel("year of the method's paper")
    axes.set_ylabel(data["ylabel"])
    axes.set_title(data["title"])


def _draw_scatter(figure, data: dict) -> None:
    axes = figure.add_subplot()
    points = data["points"]
    if points:
        for reported, reproduced, ci, _ in points:
            error = None if ci is None else [[reproduced - ci[0]], [ci[1] - reproduced]]
            axes.errorbar([reported], [reproduced], yerr=error, fmt="o", ms=3.5, color=COLORS[0], capsize=2)
        low = min(min(p[0], p[1]) for p in points)
        high = max(max(p[0], p[1]) for p in points)
        axes.plot([low, high], [low, high], ls="--", color="#8c959f", lw=1)
    else:
        axes.text(0.5, 0.5, "no entry has both a reported and a re-scored value yet", ha="center",
                  transform=axes.transAxes)
    axes.set_xlabel("reported (printed), %")
    axes.set_ylabel("re-scored under the default protocol, %")
    axes.set_title("Reported versus reproduced")


DRAW = {"forest": _draw_forest, "by_year": _draw_by_year, "scatter": _draw_scatter}


def _figure_size(data: dict) -> tuple[float, float]:
    if data["kind"] == "forest":
        return 7.5, 1.6 + 0.28 * (len(data["scored"]) + len(data["reported"]))
    return 6.0, 3.6


def svg(data: dict) -> bytes:
    """Draw ``data`` (a ``*_data`` dict) as a byte-stable SVG."""
    return plotting.render(lambda figure: DRAW[data["kind"]](figure, data), _figure_size(data))["svg"]


@cache
def _code_sha256() -> str:
    digest = hashlib.sha256()
    for source in (__file__, plotting.__file__):
        digest.update(hashlib.sha256(Path(source).read_bytes()).digest())
    return digest.hexdigest()


@cache
def _matplotlib_version() -> str:
    from importlib.metadata import version

    return version("matplotlib")


def cached_svg(data: dict) -> bytes:
    material = json.dumps({"data": data, "code": _code_sha256(), "matplotlib": _matplotlib_version()},
                          sort_keys=True)
    path = cache_root() / "leaderboard" / "plots" / f"{hashlib.sha256(material.encode()).hexdigest()}.svg"
    try:
        content = path.read_bytes()
        cache_lru.used(path)
        return content
    except OSError:
        pass  # not drawn yet, or removed by another process while read
    content = svg(data)
    try:
        atomic.write_bytes(path, content)
    except OSError:
        return content  # a read-only cache still renders
    cache_lru.stored(path)
    return content


def render(doc: dict) -> dict[str, bytes]:
    """Every plot of the document: ``{path under site/: SVG bytes}``."""
    out = {SCATTER_NAME: cached_svg(scatter_data(doc))}
    for board in doc["boards"]:
        out[forest_name(board)] = cached_svg(forest_data(board))
        out[by_year_name(board)] = cached_svg(by_year_data(board))
    return out
