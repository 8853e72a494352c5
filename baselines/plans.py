"""Frame plans: which frames (tube datasets) or seconds (action datasets) a runner predicts on.

A plan is data: a named rule and its parameters, recorded in the run manifest.

Tube rules, over the sample's input segment ``[segment_start_frame,
segment_end_frame_exclusive)`` (frame ids of the annotation, at its fps):

* ``tubedetr``: exactly the frames the ``tubedetr`` protocol scores (5 fps by
  TubeDETR's integer rule, at most 200 kept uniformly);
* ``fps:N``: the same rule at N frames per second;
* ``every`` / ``every:K``: every (K-th) frame.

``max_frames`` caps ``fps`` and ``every`` plans by TubeDETR's uniform rule
(``ids[(j * n) // max_frames]``). Planned frames lie in ``[0, frame_count)``.

Action rule ``seconds``: one frame per second asked (the queried seconds of a
spatial sample, every second ``0..duration`` of a temporal one); second ``s``
is the frame nearest to ``s`` seconds into the video.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from stvg_bench.core.errors import OptionError, quote
from stvg_bench.core.numbers import ascii_integer, ascii_number
from stvg_bench.data.tube_table import tubedetr_sampled_frames
from stvg_bench.protocols.tubes import TUBEDETR


@dataclass(frozen=True)
class FramePlan:
    """A named rule (``tubedetr``, ``fps``, ``every``, ``seconds``) and its parameters (None where unused)."""

    rule: str
    fps: float | None = None
    stride: int | None = None
    max_frames: int | None = None

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @property
    def family(self) -> str:
        return RULES[self.rule][0]

    def frames(self, sample) -> np.ndarray:
        """Sorted unique frame ids (tube samples) or seconds (action samples) of ``sample`` (int64)."""
        return RULES[self.rule][1](self, sample)


def cap_uniform(ids: np.ndarray, max_frames: int | None) -> np.ndarray:
    """At most ``max_frames`` of ``ids``, kept as TubeDETR does: ``ids[(j * n) // max_frames]``."""
    if not max_frames or len(ids) <= max_frames:
        return ids
    return ids[(np.arange(max_frames, dtype=np.int64) * len(ids)) // max_frames]


def _inside_video(frames: np.ndarray, sample) -> np.ndarray:
    return frames[(frames >= 0) & (frames < sample.frame_count)]


def _sampled(sample, fps: float, max_frames: int) -> np.ndarray:
    _, frames = tubedetr_sampled_frames(
        np.array([sample.segment_start_frame]), np.array([sample.segment_end_frame_exclusive]),
        np.array([sample.fps]), fps, max_frames)
    return _inside_video(frames.astype(np.int64), sample)


def _tubedetr(plan: FramePlan, sample) -> np.ndarray:
    return _sampled(sample, TUBEDETR.sampling_fps, TUBEDETR.max_frames)


def _fps(plan: FramePlan, sample) -> np.ndarray:
    no_cap = max(sample.segment_end_frame_exclusive - sample.segment_start_frame, 1)
    return _sampled(sample, plan.fps, plan.max_frames or no_cap)


def _every(plan: FramePlan, sample) -> np.ndarray:
    start, end = sample.segment_start_frame, sample.segment_end_frame_exclusive
    frames = np.arange(start, max(end, start + 1), plan.stride, dtype=np.int64)
    return cap_uniform(_inside_video(frames, sample), plan.max_frames)


def _seconds(plan: FramePlan, sample) -> np.ndarray:
    return np.asarray(sample.seconds, dtype=np.int64)


RULES: dict[str, tuple[str, Callable[[FramePlan, object], np.ndarray]]] = {
    "tubedetr": ("tubes", _tubedetr),
    "fps": ("tubes", _fps),
    "every": ("tubes", _every),
    "seconds": ("actions", _seconds),
}


def _parsed(parse, argument: str, default):
    """``parse(argument)``, ``default`` for an empty one, -1 (refused by the callers) for a malformed one."""
    if not argument:
        return default
    try:
        return parse(argument)
    except ValueError:
        return -1


def parse_rule(text: str) -> FramePlan:
    """``tubedetr``, ``fps:N``, ``every``, ``every:K`` or ``seconds`` as a plan (no cap); ValueError if not."""
    name, _, argument = text.strip().partition(":")
    if name not in RULES:
        raise ValueError(f"unknown frame plan {quote(text)}; choose tubedetr, fps:N, every[:K]")
    if name == "fps":
        fps = _parsed(ascii_number, argument, 0.0)
        if not fps > 0 or not np.isfinite(fps):
            raise ValueError("fps:N needs a positive number of frames per second")
        return FramePlan("fps", fps=fps)
    if name == "every":
        stride = _parsed(ascii_integer, argument, 1)
        if stride < 1:
            raise ValueError("every:K needs a positive integer K")
        return FramePlan("every", stride=stride)
    if argument:
        raise ValueError(f"the {name} plan takes no argument")
    return FramePlan(name)


def plan_from_parameters(parameters: dict, family: str) -> FramePlan:
    """The plan of a runner's parameters (``frame_plan``, ``max_frames``); action runners plan ``seconds``."""
    if family == "actions":
        return FramePlan("seconds")
    plan = parse_rule(parameters["frame_plan"])
    max_frames = parameters.get("max_frames") or None
    if plan.family != family:
        raise OptionError(f"the {plan.rule} frame plan is for action datasets")
    if max_frames and plan.rule == "tubedetr":
        raise OptionError("the tubedetr plan is the protocol's own frames (at most 200): it takes no max_frames")
    return FramePlan(plan.rule, plan.fps, plan.stride, max_frames)
