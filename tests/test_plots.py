"""``score --plot``: the files written, the plotted numbers against the metrics, determinism, no matplotlib."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import load_predictions, write_predictions
from stvg_bench.metrics.video_map import class_mean_curve
from stvg_bench.protocols import get_protocol
from stvg_bench.results.plots import PLOTS, fraction_passing, plot_data, write_plots
from stvg_bench.tasks.base import Evaluator

from .conftest import REPO
from .gyt_helpers import load_gyt, write_document, write_gyt

PRIOR = REPO / "leaderboards" / "submissions" / "vidstg" / "temporal-prior-val" / "predictions.json.gz"

TUBE_FILES = [f"{name}.{suffix}" for name in ("tiou-at-r", "viou-at-r", "query-types", "tiou-histogram",
                                                "viou-histogram") for suffix in ("svg", "png")]


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


@pytest.fixture(scope="module")
def noisy(synthetic):
    return Evaluator(synthetic, "dense").score(make_predictions(synthetic.gt, "noisy", seed=1))


# --- tube grounding ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written_twice(noisy, tmp_path_factory):
    """The noisy result's plots, written twice into fresh directories (parents created)."""
    root = tmp_path_factory.mktemp("plots")
    return root / "new" / "1", write_plots(noisy, root / "new" / "1"), write_plots(noisy, root / "2")


def test_tube_plots_written_with_pinned_names(written_twice):
    directory, written, _ = written_twice
    assert [p.name for p in written] == TUBE_FILES
    assert sorted(p.name for p in directory.iterdir()) == sorted(TUBE_FILES)  # no temporary file left
    assert all(p.read_bytes().startswith(b"<?xml") for p in written if p.suffix == ".svg")
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written if p.suffix == ".png")
    svg = (directory / "viou-at-r.svg").read_text()
    assert "synthetic test · tube-grounding · protocol dense v1 · synthetic-noisy" in svg  # text kept as text


def test_two_runs_write_identical_bytes(written_twice):
    _, first, second = written_twice
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert all(b"<dc:date>" not in p.read_bytes() for p in first if p.suffix == ".svg")  # no date


@pytest.mark.parametrize("rule", ["greater", "greater_equal"])
def test_viou_at_r_curve_passes_through_the_reported_values(synthetic, rule):
    """Every group's curve at each reported threshold R equals the reported vIoU@R exactly, under either
    threshold rule; the thresholds include one sample's own vIoU, where the two rules differ."""
    predictions = make_predictions(synthetic.gt, "noisy", seed=1)
    v_iou = Evaluator(synthetic, "dense").score(predictions, ci=False).per_sample["vIoU"]
    tied = float(np.sort(v_iou)[len(v_iou) // 2])  # a value some sample has exactly
    protocol = dataclasses.replace(get_protocol("dense", "tubes"), threshold_rule=rule)
    result = Evaluator(synthetic, protocol, thresholds=(0.3, tied, 0.5)).score(predictions, ci=False)
    data = plot_data(result)["viou-at-r"]
    assert data["rule"] == rule
    assert [g.split(" (")[0] for g in data["groups"]] == ["all", "declarative", "interrogative"]
    for group, y, reported in zip(result.group_sizes, data["y"], data["reported"]):
        assert [r for r, _ in reported] == [0.3, tied, 0.5]
        for r in (0.3, tied, 0.5):
            assert y[data["x"] == r] == [result.metrics[group][f"vIoU@{r:g}"]]
    strict = np.mean(v_iou > tied)
    assert result.metrics["all"][f"vIoU@{tied:g}"] == (strict if rule == "greater" else np.mean(v_iou >= tied))
    assert np.mean(v_iou >= tied) > strict


def test_curves_share_of_samples_and_area(noisy):
    """tIoU@R / vIoU@R count the samples passing R by the protocol's rule (vIoU > R under dense); the
    area under a curve is the group's mean (∫₀¹ P(v > R) dR = E[v]), up to the 0.005-wide grid."""
    data = plot_data(noisy)
    for name, column in (("tiou-at-r", "tIoU"), ("viou-at-r", "vIoU")):
        curves = data[name]
        x = curves["x"]
        assert x[0] == 0.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0) and 0.3 in x and 0.5 in x
        values = noisy.per_sample[column]
        assert np.array_equal(curves["y"][0], [np.mean(values > r) for r in x])
        for group, y in zip(noisy.group_sizes, curves["y"]):
            area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
            assert area == pytest.approx(noisy.metrics[group][f"m_{column}"], abs=0.005)
            assert np.all(np.diff(y) <= 0)  # a share of samples passing a higher bar never grows
    # Oracle: vIoU = 1 everywhere, so at R = 1 the strict rule counts nobody and >= everybody.
    assert fraction_passing(np.ones(3), np.array([1.0]), "greater").tolist() == [0.0]
    assert fraction_passing(np.ones(3), np.array([1.0]), "greater_equal").tolist() == [1.0]


def test_query_type_bars_and_histograms_equal_the_metrics(noisy):
    data = plot_data(noisy)
    bars = data["query-types"]
    assert bars["metrics"] == ["m_tIoU", "m_vIoU", "vIoU@0.3", "vIoU@0.5", "m_gt_vIoU"]
    assert bars["groups"] == ["all (200)", "declarative (99)", "interrogative (101)"]
    for g, group in enumerate(noisy.group_sizes):
        for m, metric in enumerate(bars["metrics"]):
            assert bars["values"][g, m] == noisy.metrics[group][metric]
            assert tuple(bars["ci95"][g, m]) == noisy.ci95[group][metric]
    for name, column, metric in (("tiou-histogram", "tIoU", "m_tIoU"), ("viou-histogram", "vIoU", "m_vIoU")):
        histogram = data[name]
        assert histogram["counts"].sum() == noisy.n_samples and len(histogram["counts"]) == 20
        assert histogram["mean"] == noisy.metrics["all"][metric]
        assert histogram["mean"] == pytest.approx(np.mean(noisy.per_sample[column]), abs=1e-12)


def test_no_ci_no_error_bars(synthetic):
    result = Evaluator(synthetic, "dense").score(make_predictions(synthetic.gt, "good"), ci=False)
    assert plot_data(result)["query-types"]["ci95"] is None


def test_temporal_only_ground_truth_has_no_viou_plots(shared_data, tmp_path):
    """VidSTG's official sentences without VidOR boxes (the leaderboard's temporal-prior row): only the
    tIoU plots and the m_tIoU bars."""
    dataset = load_dataset("vidstg", "test", shared_data / "vidstg" / "test_annotations.json")
    result = Evaluator(dataset).score(load_predictions(PRIOR, dataset), ci=False)
    written = write_plots(result, tmp_path / "plots")
    assert [p.name for p in written] == [f"{n}.{s}" for n in ("tiou-at-r", "query-types", "tiou-histogram")
                                         for s in ("svg", "png")]
    assert plot_data(result)["query-types"]["metrics"] == ["m_tIoU"]


# --- action tasks ------------------------------------------------------------------------------------------

S = [100, 100, 200, 200]  # a GT box
FAR = [400, 300, 500, 400]  # a box disjoint from it


@pytest.fixture(scope="module")
def small_gyt(tmp_path_factory):
    """Video a: cut [0, 1] and stir [3, 4], background second 2; video b: cut [0, 1]. Every GT box is S."""
    directory = tmp_path_factory.mktemp("gyt")
    write_gyt(directory, {
        "a": {"segments": [("cut", 0, 1), ("stir", 3, 4)],
              "boxes": {0: (S, "cut"), 1: (S, "cut"), 3: (S, "stir"), 4: (S, "stir")}},
        "b": {"segments": [("cut", 0, 1)], "boxes": {0: (S, "cut"), 1: (S, "cut")}},
    })
    return load_gyt(directory)


def tube(step, score, box):
    return {"step": step, "score": score, "boxes": {"0" if step == "cut" else "3": box,
                                                     "1" if step == "cut" else "4": box}}


def test_video_map_precision_recall_hand_worked(small_gyt, tmp_path):
    """cut (2 instances): a 0.9 exact (TP), b 0.8 far (FP), b 0.7 exact (TP): precision 1, 1/2, 2/3, recall
    1/2, 1/2, 1, envelope 1, 2/3, 2/3; AP = 1/2 * 1 + 1/2 * 2/3 = 5/6. stir (1 instance): a 0.6 exact, AP 1.
    mAP = (5/6 + 1) / 2 = 11/12 at every threshold (IoUs are 1 or 0). The class-mean interpolated
    precision: cut 1 on (0, 1/2], 2/3 on (1/2, 1]; stir 1 on (0, 1] -> 1, then 5/6; area 11/12."""
    predictions = {"a": {"seconds": {}, "tubes": [tube("cut", 0.9, S), tube("stir", 0.6, S)]},
                   "b": {"seconds": {}, "tubes": [tube("cut", 0.8, FAR), tube("cut", 0.7, S)]}}
    path = write_document(tmp_path / "st.json", "spatio-temporal", predictions)
    result = Evaluator(small_gyt, task="spatio-temporal").score(load_predictions(path, small_gyt), ci=False)
    assert result.metrics["all"]["video_mAP"] == pytest.approx(11 / 12, abs=1e-15)
    assert len(result.precision_recall) == 5
    cut, stir = small_gyt.gt.steps.index("cut"), small_gyt.gt.steps.index("stir")
    for curve in result.precision_recall:
        assert curve.mean_ap == result.metrics["all"][f"video_mAP@{curve.threshold:g}"]
        rows = curve.class_of == cut
        assert curve.true_positive[rows].tolist() == [True, False, True]
        assert curve.precision[rows] == pytest.approx([1, 1 / 2, 2 / 3])
        assert curve.recall[rows] == pytest.approx([1 / 2, 1 / 2, 1])
        assert curve.envelope[rows] == pytest.approx([1, 2 / 3, 2 / 3])
        assert curve.ap[cut] == pytest.approx(5 / 6) and curve.ap[stir] == 1.0
        edges, values = class_mean_curve(curve)
        assert edges.tolist() == [0.0, 0.5, 1.0] and values == pytest.approx([1, 5 / 6])
    data = plot_data(result)
    assert list(data) == ["per-step", "video-map-pr"]
    assert [c["threshold"] for c in data["video-map-pr"]["curves"]] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert [c["reported"] for c in data["video-map-pr"]["curves"]] == [curve.mean_ap for curve in
                                                                       result.precision_recall]


def test_temporal_per_step_hand_worked(small_gyt, tmp_path):
    """a predicts 0 cut, 1 stir, 2 background, 3-4 stir; b predicts nothing (all background).
    cut: a TP 1 FP 0 FN 1 -> IoD 1, Jaccard 1/2; b P empty -> IoD undefined, Jaccard 0: mean IoD 1 (a only),
    Jaccard 1/4 over 2 videos. stir: a P {1, 3, 4}, G {3, 4} -> IoD 2/3, Jaccard 2/3. background: a only
    (b has no background second): G = P = {2} -> 1, 1."""
    labels = {"a": {"0": "cut", "1": "stir", "2": "background", "3": "stir", "4": "stir"}, "b": {}}
    path = write_document(tmp_path / "t.json", "temporal", labels)
    result = Evaluator(small_gyt, task="temporal").score(load_predictions(path, small_gyt), ci=False)
    table = result.per_step
    assert [c.name for c in result.per_step_columns] == list(table) == ["step", "videos", "IoD", "Jaccard"]
    assert table["step"].tolist() == ["background", "cut", "stir"]
    assert table["videos"].tolist() == [1, 2, 1]
    assert table["IoD"] == pytest.approx([1, 1, 2 / 3])
    assert table["Jaccard"] == pytest.approx([1, 1 / 4, 2 / 3])
    data = plot_data(result)["per-step"]
    assert data["steps"] == ["background", "cut", "stir"]  # by IoD (1, 1, 2/3), ties by name
    assert data["counts"] == [1, 2, 1]
    assert [label for label, _ in data["series"]] == ["IoD", "Jaccard"]


def test_per_step_ordering_sorts_the_most_frequent_by_value(small_gyt, tmp_path):
    """Top N by count (ties by name), then highest first: with N = 2, cut (2 videos) and, of background and
    stir (1 video each), background by name; sorted by IoD: background 1, cut 1 (a tie: by name)."""
    labels = {"a": {"0": "cut", "1": "stir", "2": "background", "3": "stir", "4": "stir"}, "b": {}}
    path = write_document(tmp_path / "t.json", "temporal", labels)
    result = Evaluator(small_gyt, task="temporal").score(load_predictions(path, small_gyt), ci=False)
    from stvg_bench.results.plots import per_step_data

    assert per_step_data(result, top=2)["steps"] == ["background", "cut"]


@pytest.fixture(scope="module")
def gyt(shared_data):
    return load_dataset("groundingyoutube", "test", shared_data / "groundingyoutube")


def test_real_groundingyoutube_spatial_per_step(gyt, tmp_path):
    """Jittered GT boxes on all 17,298 queries: summed per-step hits / scored is the pooled pointing accuracy;
    the mean of the per-step IoU accuracies is the class-mean IoU accuracy."""
    rng = np.random.default_rng(0)
    queries = gyt.gt.queries
    predictions = {}
    for g, v, s, b in zip(queries.group.tolist(), queries.video.tolist(), queries.second.tolist(),
                          queries.gt_xyxy.tolist()):
        shift = rng.normal(0, 60, 2)
        size = [int(gyt.gt.frame_width[v]), int(gyt.gt.frame_height[v])] * 2
        box = [float(np.clip(c + shift[k % 2], 0, size[k])) for k, c in enumerate(b)]  # centre inside the frame
        predictions.setdefault(str(queries.group_names[g]), {})[str(s)] = {"box": box}
    path = write_document(tmp_path / "spatial.json", "spatial", predictions)
    result = Evaluator(gyt, task="spatial").score(load_predictions(path, gyt), ci=False)
    table, metrics = result.per_step, result.metrics["all"]
    assert table["queries"].sum() == len(queries.group) == table["scored"].sum()
    assert table["hits"].sum() / table["scored"].sum() == pytest.approx(metrics["pointing_accuracy"], abs=1e-12)
    per_class = table["iou_correct"] / table["scored"]
    assert per_class.mean() == pytest.approx(metrics["iou0.3_class_mean_accuracy"], abs=1e-12)
    data = plot_data(result)
    assert list(data) == ["per-step", "per-video-accuracy"]
    steps = data["per-step"]
    assert len(steps["steps"]) == 30 and steps["counts"][0] >= min(steps["counts"])
    assert min(steps["counts"]) >= sorted(table["queries"].tolist())[-30]  # the 30 with the most queries
    assert [label for label, _ in steps["series"]] == ["pointing accuracy", "IoU accuracy"]
    accuracy = steps["series"][0][1]
    assert np.all(np.diff(accuracy) <= 0)
    assert data["per-video-accuracy"]["counts"].sum() == 250


def test_real_groundingyoutube_pr_curves_equal_video_map(gyt, tmp_path):
    """One jittered tube per GT instance and one distractor, random scores: each threshold's mean AP from the
    precision-recall data equals the reported video mAP exactly, and the area under the plotted curve equals
    it up to rounding."""
    rng = np.random.default_rng(1)
    gt = gyt.gt
    instances, _ = gt.instances()
    predictions = {str(v): {"seconds": {}, "tubes": []} for v in gt.video_ids}
    for k in range(len(instances)):
        rows = instances.box_tube == k
        video = str(gt.video_ids[instances.video[k]])
        boxes = instances.box_xyxy[rows] + rng.normal(0, 25, (int(rows.sum()), 4))
        seconds = list(map(str, instances.box_second[rows].tolist()))
        predictions[video]["tubes"].append({"step": gt.steps[instances.step[k]], "score": float(rng.random()),
                                            "boxes": dict(zip(seconds, boxes.tolist()))})
        predictions[video]["tubes"].append({"step": str(rng.choice(gt.steps[1:])), "score": float(rng.random()),
                                            "boxes": dict(zip(seconds, (boxes + 150).tolist()))})
    path = write_document(tmp_path / "st.json", "spatio-temporal", predictions)
    result = Evaluator(gyt, task="spatio-temporal").score(load_predictions(path, gyt), ci=False)
    metrics = result.metrics["all"]
    assert [c.threshold for c in result.precision_recall] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert len({round(metrics[f"video_mAP@{t:g}"], 6) for t in (0.1, 0.3, 0.5)}) == 3  # the thresholds matter
    for curve in result.precision_recall:
        assert curve.mean_ap == metrics[f"video_mAP@{curve.threshold:g}"]
        edges, values = class_mean_curve(curve)
        assert float(np.sum(np.diff(edges) * values)) == pytest.approx(curve.mean_ap, abs=1e-12)
        assert np.all(np.diff(values) <= 1e-12)  # interpolated precision never rises with recall
    written = write_plots(result, tmp_path / "plots")
    assert [p.name for p in written] == ["per-step.svg", "per-step.png", "video-map-pr.svg", "video-map-pr.png"]


# --- registry, determinism, missing matplotlib -------------------------------------------------------------


def test_every_registered_task_has_plots():
    from stvg_bench.registries import TASKS

    assert sorted(PLOTS) == sorted(TASKS.names())


def test_cli_plot_and_missing_matplotlib(run_cli, synthetic, tmp_path, monkeypatch):
    path = tmp_path / "good.json"
    write_predictions(make_predictions(synthetic.gt, "good", seed=1), path, "stvg-bench", synthetic)
    code, _, stderr = run_cli("score", path, "--dataset", "synthetic", "--no-ci", "--plot", tmp_path / "plots")
    assert code == 0 and stderr == ""
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(TUBE_FILES)

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, _, stderr = run_cli("score", path, "--dataset", "synthetic", "--no-ci", "--plot", tmp_path / "other")
    assert code == 2
    assert stderr == "stvg-bench: error: --plot needs matplotlib: pip install 'stvg-bench[plot]'\n"
    assert not (tmp_path / "other").exists()


def test_plot_directory_that_is_a_file_is_refused(noisy, tmp_path):
    from stvg_bench.core.errors import OptionError

    (tmp_path / "file").write_text("")
    with pytest.raises(OptionError, match="is a file, not a directory"):
        write_plots(noisy, tmp_path / "file")


def test_youcook2_interactions_has_no_step_classes(shared_data, tmp_path):
    """No step classes: no per-step table, only the per-video accuracy histogram."""
    yc2 = load_dataset("youcook2-interactions", "val", shared_data / "youcook2_interactions")
    queries = yc2.gt.queries
    points = {}
    for g, s, b in zip(queries.group.tolist(), queries.second.tolist(), queries.gt_xyxy.tolist()):
        points.setdefault(str(queries.group_names[g]), {})[str(s)] = {"point": [(b[0] + b[2]) / 2, b[1]]}
    path = write_document(tmp_path / "yc2.json", "spatial", points, dataset="youcook2-interactions", split="val")
    result = Evaluator(yc2, task="spatial").score(load_predictions(path, yc2), ci=False)
    assert result.per_step == {} and result.per_step_columns == ()
    assert list(plot_data(result)) == ["per-video-accuracy"]
    assert plot_data(result)["per-video-accuracy"]["mean"] == result.metrics["all"]["pointing_accuracy"]
