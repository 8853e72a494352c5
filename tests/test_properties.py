"""Invariants of whole-dataset scoring: perfect predictions, disjoint predictions, fps independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.data.tubes import Predictions
from stvg_bench.datasets import load_dataset, synthetic
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.tasks.base import Evaluator

from .helpers import as_reference_predictions, tiny_vidstg
from .reference import slow_stvg


@pytest.fixture(scope="module", name="synthetic")
def synthetic_split():
    return load_dataset("synthetic")


@pytest.fixture(scope="module")
def reference_samples():
    entries, videos = synthetic.SyntheticAdapter().generate()
    return slow_stvg.vidstg_samples_official(entries, videos)


@pytest.mark.parametrize("protocol", ["dense", "tubedetr", "stcat"])
def test_oracle_scores_one(synthetic, reference_samples, protocol):
    frames = {"dense": "segment", "tubedetr": "tubedetr", "stcat": "input"}[protocol]
    oracle = make_predictions(synthetic.gt, "oracle", frames=frames)
    m = Evaluator(synthetic, protocol).score(oracle, ci=False).metrics["all"]
    assert m["m_gt_vIoU"] == pytest.approx(1.0) and m["vIoU@0.5"] == 1.0
    if protocol == "stcat":
        # STCAT closes the interval at min(end_fid, used_segment.end_fid): where temporal_gt ends at
        # frame_count the closed end is one frame short of the oracle's segment end.
        _, expected = slow_stvg.evaluate(reference_samples, as_reference_predictions(oracle), "stcat")
        assert m == pytest.approx(expected["all"], abs=1e-12) and m["m_tIoU"] < 1.0
    else:
        assert m["m_tIoU"] == 1.0 and m["m_vIoU"] == pytest.approx(1.0)


def test_disjoint_boxes_score_zero(synthetic):
    oracle = make_predictions(synthetic.gt, "oracle")
    far = oracle.box_xyxy + 1e5
    shifted = Predictions.from_arrays(
        oracle.segment_sample_id,
        np.stack([oracle.segment_start_frame, oracle.segment_end_frame], 1),
        oracle.box_sample_id,
        oracle.box_frame,
        far,
    )
    m = Evaluator(synthetic).score(shifted, ci=False).metrics["all"]
    assert m["m_vIoU"] == 0.0 and m["m_gt_vIoU"] == 0.0 and m["m_tIoU"] == 1.0


@settings(max_examples=40, deadline=None)
@given(
    step=st.integers(2, 13),
    start=st.integers(0, 30),
    length=st.integers(2, 150),
    velocity=st.floats(-3, 3),
    fps=st.sampled_from([30000 / 1001, 25.0, 10.0]),
)
def test_dense_does_not_depend_on_the_prediction_frame_rate(step, start, length, velocity, fps):
    """Linear motion predicted on every frame or on every ``step``-th frame (plus the last)
    gives the same dense scores: interpolation rebuilds the missing boxes."""
    fc = 200
    truth = {f: [50 + velocity * f, 20.0, 150 + velocity * f, 90.0] for f in range(fc)}
    gt_boxes = {f: [40 + 0.5 * f, 25.0, 140 + 0.5 * f, 95.0] for f in range(fc)}
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": fc, "fps": fps, "gt": (20, 120), "used": (0, 199)}],
        {("v", 0): gt_boxes},
    )
    end = min(start + length, fc)
    dense_frames = list(range(start, end))
    sparse_frames = sorted(set(dense_frames[::step]) | {dense_frames[-1]})

    def predictions(frames):
        return Predictions.from_arrays(
            [0], [[start, end]], [0] * len(frames), frames, [truth[f] for f in frames]
        )

    every = Evaluator(dataset).score(predictions(dense_frames), ci=False).metrics["all"]
    sparse = Evaluator(dataset).score(predictions(sparse_frames), ci=False).metrics["all"]
    for name in every:
        assert sparse[name] == pytest.approx(every[name], abs=1e-9)


def test_dense_scores_of_the_synthetic_split_do_not_depend_on_sampling(synthetic, reference_samples):
    """Jittered boxes given on every frame vs every 4th frame: the same segments (same tIoU), and each scored
    exactly as the slow reference interpolates it."""
    every = make_predictions(synthetic.gt, "good", seed=3, frames="segment")
    sparse = make_predictions(synthetic.gt, "good", seed=3, frames="sparse")
    a = Evaluator(synthetic).score(every, ci=False).metrics
    b = Evaluator(synthetic).score(sparse, ci=False).metrics
    assert a["all"]["m_tIoU"] == b["all"]["m_tIoU"]
    for scored, predictions in ((a, every), (b, sparse)):
        _, expected = slow_stvg.evaluate(reference_samples, as_reference_predictions(predictions), "dense")
        for group, values in expected.items():
            assert scored[group] == pytest.approx(values, abs=1e-12), group
