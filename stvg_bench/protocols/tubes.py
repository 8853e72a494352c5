"""Evaluation protocols for spatio-temporal grounding (METRICS.md §2), as data.

A protocol decides which frames are scored, how the ground-truth interval is
closed, and what happens to frames without a predicted box. Dataset adapters
read these fields when they resolve their ground truth into a
:class:`~stvg_bench.data.tube_table.ScoringTable`; every field is printed with the
results. Any change of behaviour bumps ``version``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from ..core.errors import OptionError


@dataclass(frozen=True)
class Protocol:
    """One named, versioned way of scoring VidSTG / HC-STVG predictions.

    Attributes:
        name: registry name (``dense``, ``tubedetr``, ``stcat``).
        version: bumped on any change of behaviour.
        reproduces: the evaluator whose numbers this protocol reproduces, if any.
        frame_set: ``"all"`` (every frame id) or ``"sampled"`` (TubeDETR's
            ``sampling_fps`` sampling of the input segment, capped at ``max_frames``).
        sampling_fps: frames per second kept by the ``"sampled"`` frame set.
        max_frames: cap of the ``"sampled"`` frame set (uniform subsampling).
        gt_interval: ``"half_open"`` (``[begin, end)``) or ``"closed"`` (STCAT:
            ``[begin, end]`` with the end plugged into the tIoU formula as if half-open).
        hcstvg_frame_offset: frame of HC-STVG's ``bbox[k]`` is ``st_frame - 1 + k +
            hcstvg_frame_offset`` (0: 1-based ``st_frame`` made 0-based; 1: TubeDETR).
        clip_segments: clip predicted segments to ``[0, frame_count)`` (counted).
        interpolate_boxes: fill frames without a predicted box by linear
            interpolation between the nearest predicted frames (held constant
            beyond the first/last); if false a missing scored box is an error.
        copy_last_gt_box: a missing ground-truth box on the last frame of the
            closed interval is copied from the previous frame (STCAT).
        threshold_rule: ``"greater"``: vIoU@R counts vIoU > R.
    """

    name: str
    version: int
    description: str
    reproduces: str | None
    frame_set: str
    sampling_fps: float | None
    max_frames: int | None
    gt_interval: str
    hcstvg_frame_offset: int
    clip_segments: bool
    interpolate_boxes: bool
    copy_last_gt_box: bool
    threshold_rule: str = "greater"

    def __post_init__(self) -> None:
        if self.frame_set not in ("all", "sampled"):
            raise OptionError(f"protocol {self.name}: frame_set must be 'all' or 'sampled'")
        if self.frame_set == "sampled" and not (self.sampling_fps and self.max_frames):
            raise OptionError(f"protocol {self.name}: a sampled frame set needs sampling_fps and max_frames")
        if self.gt_interval not in ("half_open", "closed"):
            raise OptionError(f"protocol {self.name}: gt_interval must be 'half_open' or 'closed'")

    def to_dict(self) -> dict:
        """All fields, for the results file."""
        return dataclasses.asdict(self)

    def cache_key(self) -> str:
        """Directory name for tables resolved under this protocol: its name and a hash of every field."""
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()
        return f"{self.name}-v{self.version}-{digest[:16]}"

    def with_interpolation(self) -> Protocol:
        """This protocol with missing predicted boxes interpolated (``--interpolate``).

        Named ``<name>+interpolate`` so that results say the numbers are not the peer's.
        """
        if self.interpolate_boxes:
            return self
        return dataclasses.replace(self, name=f"{self.name}+interpolate", interpolate_boxes=True)


DENSE = Protocol(
    name="dense",
    version=1,
    description="stvg-bench canonical: every frame scored; missing predicted boxes interpolated; "
    "predicted segments clipped to the video",
    reproduces=None,
    frame_set="all",
    sampling_fps=None,
    max_frames=None,
    gt_interval="half_open",
    hcstvg_frame_offset=0,
    clip_segments=True,
    interpolate_boxes=True,
    copy_last_gt_box=False,
)

TUBEDETR = Protocol(
    name="tubedetr",
    version=1,
    description="TubeDETR vidstg_eval.py / hcstvg_eval.py: 5 fps sampling of the input segment, "
    "at most 200 frames, half-open intervals",
    reproduces="antoyang/TubeDETR datasets/{vidstg,hcstvg}_eval.py (hull denominator as fixed in 3c32cc9)",
    frame_set="sampled",
    sampling_fps=5.0,
    max_frames=200,
    gt_interval="half_open",
    hcstvg_frame_offset=1,
    clip_segments=False,
    interpolate_boxes=False,
    copy_last_gt_box=False,
)

STCAT = Protocol(
    name="stcat",
    version=1,
    description="STCAT / CG-STVG evaluation: every frame scored, closed ground-truth interval, "
    "last ground-truth box copied when missing",
    reproduces="jy0205/STCAT datasets/evaluation/{vidstg,hcstvg}_eval.py",
    frame_set="all",
    sampling_fps=None,
    max_frames=None,
    gt_interval="closed",
    hcstvg_frame_offset=0,
    clip_segments=False,
    interpolate_boxes=False,
    copy_last_gt_box=True,
)

PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (DENSE, TUBEDETR, STCAT)}


def get_protocol(name: str | Protocol) -> Protocol:
    """Look a protocol up by name (or pass a Protocol through)."""
    if isinstance(name, Protocol):
        return name
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise OptionError(f"unknown protocol {name!r}; choose one of {', '.join(PROTOCOLS)}") from None
