"""What a researcher inspects (per-query and per-frame tables, comparisons) and the output-path checks that run
before any work (issue 8, items 2 and 6)."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import write_predictions
from stvg_bench.protocols.tubes import DENSE
from stvg_bench.results.report import p_value_text
from stvg_bench.statistics import mean_statistic, ratio_statistic, restricted
from stvg_bench.tasks.base import Evaluator

from .helpers import preds
from .test_metrics_handworked import SQUARE, one_sample


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


def subset(predictions, keep_samples):
    """The predictions of the samples in ``keep_samples`` only."""
    keep = np.isin(predictions.segment_sample_id, keep_samples)
    keep_boxes = np.isin(predictions.box_sample_id, keep_samples)
    segments = np.stack([predictions.segment_start_frame, predictions.segment_end_frame], 1)[keep]
    return type(predictions).from_arrays(
        predictions.segment_sample_id[keep], segments, predictions.box_sample_id[keep_boxes],
        predictions.box_frame[keep_boxes], predictions.box_xyxy[keep_boxes], method=predictions.meta.method,
        dataset=predictions.meta.dataset, split=predictions.meta.split)


@pytest.fixture(scope="module")
def files(synthetic, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    oracle = make_predictions(synthetic.gt, "oracle")
    good = make_predictions(synthetic.gt, "good", seed=1)
    paths = {"oracle": out / "oracle.json", "good": out / "good.json", "good-even": out / "good-even.json"}
    write_predictions(oracle, paths["oracle"], "stvg-bench", synthetic)
    write_predictions(good, paths["good"], "stvg-bench", synthetic)
    write_predictions(subset(good, np.arange(0, 200, 2)), paths["good-even"], "stvg-bench", synthetic)
    return paths


# -- per-frame and per-query tables --------------------------------------------------------------------


def test_per_frame_rows_are_hand_worked():
    # G = [10, 20), P = [15, 25), boxes at 15 and 24 (both the GT square): frames 10..14 hold the box of 15,
    # 16..19 are interpolated (the same square) -> IoU 1 on all ten GT frames; 15..19 lie in P too.
    result = Evaluator(one_sample(), DENSE).score(preds({0: (15, 25)}, {0: {15: SQUARE, 24: SQUARE}}), ci=False)
    rows = result.per_frame()
    assert [c.name for c in result.per_frame_columns] == list(rows)
    assert rows["frame"].tolist() == list(range(10, 20))
    assert rows["IoU"].tolist() == [1.0] * 10
    assert rows["in_pred_segment"].tolist() == [False] * 5 + [True] * 5
    assert np.stack([rows[f"pred_{c}"] for c in ("x1", "y1", "x2", "y2")], 1).tolist() == [SQUARE] * 10
    # vIoU = sum of IoU over frames in both / |[10, 25)| = 5 / 15, from the same rows
    assert rows["IoU"][rows["in_pred_segment"]].sum() / 15 == pytest.approx(result.metrics["all"]["m_vIoU"])


def test_per_frame_half_overlap_and_missing_box():
    # GT [0,0,10,10] vs [5,0,15,10] on frames 10..19: IoU 50 / 150 = 1/3 each. A sample without a prediction
    # (--missing zero) has IoU 0 and no predicted box (NaN).
    dataset = one_sample()
    result = Evaluator(dataset, DENSE).score(preds({0: (10, 20)}, {0: {f: [5, 0, 15, 10] for f in range(10, 20)}}),
                                             ci=False)
    assert result.per_frame()["IoU"] == pytest.approx([1 / 3] * 10)
    empty = preds({}, {})
    rows = Evaluator(dataset, DENSE, missing="zero").score(empty, ci=False).per_frame()
    assert rows["IoU"].tolist() == [0.0] * 10 and np.isnan(rows["pred_x1"]).all()
    assert not rows["in_pred_segment"].any()


def test_per_frame_and_per_sample_from_the_cli(run_cli, files, tmp_path, synthetic):
    per_frame, per_sample = tmp_path / "frames.csv", tmp_path / "samples.csv"
    code, _, stderr = run_cli("score", files["good"], "--dataset", "synthetic", "--no-ci", "--per-frame",
                              per_frame, "--per-sample", per_sample)
    assert code == 0, stderr
    with open(per_sample) as handle:
        samples = list(csv.DictReader(handle))
    assert len(samples) == 200
    assert samples[0]["sentence"] == str(synthetic.gt.sentence[0])
    assert list(samples[0]) == ["sample_id", "video_id", "sentence", "query_type", "gt_start", "gt_end",
                                "pred_start", "pred_end", "missing", "tIoU", "vIoU", "gt_vIoU"]
    with open(per_frame) as handle:
        frames = list(csv.DictReader(handle))
    table = synthetic.scoring_table(DENSE)
    assert len(frames) == len(table.row_frame)
    # gt_vIoU of each sample is the mean of its frames' IoU
    by_sample: dict[str, list[float]] = {}
    for row in frames:
        by_sample.setdefault(row["sample_id"], []).append(float(row["IoU"]))
    for row in samples[:20]:
        assert float(row["gt_vIoU"]) == pytest.approx(np.mean(by_sample[row["sample_id"]]), abs=1e-9)


def test_per_frame_refused_where_there_are_no_frames(run_cli, tmp_path, shared_data):
    out = tmp_path / "frames.csv"
    code, _, stderr = run_cli("score", tmp_path / "p.json", "--dataset", "groundingyoutube", "--annotations",
                              shared_data / "groundingyoutube", "--task", "spatial", "--per-frame", out)
    assert code == 2 and "--per-frame: the action-spatial task has no frame-level scores" in stderr


# -- compare ---------------------------------------------------------------------------------------------


def test_restricted_statistics_leave_units_out():
    values = np.array([[1.0], [0.0], [0.5], [0.25]])
    keep = np.array([True, False, True, False])
    # mean over units 0 and 2: (1 + 0.5) / 2
    assert restricted(mean_statistic(values), keep)(np.ones((1, 2))).tolist() == [[0.75]]
    # a resample drawing unit 0 twice: (2 x 1 + 0 x 0.5) / 2
    assert restricted(mean_statistic(values), keep)(np.array([[2.0, 0.0]])).tolist() == [[1.0]]
    ratio = ratio_statistic(np.array([[1.0], [5.0], [2.0], [5.0]]), np.array([[2.0], [5.0], [4.0], [5.0]]))
    assert restricted(ratio, keep)(np.ones((1, 2))).tolist() == [[0.5]]


def test_compare_names_and_skip(run_cli, files, tmp_path, synthetic):
    out = tmp_path / "comparison.json"
    code, stdout, stderr = run_cli("compare", files["oracle"], files["good-even"], "--dataset", "synthetic",
                                   "--missing", "skip", "--out", out)
    assert code == 0, stderr
    document = json.loads(out.read_text())
    assert document["names"] == {"a": "synthetic-oracle", "b": "synthetic-good"}
    assert document["compared"]["units"]["all"] == 100
    assert document["compared"]["only_predicted_by"] == {
        "a": {"all": 100, "declarative": 54, "interrogative": 46}, "b": {"all": 0, "declarative": 0,
                                                                        "interrogative": 0}}
    # B on the 100 samples it predicted equals B's per-sample scores averaged over them
    good = Evaluator(synthetic, missing="zero").score(make_predictions(synthetic.gt, "good", seed=1), ci=False)
    even = good.per_sample["sample_id"] % 2 == 0
    assert document["metrics"]["b"]["all"]["m_vIoU"] == pytest.approx(good.per_sample["vIoU"][even].mean(),
                                                                     abs=1e-12)
    assert document["metrics"]["a"]["all"]["m_vIoU"] == 1.0
    assert "compared on the 100 samples both predicted (--missing skip); left out: 100 only A predicted, 0 only B" \
        in stdout
    assert "A: synthetic-oracle %" in stdout and "B: synthetic-good %" in stdout
    assert "< 0.001" in stdout  # the oracle beats every resample


def test_compare_without_skip_refuses_missing_samples(run_cli, files):
    code, _, stderr = run_cli("compare", files["oracle"], files["good-even"], "--dataset", "synthetic")
    assert code == 2 and "--missing zero scores them 0" in stderr


def test_p_value_text():
    assert p_value_text(0.0, 0.001) == "< 0.001"
    assert p_value_text(0.0009, 0.001) == "< 0.001"
    assert p_value_text(0.001, 0.001) == "0.001"
    assert p_value_text(0.25, 0.0001) == "0.250"


# -- output paths ------------------------------------------------------------------------------------------


@pytest.fixture
def refused(run_cli):
    def check(*args, expect: str, untouched=()):
        before = {p: (p.read_bytes() if p.is_file() else None) for p in untouched}
        code, stdout, stderr = run_cli(*args)
        assert code == 2 and stderr.count("\n") == 1 and stderr.startswith("stvg-bench: error: "), stderr
        assert expect in stderr, stderr
        assert "Traceback" not in stderr and not stdout
        for path, content in before.items():
            assert (path.read_bytes() if path.is_file() else None) == content
        return stderr

    return check


def test_outputs_that_are_inputs(refused, files, tmp_path, synthetic_files):
    score = ("score", files["good"], "--dataset", "synthetic")
    refused(*score, "--out", files["good"], expect="--out " + str(files["good"]) + " is the input predictions",
            untouched=[files["good"]])
    link = tmp_path / "link.json"
    link.symlink_to(files["good"])
    refused(*score, "--out", link, expect="is the input predictions", untouched=[files["good"]])
    annotations = synthetic_files["annotations"]
    refused("score", files["good"], "--dataset", "vidstg", "--annotations", annotations, "--vidor-dir",
            synthetic_files["vidor_dir"], "--per-sample", synthetic_files["vidor_dir"] / "x.csv",
            expect="lies inside the input --vidor-dir")
    refused("compare", files["good"], files["oracle"], "--dataset", "synthetic", "--out", files["oracle"],
            expect="is the input B", untouched=[files["oracle"]])
    refused("convert", files["good"], "--to", "tubedetr", "--out", files["good"], expect="is the input source",
            untouched=[files["good"]])
    refused("score", files["good"], "--dataset", "synthetic", "--plot", files["good"].parent,
            expect="holds the input predictions")


def test_two_outputs_that_are_the_same_file(refused, files, tmp_path):
    same = tmp_path / "same.csv"
    refused("score", files["good"], "--dataset", "synthetic", "--per-sample", same, "--per-frame", same,
            expect=f"--per-frame and --per-sample are the same file {same}")
    refused("score", files["good"], "--dataset", "synthetic", "--out", same, "--per-sample",
            tmp_path / "." / "same.csv", expect="are the same file")
    assert not same.exists()


def test_directories_files_devices_and_unwritable_places(refused, files, tmp_path):
    score = ("score", files["good"], "--dataset", "synthetic")
    refused(*score, "--out", tmp_path, expect=f"--out {tmp_path}: is a directory, expected a file")
    plot_file = tmp_path / "plots"
    plot_file.write_text("not a directory")
    refused(*score, "--plot", plot_file, expect="is a file, expected a directory", untouched=[plot_file])
    refused(*score, "--out", "/dev/null", expect="--out /dev/null: is not a regular file")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused(*score, "--per-sample", fifo, expect="is not a regular file")
    refused(*score, "--out", plot_file / "r.json", expect="cannot be written (Not a directory)")
    refused(*score, "--out", "/proc/stvg-bench/r.json", expect="--out /proc/stvg-bench/r.json: /proc is not writable")
    refused("convert", files["good"], "--to", "parquet", "--out", plot_file, "--dataset", "synthetic",
            expect="is a file, expected a directory", untouched=[plot_file])
    refused("datasets", "check", "synthetic", "--out", tmp_path, expect="is a directory, expected a file")


def test_checks_run_before_any_work(refused, tmp_path):
    """Outputs and options are refused before the (missing) predictions or annotations are read."""
    missing = tmp_path / "nothing-here.json"
    refused("score", missing, "--dataset", "synthetic", "--out", tmp_path, expect="is a directory")
    refused("score", missing, "--dataset", "vidstg", "--annotations", missing, "--thresholds", "nan",
            expect="thresholds")
    refused("score", missing, "--dataset", "groundingyoutube", "--annotations", missing, "--task", "spatial",
            "--mask-threshold", "inf", expect="--mask-threshold must be a finite number, got inf")
    refused("score", missing, "--dataset", "vidstg", "--annotations", missing, "--protocol", "gyt",
            expect="gyt")
    refused("convert", missing, "--to", "gyt-clicks", "--out", tmp_path / "x.json",
            expect="--to gyt-clicks: that format is read only")


def test_max_input_mb(refused, run_cli, files):
    size_mb = files["good"].stat().st_size / (1 << 20)
    refused("score", files["good"], "--dataset", "synthetic", "--max-input-mb", f"{size_mb / 2:.6f}",
            expect="holds more than the input limit")
    for value in ("0", "-1", "nan", "inf", "abc"):
        refused("score", files["good"], "--dataset", "synthetic", "--max-input-mb", value, expect="--max-input-mb")
    code, _, stderr = run_cli("validate", files["good"], "--dataset", "synthetic")  # the default is back
    assert code == 0, stderr
