"""Batches and work units, and turning a unit into a runner's inputs.

The batch plan is a function of the selected samples and the batch size only:
samples grouped by video (in order of their first sample), then cut into
consecutive batches of ``batch_size``. Every executor calls ``predict`` on
exactly these batches (a resumed run recomputes a partly finished batch
whole), so a runner whose numbers depend on what else is in its batch still
gives the same bytes locally, on Ray and after a resume.

A work unit (the samples of one video inside one batch) is decoded in one
pass over the union of their planned frames; each sample gets its own frames
in plan order. Both executors call :func:`unit_inputs`, so they hand the
runner the same frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from stvg_bench.core.errors import InputFileError

from ..video.frames import DecodedFrames

ACTION_TOLERANCE_S = 0.5  # a planned second may be answered by a frame at most half a second away


@dataclass(frozen=True)
class WorkUnit:
    """Samples (in position order) sharing one video and frame rate."""

    video_id: str
    fps: float | None
    samples: tuple


@dataclass(frozen=True)
class UnitInputs:
    """What a unit gives the runner, and what decoding it cost."""

    items: list  # [(sample, DecodedFrames | None)]
    frames: int
    decode_seconds: float


@dataclass(frozen=True)
class Batch:
    """One ``predict`` call: its units, whose samples in order are the batch."""

    units: tuple[WorkUnit, ...]

    @property
    def samples(self) -> list:
        return [sample for unit in self.units for sample in unit.samples]


def plan_batches(samples: list, batch_size: int) -> list[Batch]:
    """The batch plan of ``samples`` (see the module docstring)."""
    ordered = [sample for unit in work_units(samples) for sample in unit.samples]
    return [Batch(tuple(work_units(ordered[k : k + batch_size]))) for k in range(0, len(ordered), batch_size)]


def work_units(samples: list) -> list[WorkUnit]:
    """Samples grouped by (video, fps), units in order of their first sample."""
    units: dict[tuple, list] = {}
    for sample in samples:
        units.setdefault((sample.video_id, getattr(sample, "fps", None)), []).append(sample)
    return [WorkUnit(video, fps, tuple(group)) for (video, fps), group in units.items()]


def _times(unit: WorkUnit, planned: np.ndarray) -> np.ndarray:
    return planned / unit.fps if unit.fps is not None else planned.astype(np.float64)


def unit_inputs(unit: WorkUnit, runner, source) -> UnitInputs:
    """Decode the planned frames of ``unit`` (nothing when the runner needs no video)."""
    if source is None:
        return UnitInputs([(sample, None) for sample in unit.samples], 0, 0.0)
    clock = time.perf_counter()
    plans = [np.asarray(runner.frame_plan(sample), dtype=np.int64) for sample in unit.samples]
    planned = np.unique(np.concatenate(plans)) if plans else np.zeros(0, dtype=np.int64)
    reader = source.open(unit.video_id, unit.fps)
    try:
        declared = reader.frame_count()
        expected = max((getattr(s, "frame_count", 0) for s in unit.samples), default=0)
        if declared is not None and declared < expected:
            raise InputFileError(f"video {unit.video_id}: the video has {declared} frames, the annotation says "
                                 f"{expected}: decoded frame count shorter than the annotation's", path=reader.path)
        tolerance = 0.5 / unit.fps if unit.fps is not None else ACTION_TOLERANCE_S
        frame_times, arrays = reader.read(_times(unit, planned), planned, tolerance) if len(planned) else ([], [])
    finally:
        reader.close()
    items = []
    for sample, plan in zip(unit.samples, plans):
        rows = np.searchsorted(planned, plan)
        rgb = np.stack([arrays[i] for i in rows.tolist()]) if len(rows) else np.zeros((0, 0, 0, 3), np.uint8)
        frames = DecodedFrames(unit.video_id, plan, _times(unit, plan), np.asarray(frame_times)[rows], rgb,
                               reader.backend)
        items.append((sample, runner.transform_frames(frames)))
    return UnitInputs(items, len(planned), time.perf_counter() - clock)
