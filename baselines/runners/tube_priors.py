"""Priors and oracles for tube datasets (VidSTG, HC-STVG): no video, no weights.

Every runner here puts one box on every planned frame (see
:mod:`baselines.plans`; default ``tubedetr``) and a segment, half-open
``[start, end_exclusive)`` in frame ids:

* ``full-frame``: the input segment; the whole frame ``[0, 0, width, height]``;
* ``center-box``: the input segment; a centred box whose width and height are
  the mean ground-truth box width and height, relative to the frame, of
  another split (pooled over its boxes);
* ``temporal-prior``: ``[s + round(a * L), s + round(b * L))`` for the input
  segment ``[s, s + L)``, with ``a``, ``b`` the mean start and end of the
  ground truth relative to the input segment on another split (each clipped to
  [0, 1]; at least one frame); the whole frame;
* oracles ``gt-segment+full-frame``, ``gt-segment+center-box``: the
  ground-truth segment, with ``full-frame``'s or ``center-box``'s boxes.

The split fitted on follows :data:`baselines.fitting.FIT_SPLITS` and is never
the scored one. Rounding is Python's (half to even).
"""

from __future__ import annotations

import numpy as np

from .. import fitting
from ..outputs import TubeOutput
from ..runner import RunContext, Runner


class TubePrior(Runner):
    """Boxes from :meth:`box` on every planned frame, the segment from :meth:`segment`."""

    def segment(self, sample) -> tuple[int, int]:
        return sample.segment_start_frame, sample.segment_end_frame_exclusive

    def box(self, sample) -> list[float]:
        return [0.0, 0.0, float(sample.width), float(sample.height)]

    def fit(self, context: RunContext, statistic) -> tuple[dict, tuple]:
        """``statistic(gt)`` on the split this prior fits on (never the scored one), and what it was fitted on."""
        split = fitting.fit_split(self.name, context.dataset, self.parameters["fit_split"])
        fitted_on = context.load_split(split)
        return {"fit_split": split, "fit_inputs": fitted_on.inputs}, statistic(fitted_on.gt)

    def predict(self, batch):
        outputs = []
        for sample, _ in batch:
            frames = self.frame_plan(sample)
            boxes = np.tile(np.asarray(self.box(sample), dtype=np.float64), (len(frames), 1))
            outputs.append(TubeOutput(*self.segment(sample), frames, boxes))
        return outputs


class FullFrame(TubePrior):
    name = "full-frame"


class CenterBox(TubePrior):
    name = "center-box"
    width_fraction: float
    height_fraction: float

    def prepare(self, context: RunContext) -> dict:
        fitted, (self.width_fraction, self.height_fraction, n_boxes) = self.fit(context, fitting.mean_box_fraction)
        return {**fitted, "boxes": n_boxes, "mean_width_fraction": self.width_fraction,
                "mean_height_fraction": self.height_fraction}

    def box(self, sample) -> list[float]:
        half_w = self.width_fraction * sample.width / 2
        half_h = self.height_fraction * sample.height / 2
        cx, cy = sample.width / 2, sample.height / 2
        return [cx - half_w, cy - half_h, cx + half_w, cy + half_h]


class TemporalPrior(TubePrior):
    name = "temporal-prior"
    start_fraction: float
    end_fraction: float

    def prepare(self, context: RunContext) -> dict:
        fitted, (self.start_fraction, self.end_fraction, n_samples) = self.fit(context, fitting.mean_relative_segment)
        return {**fitted, "samples": n_samples, "mean_start_fraction": self.start_fraction,
                "mean_end_fraction": self.end_fraction}

    def segment(self, sample) -> tuple[int, int]:
        start, length = sample.segment_start_frame, sample.segment_end_frame_exclusive - sample.segment_start_frame
        begin = start + round(self.start_fraction * length)
        end = start + round(self.end_fraction * length)
        return begin, max(end, begin + 1)


class GtSegmentFullFrame(TubePrior):
    """Oracle: its samples carry the ground-truth segment."""

    name = "gt-segment+full-frame"

    def segment(self, sample) -> tuple[int, int]:
        return sample.truth.gt_start_frame, sample.truth.gt_end_frame_exclusive


class GtSegmentCenterBox(CenterBox):
    name = "gt-segment+center-box"

    def segment(self, sample) -> tuple[int, int]:
        return sample.truth.gt_start_frame, sample.truth.gt_end_frame_exclusive
