"""The runner interface every baseline implements, and what a run gives it.

Life of a runner in a run:

1. constructed on the driver with its parsed parameters, checkpoint and device;
2. :meth:`Runner.check` on the driver (refuses a bad checkpoint before any work), then
   :meth:`Runner.prepare` on the driver, once: fit on another split, read inputs;
   what it returns is recorded in the manifest (and keys the run);
3. copied to each worker (a decode thread pool locally, a Ray actor remotely),
   where :meth:`Runner.setup` loads weights onto the device;
4. :meth:`Runner.predict` on batches of ``(sample, frames)``; ``frames`` are the
   :class:`~baselines.video.frames.DecodedFrames` of :meth:`Runner.frame_plan`
   (after :meth:`Runner.transform_frames`, which runs in the decode workers),
   or None for runners that need no video.

A runner sees :mod:`baselines.samples` objects, never ground truth, except
oracle runners, whose samples carry ``truth``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .info import RunnerInfo
from .plans import FramePlan, plan_from_parameters


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint directory: its files (relative paths) with their sha256, and one sha256 over all."""

    path: Path
    files: tuple[tuple[str, str], ...]
    sha256: str


@dataclass
class RunContext:
    """What :meth:`Runner.prepare` may use: the scored dataset and how to load another split of it."""

    dataset: object
    load_split: object  # (split) -> loaded dataset: the run's annotations rule applied to another split


class Runner(ABC):
    """A baseline: registered in ``BASELINES`` under :attr:`name` with its :class:`~baselines.info.RunnerInfo`."""

    name: str

    def __init__(self, parameters: dict, checkpoint: Checkpoint | None = None, device: str = "cpu") -> None:
        self.parameters = dict(parameters)
        self.checkpoint = checkpoint
        self.device = device
        self.plan: FramePlan = plan_from_parameters(self.parameters, self.info.family)

    @property
    def info(self) -> RunnerInfo:
        from stvg_bench.registries import BASELINES

        return BASELINES.info(self.name)

    def check(self) -> None:
        """Driver side, before any work: refuse what this runner cannot run (checkpoint, precision, device)
        with a :class:`~stvg_bench.core.errors.StvgBenchError`; nothing by default."""

    def prepare(self, context: RunContext) -> dict:
        """Driver side, once per run: fit what the runner fits; return it (JSON values) for the manifest."""
        return {}

    def setup(self) -> None:
        """Worker side, once per worker, before any batch: load weights onto :attr:`device`."""

    def frame_plan(self, sample) -> np.ndarray:
        """The frame ids (tube samples) or seconds (action samples) this runner predicts on."""
        return self.plan.frames(sample)

    def transform_frames(self, frames):
        """Per-sample preprocessing run in the decode workers (resize, normalise); identity by default."""
        return frames

    @abstractmethod
    def predict(self, batch: list[tuple]) -> list:
        """One output (:mod:`baselines.outputs`) per ``(sample, frames)`` of ``batch``, in order."""
