"""The progress bar of ``baseline run``: samples, samples/s, frames/s and ETA, on stderr when it is a terminal."""

from __future__ import annotations

import sys
import time


class RunProgress:
    """Call :meth:`advance` per finished sample; a rich bar is drawn only when ``enabled`` and on a TTY."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.total = total
        self.samples = 0
        self.frames = 0
        self.started = time.perf_counter()
        self._bar = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rates]}"), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task(description, total=total, rates="")
            self._bar.start()

    def rates(self) -> str:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return f"{self.samples / elapsed:.1f} samples/s, {self.frames / elapsed:.1f} frames/s"

    def advance(self, frames: int) -> None:
        self.samples += 1
        self.frames += frames
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rates=self.rates())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
