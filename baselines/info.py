"""What a runner declares for listings and checks (a light module: no torch, no runner code).

Kinds say how a runner relates to the ground truth and to training:

* ``prior``: no video, no weights; statistics of the inputs (or of another split);
* ``oracle``: sees part of the ground truth of the scored split; labelled as such in its
  info, its manifest and its prediction file, and never ranked;
* ``zero-shot``, ``weakly``, ``fully``: neural methods by their supervision;
* ``external``: wraps a published implementation run in its own environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("prior", "oracle", "zero-shot", "weakly", "fully", "external")

NEEDS = {
    "videos": "decoded frames (--videos DIR)",
    "checkpoint": "model weights (--checkpoint DIR; external runners: the peer's checkpoint FILE)",
    "other split": "the ground truth of another split of the dataset to fit on (never the scored one)",
    "frame sizes": "each video's frame size (from the annotations, --frame-sizes FILE or --videos DIR)",
}


@dataclass(frozen=True)
class ParameterSpec:
    """One runner parameter: its name, default, value kind (see :mod:`baselines.params`) and help."""

    name: str
    default: Any
    kind: str
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunnerInfo:
    """What ``stvg-bench baseline list`` shows about a runner, registered with it in ``BASELINES``.

    ``task`` is the registered task its predictions answer (``tube-grounding``,
    ``action-spatial``, ...); ``family`` the data model (``tubes`` or ``actions``);
    ``version`` is bumped whenever its predictions change; ``needs`` names keys of
    :data:`NEEDS`; ``default_batch_size`` is the samples per ``predict`` call.
    """

    description: str
    version: int
    task: str
    family: str
    kind: str
    needs: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...] = ()
    default_batch_size: int = 64

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"runner kind {self.kind!r} is not one of {', '.join(KINDS)}")
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"unknown needs {sorted(unknown)}; choose from {', '.join(NEEDS)}")

    @property
    def is_oracle(self) -> bool:
        return self.kind == "oracle"
