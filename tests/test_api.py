"""The Python API: documented examples run, and scoring works on arrays without touching files."""

from __future__ import annotations

import doctest

import numpy as np

import stvg_bench as sb
from stvg_bench import evaluate


def test_module_doctests():
    failures, tried = doctest.testmod(evaluate)
    assert tried > 0 and failures == 0


def test_scoring_arrays_inside_a_training_loop(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dataset = sb.load_dataset("synthetic")
    evaluator = sb.Evaluator(dataset, protocol="tubedetr")
    gt = dataset.gt
    rng = np.random.default_rng(0)
    scores = []
    for epoch in range(3):
        # A "model" that predicts the ground-truth interval and a box centred in the frame.
        frames = [np.arange(s, e) for s, e in zip(gt.segment_start_frame, gt.segment_end_frame)]
        owners = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
        frame_ids = np.concatenate(frames)
        w, h = gt.width[owners], gt.height[owners]
        jitter = rng.normal(0, 5.0 / (epoch + 1), (len(owners), 4))
        boxes = np.stack([w * 0.25, h * 0.25, w * 0.75, h * 0.75], axis=1) + jitter
        predictions = sb.Predictions.from_arrays(
            sample_ids=np.arange(gt.n_samples),
            segments=np.stack([gt.gt_start_frame, gt.gt_end_frame_exclusive], axis=1),
            box_sample_ids=owners,
            box_frames=frame_ids,
            boxes=boxes,
        )
        result = evaluator.score(predictions, ci=False)
        assert isinstance(result, sb.ScoreResult)
        scores.append(result.metrics["all"]["m_vIoU"])
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert all(0.0 < s < 1.0 for s in scores)
    assert "predictions_sha256" not in result.inputs


def test_results_are_values():
    from stvg_bench.datasets.synthetic import make_predictions

    dataset = sb.load_dataset("synthetic")
    predictions = make_predictions(dataset.gt, "good")
    result = sb.score(predictions, dataset, protocol="dense", ci=False)
    table = result.per_sample_table()
    assert len(table) == 200 and table["vIoU"].between(0, 1).all()
    as_dict = result.to_dict()
    assert as_dict["metrics"]["all"]["m_tIoU"] == result.metrics["all"]["m_tIoU"]
    assert sb.PROTOCOLS["tubedetr"].to_dict()["max_frames"] == 200
