"""Decoded frames, and choosing the decoded frame nearest to each planned time.

Times are seconds from the video's first frame: a decoded frame's time is
``(pts - first_pts) * time_base`` (its presentation timestamp), a planned
frame id ``f`` is at ``f / fps`` with the annotation's fps, a planned second
``s`` at ``s``. Each planned time gets the decoded frame nearest to it (a tie
goes to the earlier frame), which is exact for constant frame rates and
well-defined for variable ones and for streams that start at an offset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stvg_bench.core.errors import InputFileError


@dataclass(frozen=True)
class DecodedFrames:
    """The frames of one sample, in plan order.

    ``planned[i]`` (a frame id or a second) was planned at ``target_time_s[i]``
    and answered by the decoded frame at ``frame_time_s[i]``; ``rgb`` is
    ``(n, height, width, 3)`` uint8 (or whatever the runner's ``transform_frames``
    made of it). ``backend`` names the decoder.
    """

    video_id: str
    planned: np.ndarray
    target_time_s: np.ndarray
    frame_time_s: np.ndarray
    rgb: Any
    backend: str

    def __len__(self) -> int:
        return len(self.planned)


class NearestFrames:
    """Streaming choice of the nearest decoded frame for sorted target times.

    Offer each decoded frame (a *handle*: whatever the decoder needs to turn it
    into pixels later) in presentation order with :meth:`offer`; stop when
    :attr:`done`; then :meth:`finish` gives each target's frame time and handle.
    """

    def __init__(self, targets_s: np.ndarray) -> None:
        self.targets = np.asarray(targets_s, dtype=np.float64)
        self.handles: list = [None] * len(self.targets)
        self.times = np.full(len(self.targets), np.nan)
        self.next = 0
        self.previous: tuple[float, object] | None = None

    @property
    def done(self) -> bool:
        return self.next >= len(self.targets)

    @property
    def next_target_s(self) -> float:
        return float(self.targets[self.next]) if not self.done else float("inf")

    def _assign_while(self, bound_s: float, time_s: float, handle) -> None:
        while not self.done and self.targets[self.next] <= bound_s:
            self.handles[self.next] = handle
            self.times[self.next] = time_s
            self.next += 1

    def offer(self, time_s: float, handle) -> None:
        if self.previous is None:  # nothing earlier: targets up to this frame are nearest to it
            self._assign_while(time_s, time_s, handle)
        else:
            before, kept = self.previous
            self._assign_while((before + time_s) / 2, before, kept)
        self.previous = (time_s, handle)

    def finish(self, tolerance_s: float, video_id: str, path, planned: np.ndarray) -> tuple[np.ndarray, list]:
        """Targets left go to the last frame if within ``tolerance_s`` of it; otherwise the video is short."""
        if self.previous is not None:
            last, kept = self.previous
            self._assign_while(last + tolerance_s, last, kept)
        if not self.done:
            end = "no frame was decoded" if self.previous is None else f"the decoded frames end at {last:.3f} s"
            raise InputFileError(
                f"video {video_id}: {end} but frame {planned[self.next]} is planned at "
                f"{self.targets[self.next]:.3f} s: the video is shorter than the annotation (or truncated)",
                path=path)
        return self.times, self.handles


def unique_arrays(handles: list, convert: Callable[[object], np.ndarray]) -> list[np.ndarray]:
    """``convert`` applied once per distinct handle (a frame nearest to two targets is converted once)."""
    converted: dict[int, np.ndarray] = {}
    arrays = []
    for handle in handles:
        if id(handle) not in converted:
            converted[id(handle)] = convert(handle)
        arrays.append(converted[id(handle)])
    return arrays
