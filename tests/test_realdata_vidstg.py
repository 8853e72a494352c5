"""All 10,303 real VidSTG test sentences: real temporal ground truth, sizes and frame counts;
boxes from the seeded synthetic VidOR generator (VidOR boxes are not public here)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from stvg_bench.data.tubes import GroundTruth, Predictions
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.datasets.vidstg import ADAPTER as VIDSTG
from stvg_bench.formats import load_predictions, write_predictions
from stvg_bench.tasks.base import Evaluator

from .helpers import as_reference_predictions
from .reference import slow_stvg

PREDICTION_FRAMES = {"dense": "sparse", "tubedetr": "tubedetr", "stcat": "hull"}


@pytest.fixture(scope="module")
def layouts(real_vidstg):
    official = VIDSTG.load("test", real_vidstg["annotations"], real_vidstg["vidor_dir"], use_cache=False)
    tubedetr = VIDSTG.load("test", real_vidstg["tubedetr"], use_cache=False)
    return official, tubedetr


def test_the_real_test_split_has_10303_sentences(layouts):
    official, _ = layouts
    gt = official.gt
    assert gt.n_samples == 10_303
    assert int((gt.query_type == 0).sum()) == 4_610  # declarative captions
    assert int((gt.query_type == 1).sum()) == 5_693  # interrogative questions
    assert int(gt.frame_count.max()) > 0 and gt.defects == {}


def test_both_layouts_give_identical_ground_truth(layouts):
    official, tubedetr = layouts
    for field in dataclasses.fields(GroundTruth):
        a, b = getattr(official.gt, field.name), getattr(tubedetr.gt, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
        else:
            assert a == b, field.name


@pytest.fixture(scope="module")
def tubedetr_file(layouts, tmp_path_factory):
    """Predictions on every TubeDETR-sampled frame (about 1.1 M boxes) in TubeDETR's format."""
    official, _ = layouts
    path = tmp_path_factory.mktemp("real-predictions") / "tubedetr.json"
    write_predictions(
        make_predictions(official.gt, "good", seed=4, frames="tubedetr"), path, "tubedetr", official
    )
    return path


def test_both_layouts_score_a_tubedetr_file_identically(layouts, tubedetr_file):
    official, tubedetr = layouts
    a = Evaluator(official, "tubedetr").score(load_predictions(tubedetr_file, official), ci=False)
    b = Evaluator(tubedetr, "tubedetr").score(load_predictions(tubedetr_file, tubedetr), ci=False)
    assert a.metrics == b.metrics and a.n_samples == 10_303
    np.testing.assert_array_equal(a.per_sample["vIoU"], b.per_sample["vIoU"])
    assert 0.2 < a.metrics["all"]["m_vIoU"] < 0.95


@pytest.mark.parametrize("protocol", ["dense", "stcat"])
def test_both_layouts_score_identically(layouts, protocol):
    official, tubedetr = layouts
    predictions = make_predictions(official.gt, "good", seed=5, frames=PREDICTION_FRAMES[protocol])
    a = Evaluator(official, protocol).score(predictions, ci=False)
    b = Evaluator(tubedetr, protocol).score(predictions, ci=False)
    assert a.metrics == b.metrics and a.n_samples == b.n_samples
    np.testing.assert_array_equal(a.per_sample["gt_vIoU"], b.per_sample["gt_vIoU"])
    assert a.n_samples == 10_303 or protocol == "stcat"


@pytest.mark.parametrize("protocol", ["dense", "tubedetr", "stcat"])
def test_agrees_with_the_slow_reference_on_real_ground_truth(layouts, real_vidstg, protocol):
    """Reference on a seeded sample of 1,500 real sentences; the others are missing and score 0 in both."""
    official, _ = layouts
    full = make_predictions(official.gt, "noisy", seed=11, frames=PREDICTION_FRAMES[protocol])
    chosen = np.sort(np.random.default_rng(0).choice(official.n_samples, 1500, replace=False))
    keep_boxes = np.isin(full.box_sample_id, chosen)
    keep = np.isin(full.segment_sample_id, chosen)
    predictions = Predictions.from_arrays(
        full.segment_sample_id[keep],
        np.stack([full.segment_start_frame, full.segment_end_frame], 1)[keep],
        full.box_sample_id[keep_boxes],
        full.box_frame[keep_boxes],
        full.box_xyxy[keep_boxes],
    )
    result = Evaluator(official, protocol, missing="zero").score(predictions, ci=False)
    samples = slow_stvg.vidstg_samples_official(real_vidstg["entries"], real_vidstg["videos"])
    expected, expected_metrics = slow_stvg.evaluate(samples, as_reference_predictions(predictions), protocol)
    got = dict(
        zip(
            result.per_sample["sample_id"].tolist(),
            zip(result.per_sample["tIoU"], result.per_sample["vIoU"], result.per_sample["gt_vIoU"]),
        )
    )
    assert sorted(got) == sorted(expected)
    for sid in chosen.tolist():
        if sid in expected:
            assert got[sid] == pytest.approx(
                (expected[sid]["tiou"], expected[sid]["viou"], expected[sid]["gt_viou"]), abs=1e-12
            )
    for name, value in expected_metrics["all"].items():
        assert result.metrics["all"][name] == pytest.approx(value, abs=1e-12)


def test_stcat_item_ids_are_recovered_from_the_tubedetr_layout(layouts, tmp_path):
    """A file written with STCAT's numbering from one layout reads back identically through the other."""
    official, tubedetr = layouts
    predictions = make_predictions(official.gt, "good", seed=2, frames="sparse")
    path = tmp_path / "stcat.json"
    write_predictions(predictions, path, "stcat", official)
    back = load_predictions(path, tubedetr, "stcat")
    np.testing.assert_array_equal(back.segment_sample_id, predictions.segment_sample_id)
    np.testing.assert_array_equal(back.box_sample_id, predictions.box_sample_id)
    np.testing.assert_array_equal(back.box_xyxy, predictions.box_xyxy)
    # STCAT numbers captions first: in the first entry (questions 0..q-1, then the caption) the caption is item 0.
    first = json.loads(path.read_text())["video_predictions"]
    assert "0" in first and official.gt.query_type[official.gt.stcat_item_id.tolist().index(0)] == 0


def test_cli_scores_the_real_files(real_vidstg, run_cli, tmp_path, tubedetr_file):
    out = tmp_path / "results.json"
    code, stdout, stderr = run_cli(
        "score",
        tubedetr_file,
        "--dataset",
        "vidstg",
        "--annotations",
        real_vidstg["annotations"],
        "--vidor-dir",
        real_vidstg["vidor_dir"],
        "--protocol",
        "tubedetr",
        "--out",
        out,
    )
    assert code == 0, stderr
    results = json.loads(out.read_text())
    assert results["n_samples"] == 10_303
    assert set(results["metrics"]) == {"all", "declarative", "interrogative"}
    assert "m_vIoU" in stdout


def test_official_sentences_without_vidor_boxes_score_m_tiou_only(shared_data, run_cli, tmp_path):
    """The real test sentences alone: m_tIoU per query type (with CIs), the box metrics unavailable and said so.

    The prediction is the input segment ``[used_segment.begin_fid, used_segment.end_fid)``; the expected mean is
    computed here from the raw JSON, one sentence at a time (TubeDETR order: questions, then captions).
    """
    entries = json.loads((shared_data / "vidstg" / "test_annotations.json").read_text())
    tiou = {"declarative": [], "interrogative": []}
    segments = {}
    for entry in entries:
        used, gt = entry["used_segment"], entry["temporal_gt"]
        inter = max(0, min(used["end_fid"], gt["end_fid"]) - max(used["begin_fid"], gt["begin_fid"]))
        union = (used["end_fid"] - used["begin_fid"]) + (gt["end_fid"] - gt["begin_fid"]) - inter
        for qtype in ["interrogative"] * len(entry["questions"]) + ["declarative"] * len(entry["captions"]):
            segments[str(len(segments))] = {"segment": [used["begin_fid"], used["end_fid"]], "boxes": {}}
            tiou[qtype].append(inter / union if inter > 0 else 0.0)
    path = tmp_path / "input-segment.json"
    path.write_text(json.dumps({"format": "stvg-bench/predictions", "version": 1, "dataset": "vidstg",
                                "split": "test", "method": {"name": "input segment"}, "predictions": segments}))
    out = tmp_path / "r.json"
    code, stdout, stderr = run_cli("score", path, "--dataset", "vidstg", "--annotations",
                                   shared_data / "vidstg" / "test_annotations.json", "--out", out)
    assert code == 0, stderr
    results = json.loads(out.read_text())
    everything = tiou["declarative"] + tiou["interrogative"]
    assert results["group_sizes"] == {"all": 10_303, "declarative": 4_610, "interrogative": 5_693}
    for group, values in (("all", everything), *tiou.items()):
        assert results["metrics"][group] == pytest.approx({"m_tIoU": sum(values) / len(values)}, abs=1e-12)
        lo, hi = results["ci95"][group]["m_tIoU"]
        assert lo < results["metrics"][group]["m_tIoU"] < hi
    assert set(results["unavailable"]) == {"m_vIoU", "vIoU@0.3", "vIoU@0.5", "m_gt_vIoU"}
    assert "--vidor-dir" in results["unavailable"]["m_vIoU"] and "not computed" in stdout
