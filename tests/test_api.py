"""The Python API: documented examples run, and scoring works on arrays without touching files."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import stvg_bench as sb
from stvg_bench.datasets import synthetic
from stvg_bench.tasks import base

from .helpers import as_reference_predictions
from .reference import slow_stvg


def test_module_doctests():
    failures, tried = doctest.testmod(base)
    assert tried > 0 and failures == 0


def test_scoring_arrays_inside_a_training_loop(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dataset = sb.load_dataset("synthetic")
    evaluator = sb.Evaluator(dataset, protocol="tubedetr", interpolate=True)
    entries, videos = synthetic.SyntheticAdapter().generate()
    samples = slow_stvg.vidstg_samples_official(entries, videos)
    gt = dataset.gt
    rng = np.random.default_rng(0)
    for epoch in range(3):
        # A "model" that predicts the input segment and a box centred in the frame, every 7th frame.
        frames = [np.arange(s, e, 7) for s, e in zip(gt.segment_start_frame, gt.segment_end_frame)]
        owners = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
        w, h = gt.width[owners], gt.height[owners]
        jitter = rng.normal(0, 5.0 / (epoch + 1), (len(owners), 4))
        predictions = sb.Predictions.from_arrays(
            sample_ids=np.arange(gt.n_samples),
            segments=np.stack([gt.segment_start_frame, gt.segment_end_frame], axis=1),
            box_sample_ids=owners,
            box_frames=np.concatenate(frames),
            boxes=np.stack([w * 0.25, h * 0.25, w * 0.75, h * 0.75], axis=1) + jitter,
        )
        result = evaluator.score(predictions, ci=False)
        assert isinstance(result, sb.ScoreResult)
        _, expected = slow_stvg.evaluate(samples, as_reference_predictions(predictions), "tubedetr",
                                         interpolate=True)
        for group, values in expected.items():
            assert result.metrics[group] == pytest.approx(values, abs=1e-12), (epoch, group)
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert "sha256" not in result.inputs["predictions"]  # in-memory arrays have no file


def test_results_are_values():
    dataset = sb.load_dataset("synthetic")
    predictions = synthetic.make_predictions(dataset.gt, "good")
    result = sb.score(predictions, dataset, protocol="dense", ci=False)
    table = result.per_sample_table()
    assert len(table) == 200 and list(table.columns) == [c.name for c in result.per_sample_columns]
    assert table["vIoU"].mean() == pytest.approx(result.metrics["all"]["m_vIoU"], abs=1e-15)
    assert sb.get_protocol("tubedetr").to_dict()["max_frames"] == 200
    assert sb.PROTOCOLS.get("stcat") is sb.get_protocol("stcat")
