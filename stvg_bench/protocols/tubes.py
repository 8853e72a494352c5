"""Protocols of tube grounding (VidSTG, HC-STVG; docs/METRICS.md §2), as data.

A protocol decides which frames are scored, how the ground-truth interval is
closed, what happens to frames without a predicted box and how vIoU@R
compares with its threshold. Dataset adapters read the frame and interval
fields when they resolve their ground truth into a
:class:`~stvg_bench.data.tube_table.ScoringTable`; the metrics read the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import OptionError
from .base import THRESHOLD_RULES, ProtocolFields, check_choice


@dataclass(frozen=True)
class TubeProtocol(ProtocolFields):
    """One named, versioned way of scoring VidSTG / HC-STVG predictions.

    Attributes:
        name: registry name (``dense``, ``tubedetr``, ``stcat``).
        version: bumped on any change of behaviour.
        reproduces: the evaluator whose numbers this protocol reproduces, if any.
        sampling_fps: ``None``: every frame id is scored; else the scored frames are
            TubeDETR's sampling of the input segment at this many frames per second.
        max_frames: cap of the sampled frame set (uniform subsampling); set exactly
            when ``sampling_fps`` is.
        gt_interval: ``"half_open"`` (``[begin, end)``) or ``"closed"`` (STCAT:
            ``[begin, end]`` with the end plugged into the tIoU formula as if half-open).
        hcstvg_frame_offset: frame of HC-STVG's ``bbox[k]`` is ``st_frame - 1 + k +
            hcstvg_frame_offset`` (0: 1-based ``st_frame`` made 0-based; 1: TubeDETR).
        clip_segments: clip predicted segments to ``[0, frame_count)`` (counted).
        interpolate_boxes: fill frames without a predicted box by linear
            interpolation between the nearest predicted frames (held constant
            beyond the first/last); if false a missing scored box is an error.
        copy_last_gt_box: a missing ground-truth box on the last frame of the
            closed interval is copied from the previous frame (STCAT; closed
            intervals only).
        threshold_rule: ``"greater"``: vIoU@R counts vIoU > R; ``"greater_equal"``: vIoU >= R.
    """

    family = "tubes"

    name: str
    version: int
    description: str
    reproduces: str | None
    sampling_fps: float | None
    max_frames: int | None
    gt_interval: str
    hcstvg_frame_offset: int
    clip_segments: bool
    interpolate_boxes: bool
    copy_last_gt_box: bool
    threshold_rule: str = "greater"

    def __post_init__(self) -> None:
        check_choice(self.name, "gt_interval", self.gt_interval, ("half_open", "closed"))
        check_choice(self.name, "threshold_rule", self.threshold_rule, THRESHOLD_RULES)
        sampled = self.sampling_fps is not None
        refusals = (
            (sampled != (self.max_frames is not None), "max_frames is set exactly when sampling_fps is"),
            (sampled and not (self.sampling_fps > 0 and (self.max_frames or 0) > 0),
             "sampling_fps and max_frames must be positive"),
            (self.gt_interval == "closed" and self.sampling_fps is not None,
             "a closed ground-truth interval (gt_interval) is scored on every frame: sampling_fps must be None"),
            (self.copy_last_gt_box and self.gt_interval != "closed",
             "copy_last_gt_box applies to a closed ground-truth interval (gt_interval) only"),
        )
        for refused, message in refusals:
            if refused:
                raise OptionError(f"protocol {self.name}: {message}")

    @property
    def every_frame(self) -> bool:
        """True when every frame id is scored (no sampling)."""
        return self.sampling_fps is None

    def with_interpolation(self) -> TubeProtocol:
        """This protocol with missing predicted boxes interpolated (``--interpolate``)."""
        return self.derive("interpolate", interpolate_boxes=True)


DENSE = TubeProtocol(
    name="dense",
    version=1,
    description="stvg-bench canonical: every frame scored; missing predicted boxes interpolated; "
    "predicted segments clipped to the video",
    reproduces=None,
    sampling_fps=None,
    max_frames=None,
    gt_interval="half_open",
    hcstvg_frame_offset=0,
    clip_segments=True,
    interpolate_boxes=True,
    copy_last_gt_box=False,
)

TUBEDETR = TubeProtocol(
    name="tubedetr",
    version=1,
    description="TubeDETR vidstg_eval.py / hcstvg_eval.py: 5 fps sampling of the input segment, "
    "at most 200 frames, half-open intervals",
    reproduces="antoyang/TubeDETR@d70c0ee datasets/{vidstg,hcstvg}_eval.py (hull denominator as fixed in 3c32cc9)",
    sampling_fps=5.0,
    max_frames=200,
    gt_interval="half_open",
    hcstvg_frame_offset=1,
    clip_segments=False,
    interpolate_boxes=False,
    copy_last_gt_box=False,
)

STCAT = TubeProtocol(
    name="stcat",
    version=1,
    description="STCAT / CG-STVG evaluation: every frame scored, closed ground-truth interval, "
    "last ground-truth box copied when missing",
    reproduces="jy0205/STCAT@400f548 and HengLan/CGSTVG@f062d84 datasets/evaluation/{vidstg,hcstvg}_eval.py",
    sampling_fps=None,
    max_frames=None,
    gt_interval="closed",
    hcstvg_frame_offset=0,
    clip_segments=False,
    interpolate_boxes=False,
    copy_last_gt_box=True,
)
