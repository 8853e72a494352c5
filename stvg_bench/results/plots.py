"""``score --plot DIR``: the figures of one result, each drawn from a pure data function.

A :class:`Plot` is a file name, a data function (a :class:`~stvg_bench.results.result.ScoreResult` to a
dict of plain values and arrays, or None when the result has nothing to show) and a drawing function;
:data:`PLOTS` lists them per task (registry name). The data functions only read the result, and the tests
hold them to the metrics (the vIoU@R curve passes through the reported vIoU@R; the area under the
precision–recall curve of a threshold is the reported video mAP), so a figure never shows a number the
scorer did not compute.

* tube grounding: ``tiou-at-r``, ``viou-at-r`` (the share of samples whose tIoU / vIoU passes R, for R in
  [0, 1], by the protocol's ``threshold_rule``, one curve per query type), ``query-types`` (every metric
  per query type, with the 95% intervals when the result has them), ``tiou-histogram``,
  ``viou-histogram``; the vIoU plots are left out on temporal-only ground truth;
* ``action-spatial``: ``per-step`` (pointing and IoU accuracy of the 30 step classes with the most
  queries; GroundingYouTube) and ``per-video-accuracy`` (histogram of the videos' pointing accuracy);
* ``action-temporal``: ``per-step`` (IoD and Jaccard of the 30 step classes in the most videos);
* ``action-spatio-temporal``: ``per-step`` (IoU+Pointing) and, with tubes, ``video-map-pr`` (one
  precision–recall curve per threshold: the interpolated precision averaged over the step classes, whose
  area is that threshold's video mAP).

Each plot is written as ``<name>.svg`` (byte-stable) and ``<name>.png`` (150 dpi, for embedding),
atomically (:mod:`stvg_bench.core.atomic`); matplotlib is imported only to draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.errors import OptionError, quote
from ..metrics.video_map import class_mean_curve
from ..protocols.base import passes
from . import plotting
from .result import ScoreResult

FORMATS = ("svg", "png")
TOP_STEPS = 30
HISTOGRAM_BINS = 20
R_GRID = np.arange(201) / 200  # 0, 0.005, ..., 1 (i / 200 is the float nearest each of them)


# --- data: pure functions of a result ----------------------------------------------------------------------


def method_name(result: ScoreResult) -> str:
    """The method's ``name`` from the prediction file, else the file's name."""
    name = result.method.get("name")
    if isinstance(name, str) and name:
        return name
    path = result.inputs.get("predictions", {}).get("path")
    return Path(path).name if path else "unnamed method"


def context(result: ScoreResult) -> str:
    """What a figure is of: dataset, split, task, protocol and method."""
    protocol = result.protocol
    return (f"{result.dataset} {result.split} · {result.task} · protocol {protocol.name} v{protocol.version} · "
            f"{method_name(result)}")


def fraction_passing(values: np.ndarray, thresholds: np.ndarray, rule: str) -> np.ndarray:
    """For each threshold R, the fraction of ``values`` passing R by ``rule`` (``"greater"``: value > R)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return np.full(len(thresholds), np.nan)
    return passes(values[None, :], np.asarray(thresholds)[:, None], rule).mean(axis=1)


def _group_masks(result: ScoreResult) -> dict[str, np.ndarray]:
    """The samples of each group of the result (``all``, then its query types), in the result's order."""
    query_type = np.asarray(result.per_sample["query_type"])
    return {group: np.ones(len(query_type), bool) if group == "all" else query_type == group
            for group in result.group_sizes}


def _has_values(result: ScoreResult, column: str) -> bool:
    values = np.asarray(result.per_sample[column], dtype=np.float64)
    return len(values) > 0 and not np.isnan(values).all()


def _rule_symbol(rule: str) -> str:
    return ">" if rule == "greater" else "≥"


def at_r_data(result: ScoreResult, column: str) -> dict | None:
    """``column``@R curves (``tIoU`` or ``vIoU``) over R in [0, 1] and the protocol's thresholds, per group.

    ``y[g][i]`` is the fraction of group g's samples whose ``column`` passes ``x[i]`` by the protocol's
    ``threshold_rule``; for vIoU, ``reported[g]`` lists ``(R, vIoU@R)`` as the result reports them. The
    area under a curve is the group's mean (m_tIoU, m_vIoU: ∫₀¹ P(value > R) dR = E[value] for values in
    [0, 1]), which the legend shows.
    """
    if not _has_values(result, column):
        return None
    rule = result.protocol.threshold_rule
    thresholds = tuple(result.options.get("thresholds", ()))
    x = np.unique(np.r_[R_GRID, thresholds])
    values = np.asarray(result.per_sample[column], dtype=np.float64)
    groups, y, reported = [], [], []
    for group, mask in _group_masks(result).items():
        mean = result.metrics[group].get(f"m_{column}")
        groups.append(f"{group} ({int(mask.sum())})" + ("" if mean is None else f", m_{column} {mean:.2%}"))
        y.append(fraction_passing(values[mask], x, rule))
        reported.append([(r, result.metrics[group][f"vIoU@{r:g}"]) for r in thresholds
                         if column == "vIoU" and f"vIoU@{r:g}" in result.metrics[group]])
    symbol = _rule_symbol(rule)
    return {"title": f"{column}@R: share of samples with {column} {symbol} R\n{context(result)}",
            "x": x, "y": y, "groups": groups, "reported": reported, "rule": rule,
            "xlabel": f"R ({column} threshold)", "ylabel": f"samples with {column} {symbol} R (%)"}


def query_type_data(result: ScoreResult) -> dict:
    """Every metric of every group (all, then each query type), with the 95% interval where there is one."""
    groups = list(result.group_sizes)
    metrics = [f.name for f in result.fields if all(f.name in result.metrics[g] for g in groups)]
    values = np.array([[result.metrics[g][m] for m in metrics] for g in groups])
    ci = None
    if result.ci95 is not None:
        ci = np.array([[result.ci95[g].get(m, (np.nan, np.nan)) for m in metrics] for g in groups])
    return {"title": f"Metrics per query type\n{context(result)}", "metrics": metrics,
            "groups": [f"{g} ({result.group_sizes[g]})" for g in groups], "values": values, "ci95": ci}


def histogram_data(result: ScoreResult, column: str, metric: str) -> dict | None:
    """Histogram of the samples' ``column`` in [0, 1] (``HISTOGRAM_BINS`` equal bins, the last closed) and the
    reported mean ``metric`` of all samples."""
    if not _has_values(result, column):
        return None
    values = np.asarray(result.per_sample[column], dtype=np.float64)
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    return {"title": f"{column} of the {len(values)} samples\n{context(result)}", "edges": edges,
            "counts": counts, "mean": result.metrics["all"][metric], "mean_label": metric,
            "xlabel": f"{column} (0–1)", "ylabel": "samples"}


@dataclass(frozen=True)
class StepSeries:
    """How a task's per-step table becomes bars: the column that orders rows by size, and the bar series."""

    count: str
    count_label: str
    series: tuple[tuple[str, Callable[[dict], np.ndarray]], ...]


def _ratio(table: dict, top: str, bottom: str) -> np.ndarray:
    numerator = np.asarray(table[top], dtype=np.float64)
    denominator = np.asarray(table[bottom], dtype=np.float64)
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


STEP_SERIES = {
    "action-spatial": StepSeries("queries", "queries", (
        ("pointing accuracy", partial(_ratio, top="hits", bottom="scored")),
        ("IoU accuracy", partial(_ratio, top="iou_correct", bottom="scored")),
    )),
    "action-temporal": StepSeries("videos", "videos", (
        ("IoD", lambda table: np.asarray(table["IoD"], dtype=np.float64)),
        ("Jaccard", lambda table: np.asarray(table["Jaccard"], dtype=np.float64)),
    )),
    "action-spatio-temporal": StepSeries("videos", "videos", (
        ("IoU+Pointing", lambda table: np.asarray(table["IoU+Pointing"], dtype=np.float64)),
    )),
}


def per_step_data(result: ScoreResult, top: int = TOP_STEPS) -> dict | None:
    """The ``top`` step classes with the most queries (videos), ties by name, sorted by the first series
    (highest first, undefined last); series undefined for every step are left out."""
    table = result.per_step
    spec = STEP_SERIES.get(result.task)
    if not table or spec is None:
        return None
    steps = np.asarray(table["step"], dtype=object)
    counts = np.asarray(table[spec.count], dtype=np.int64)
    series = [(label, values(table)) for label, values in spec.series]
    series = [(label, v) for label, v in series if not np.isnan(v).all()]
    chosen = sorted(range(len(steps)), key=lambda i: (-counts[i], steps[i]))[:top]
    first = series[0][1]
    chosen.sort(key=lambda i: (np.isnan(first[i]), -np.nan_to_num(first[i]), steps[i]))
    return {"title": f"Per step: the {len(chosen)} of {len(steps)} steps with the most {spec.count_label}\n"
                     f"{context(result)}",
            "steps": [str(steps[i]) for i in chosen], "counts": counts[chosen].tolist(),
            "count_label": spec.count_label, "series": [(label, v[chosen]) for label, v in series]}


def per_video_accuracy_data(result: ScoreResult) -> dict | None:
    """Histogram of the videos' pointing accuracy (hits / scored queries; videos without one left out) and
    the reported pooled accuracy."""
    rows = result.per_sample  # one row per query
    _, video = np.unique(np.asarray(rows["video_id"]), return_inverse=True)
    scored = np.asarray(rows["scored"], dtype=bool)
    per_video = {"hits": np.bincount(video, weights=np.asarray(rows["hit"], dtype=bool) & scored),
                 "scored": np.bincount(video, weights=scored)}
    accuracy = _ratio(per_video, "hits", "scored")
    accuracy = accuracy[~np.isnan(accuracy)]
    if not len(accuracy):
        return None
    counts, edges = np.histogram(accuracy, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    return {"title": f"Pointing accuracy of the {len(accuracy)} videos with a scored query\n{context(result)}",
            "edges": edges, "counts": counts, "mean": result.metrics["all"]["pointing_accuracy"],
            "mean_label": "pointing_accuracy (pooled)", "xlabel": "the video's pointing accuracy (0–1)",
            "ylabel": "videos"}


def precision_recall_data(result: ScoreResult) -> dict | None:
    """Per video-mAP threshold θ: the class-mean interpolated precision as a step function of recall
    (:func:`~stvg_bench.metrics.video_map.class_mean_curve`; area = video_mAP@θ) and the reported mAP."""
    if not result.precision_recall:
        return None
    curves = []
    for curve in result.precision_recall:
        edges, values = class_mean_curve(curve)
        curves.append({"threshold": curve.threshold, "edges": edges, "values": values,
                       "reported": result.metrics["all"][f"video_mAP@{curve.threshold:g}"]})
    protocol = result.protocol
    rule = _rule_symbol(protocol.map_rule)
    return {"title": f"Video mAP: precision–recall per threshold θ ({protocol.tube_iou} tube IoU {rule} θ)\n"
                     f"{context(result)}", "curves": curves}


# --- drawing -----------------------------------------------------------------------------------------------


def _axes(figure):
    axes = figure.add_subplot()
    axes.set_axisbelow(True)  # grid lines behind bars
    return axes


def _draw_at_r(figure, data: dict) -> None:
    axes = _axes(figure)
    for index, (group, y, reported) in enumerate(zip(data["groups"], data["y"], data["reported"])):
        color = f"C{index}"
        axes.plot(data["x"], y * 100, color=color, lw=1.6 if index == 0 else 1.0, zorder=3 if index == 0 else 2,
                  label=group)
        for r, value in reported:
            axes.plot([r], [value * 100], "o", ms=4, color=color)
            if index == 0:
                axes.annotate(f"{value:.2%} at {r:g}", (r, value * 100), xytext=(6, 4), textcoords="offset points",
                              fontsize=7)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 100)
    axes.set_xlabel(data["xlabel"])
    axes.set_ylabel(data["ylabel"])
    axes.set_title(data["title"])
    axes.legend(loc="upper right", fontsize=7)


def _draw_bars(figure, data: dict) -> None:
    axes = _axes(figure)
    metrics, groups = data["metrics"], data["groups"]
    width = 0.8 / len(groups)
    x = np.arange(len(metrics))
    for index, group in enumerate(groups):
        values = data["values"][index] * 100
        error = None
        if data["ci95"] is not None:
            lo, hi = data["ci95"][index, :, 0] * 100, data["ci95"][index, :, 1] * 100
            error = np.nan_to_num(np.stack([values - lo, hi - values]))
        axes.bar(x + (index - (len(groups) - 1) / 2) * width, values, width, yerr=error, capsize=2,
                 color=f"C{index}", label=group, error_kw={"lw": 0.8})
    axes.set_xticks(x, metrics)
    axes.set_ylim(0, 100)
    axes.set_ylabel("value (%)" + (", 95% bootstrap CI" if data["ci95"] is not None else ""))
    axes.set_title(data["title"])
    axes.legend(loc="upper right", fontsize=7)


def _draw_histogram(figure, data: dict) -> None:
    axes = _axes(figure)
    edges = data["edges"]
    axes.bar(edges[:-1], data["counts"], np.diff(edges), align="edge", color="C0", edgecolor="white", lw=0.5)
    axes.axvline(data["mean"], color="C3", ls="--", lw=1, label=f"{data['mean_label']} = {data['mean']:.2%}")
    axes.set_xlim(0, 1)
    axes.set_xlabel(data["xlabel"])
    axes.set_ylabel(data["ylabel"])
    axes.set_title(data["title"])
    axes.legend(loc="upper right", fontsize=7)


def _draw_per_step(figure, data: dict) -> None:
    axes = _axes(figure)
    rows = np.arange(len(data["steps"]))
    height = 0.8 / len(data["series"])
    for index, (label, values) in enumerate(data["series"]):
        offset = (index - (len(data["series"]) - 1) / 2) * height
        axes.barh(rows + offset, np.nan_to_num(values) * 100, height, color=f"C{index}", label=label)
    axes.set_yticks(rows, [f"{step} ({count})" for step, count in zip(data["steps"], data["counts"])], fontsize=7)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"% (in parentheses: {data['count_label']})")
    axes.set_title(data["title"])
    figure.legend(loc="outside lower center", ncols=len(data["series"]), fontsize=7, frameon=False)


def _draw_precision_recall(figure, data: dict) -> None:
    axes = _axes(figure)
    for index, curve in enumerate(data["curves"]):
        axes.stairs(curve["values"] * 100, curve["edges"] * 100, color=f"C{index}", lw=1.2,
                    label=f"θ = {curve['threshold']:g}: mAP {curve['reported']:.2%}")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 102)
    axes.set_xlabel("recall (%)")
    axes.set_ylabel("interpolated precision (%), mean over step classes")
    axes.set_title(data["title"])
    axes.legend(loc="upper right", fontsize=7)


# --- the registry ------------------------------------------------------------------------------------------


def _standard_size(data: dict) -> tuple[float, float]:
    return 6.4, 4.0


def _per_step_size(data: dict) -> tuple[float, float]:
    return 7.0, 1.6 + 0.14 * len(data["steps"]) * (1 + 0.5 * (len(data["series"]) - 1))


@dataclass(frozen=True)
class Plot:
    """One figure: its file name (without suffix), its data function and how it is drawn."""

    name: str
    data: Callable[[ScoreResult], dict | None]
    draw: Callable[[object, dict], None]
    size: Callable[[dict], tuple[float, float]] = _standard_size


TUBE_PLOTS = (
    Plot("tiou-at-r", partial(at_r_data, column="tIoU"), _draw_at_r),
    Plot("viou-at-r", partial(at_r_data, column="vIoU"), _draw_at_r),
    Plot("query-types", query_type_data, _draw_bars),
    Plot("tiou-histogram", partial(histogram_data, column="tIoU", metric="m_tIoU"), _draw_histogram),
    Plot("viou-histogram", partial(histogram_data, column="vIoU", metric="m_vIoU"), _draw_histogram),
)
PER_STEP = Plot("per-step", per_step_data, _draw_per_step, _per_step_size)
PLOTS: dict[str, tuple[Plot, ...]] = {
    "tube-grounding": TUBE_PLOTS,
    "action-spatial": (PER_STEP, Plot("per-video-accuracy", per_video_accuracy_data, _draw_histogram)),
    "action-temporal": (PER_STEP,),
    "action-spatio-temporal": (PER_STEP, Plot("video-map-pr", precision_recall_data, _draw_precision_recall)),
}


def plot_data(result: ScoreResult) -> dict[str, dict]:
    """``{plot name: data}`` for every plot of the result's task that has something to show."""
    out = {}
    for plot in PLOTS.get(result.task, ()):
        data = plot.data(result)
        if data is not None:
            out[plot.name] = data
    return out


def write_plots(result: ScoreResult, directory: str | Path) -> list[Path]:
    """Write every plot of ``result`` into ``directory`` (created if missing) as SVG and PNG; the paths.

    Raises :class:`~stvg_bench.core.errors.OptionError` when matplotlib is not installed (the ``plot``
    extra) or ``directory`` is an existing file.
    """
    plotting.require_matplotlib("--plot", "plot")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OptionError(f"--plot {quote(str(directory))} is a file, not a directory")
    plots = {plot.name: plot for plot in PLOTS.get(result.task, ())}
    written = []
    for name, data in plot_data(result).items():
        plot = plots[name]
        files = plotting.render(partial(plot.draw, data=data), plot.size(data), FORMATS)
        for fmt, content in files.items():
            path = directory / f"{name}.{fmt}"
            atomic.write_bytes(path, content)
            written.append(path)
    return written
