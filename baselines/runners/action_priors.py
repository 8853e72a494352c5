"""Priors for action datasets (GroundingYouTube, YouCook2-Interactions): no video, no weights.

Seconds are integers; a video's seconds are ``0..duration_s`` (inclusive).

* ``center-point`` (spatial): the frame's centre ``(width / 2, height / 2)`` on
  every queried second;
* ``uniform-steps`` (temporal): the video's step pool (``vid2step.json`` in
  its order, background and repeats left out) spread evenly over its seconds:
  with ``n`` seconds and ``k`` steps, step ``i`` labels seconds
  ``[floor(i * n / k), floor((i + 1) * n / k))``; no pool, no labels (all
  background);
* ``uniform-steps+center-point`` (spatio-temporal): those labels with the
  frame's centre as point, and one tube per step span, score 1, whose box on
  each second is centred and ``box_fraction`` of the frame's width and height.
"""

from __future__ import annotations

import numpy as np

from stvg_bench.data.actions import POINT

from ..outputs import ActionOutput
from ..runner import Runner


def centre(sample) -> list[float]:
    return [sample.frame_width / 2, sample.frame_height / 2]


def uniform_labels(sample) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]]]:
    """``(seconds, steps)`` label rows and ``[(step, its seconds)]`` spans of the pool spread evenly."""
    n, k = sample.duration_s + 1, len(sample.step_pool)
    bounds = (np.arange(k + 1, dtype=np.int64) * n) // max(k, 1)
    spans = [(step, np.arange(bounds[i], bounds[i + 1], dtype=np.int64))
             for i, step in enumerate(sample.step_pool) if bounds[i + 1] > bounds[i]]
    seconds = np.concatenate([s for _, s in spans]) if spans else np.zeros(0, dtype=np.int64)
    steps = np.array([step for step, s in spans for _ in range(len(s))], dtype=object)
    return seconds, steps, spans


class CenterPoint(Runner):
    name = "center-point"

    def predict(self, batch):
        outputs = []
        for sample, _ in batch:
            seconds = self.frame_plan(sample)
            n = len(seconds)
            outputs.append(ActionOutput(
                spatial_second=seconds, spatial_kind=np.full(n, POINT, dtype=np.int8),
                spatial_point=np.tile(centre(sample), (n, 1)), spatial_box=np.full((n, 4), np.nan)))
        return outputs


class UniformSteps(Runner):
    name = "uniform-steps"

    def predict(self, batch):
        outputs = []
        for sample, _ in batch:
            seconds, steps, _ = uniform_labels(sample)
            outputs.append(ActionOutput(label_second=seconds, label_step=steps,
                                        label_point=np.full((len(seconds), 2), np.nan)))
        return outputs


class UniformStepsCenterPoint(Runner):
    name = "uniform-steps+center-point"

    def predict(self, batch):
        fraction = self.parameters["box_fraction"]
        outputs = []
        for sample, _ in batch:
            seconds, steps, spans = uniform_labels(sample)
            (cx, cy), half_w, half_h = centre(sample), fraction * sample.frame_width / 2, fraction * sample.frame_height / 2
            box = [cx - half_w, cy - half_h, cx + half_w, cy + half_h]
            lengths = [len(s) for _, s in spans]
            outputs.append(ActionOutput(
                label_second=seconds, label_step=steps, label_point=np.tile([cx, cy], (len(seconds), 1)),
                tube_step=np.array([step for step, _ in spans], dtype=object),
                tube_score=np.ones(len(spans)),
                tube_box_tube=np.repeat(np.arange(len(spans), dtype=np.int64), lengths),
                tube_box_second=seconds.copy(),
                tube_box_xyxy=np.tile(box, (len(seconds), 1))))
        return outputs
