"""The open-vocabulary detectors' shared module: box conversion and top-k (hand-worked), and the tiny random
Grounding DINO, MM-Grounding-DINO and OWLv2 end to end (pinned, deterministic, batches halving on OOM)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.neural.detectors import Detector, cxcywh_to_xyxy_pixels, top_candidates
from stvg_bench.core.errors import InputFileError, OptionError

from .neural_helpers import tiny_clip, tiny_grounding_dino, tiny_owlv2

FRAME_SIZE_WH = (640, 480)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("detectors")
    return {"grounding-dino": tiny_grounding_dino(root / "gdino"),
            "mm-grounding-dino": tiny_grounding_dino(root / "mm", mm=True),
            "owlv2": tiny_owlv2(root / "owlv2")}


def _frames(n: int = 3) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, 48, 64, 3), dtype=np.uint8)


def test_cxcywh_to_pixels_hand_worked():
    boxes = np.array([[0.5, 0.5, 0.5, 0.5],     # centred, half the frame: x 160..480, y 120..360
                      [0.95, 0.125, 0.2, 0.5]])  # x .85..1.05 -> 544..640 (clipped), y -.125..0.375 -> 0..180
    assert cxcywh_to_xyxy_pixels(boxes, (640.0, 480.0), (640, 480)).tolist() == [
        [160.0, 120.0, 480.0, 360.0], [544.0, 0.0, 640.0, 180.0]]
    # OWLv2's boxes are relative to the padded square: both axes scale by the long side (640)
    square = cxcywh_to_xyxy_pixels(boxes[:1], (640.0, 640.0), (640, 480))
    assert square.tolist() == [[160.0, 160.0, 480.0, 480.0]]


def test_top_candidates_best_first_ties_in_query_order():
    scores = np.array([0.2, 0.9, 0.5, 0.9])
    boxes = np.arange(16, dtype=np.float64).reshape(4, 4)
    best = top_candidates(scores, boxes, 3)
    assert best.scores.tolist() == [0.9, 0.9, 0.5]
    assert best.boxes_xyxy[:, 0].tolist() == [4.0, 12.0, 8.0]  # queries 1, 3, 2


@pytest.mark.parametrize("family, image_size, first_box, first_score", [
    ("grounding-dino", 64, [128.0, 276.0, 192.0, 324.0], 0.9999),
    ("mm-grounding-dino", 64, [128.0, 276.0, 192.0, 324.0], 0.0465),
    ("owlv2", 0, [320.2, 320.0, 640.0, 480.0], 1.0),
])
def test_tiny_detectors_pinned_and_deterministic(checkpoints, family, image_size, first_box, first_score):
    detector = Detector.from_checkpoint(checkpoints[family], "cpu", "fp32", image_size)
    first = detector.detect(_frames(), "the man in a red hat", FRAME_SIZE_WH, top_k=3)
    again = detector.detect(_frames(), "the man in a red hat", FRAME_SIZE_WH, top_k=3)
    assert len(first) == 3
    for candidates, repeated in zip(first, again):
        assert candidates.boxes_xyxy.shape == (3, 4) and candidates.scores.shape == (3,)
        assert candidates.boxes_xyxy.dtype == np.float64
        assert np.array_equal(candidates.boxes_xyxy, repeated.boxes_xyxy)
        assert np.array_equal(candidates.scores, repeated.scores)
        assert np.all(np.diff(candidates.scores) <= 0)
        boxes = candidates.boxes_xyxy
        assert np.all(boxes >= 0) and np.all(boxes[:, [0, 2]] <= 640) and np.all(boxes[:, [1, 3]] <= 480)
    assert np.round(first[0].boxes_xyxy[0], 1).tolist() == first_box
    assert round(float(first[0].scores[0]), 4) == first_score


def test_batches_give_the_same_candidates_and_halve_on_oom(checkpoints, monkeypatch, capsys):
    whole = Detector.from_checkpoint(checkpoints["owlv2"], frames_per_batch=8).detect(
        _frames(5), "a dog", FRAME_SIZE_WH, 2)
    detector = Detector.from_checkpoint(checkpoints["owlv2"], frames_per_batch=4, runner="owlv2-tube")
    forward = detector.model.forward

    def small_memory(*args, **kwargs):
        if kwargs["pixel_values"].shape[0] > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return forward(*args, **kwargs)

    monkeypatch.setattr(detector.model, "forward", small_memory)
    halved = detector.detect(_frames(5), "a dog", FRAME_SIZE_WH, 2)
    assert capsys.readouterr().err.strip() == "owlv2-tube: CUDA out of memory: frames per call halved to 2"
    for a, b in zip(whole, halved):
        np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)
        np.testing.assert_allclose(a.boxes_xyxy, b.boxes_xyxy, rtol=0, atol=1e-4)


def test_bf16_runs_on_cpu_and_fp16_is_refused(checkpoints):
    detector = Detector.from_checkpoint(checkpoints["grounding-dino"], "cpu", "bf16", 64)
    (candidates,) = detector.detect(_frames(1), "a man", FRAME_SIZE_WH, 2)
    assert candidates.scores.dtype == np.float64 and candidates.scores.shape == (2,)
    with pytest.raises(OptionError, match="fp16 needs a CUDA device"):
        Detector.from_checkpoint(checkpoints["grounding-dino"], "cpu", "fp16")


def test_a_clip_checkpoint_is_not_a_detector(tmp_path):
    with pytest.raises(InputFileError, match="model_type 'clip' is not one gdino-tube loads"):
        Detector.from_checkpoint(tiny_clip(tmp_path / "clip"), runner="gdino-tube")
