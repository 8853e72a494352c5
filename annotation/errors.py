"""Errors about annotation exports: they name the file, the task and the annotator."""

from __future__ import annotations

from stvg_bench.core.errors import StvgBenchError


class AnnotationInputError(StvgBenchError):
    """A snapshot, response table or build that cannot be used as it is."""

    def __init__(self, message: str, *, path=None, position=None, task=None, annotator=None) -> None:
        super().__init__(message, path=path, position=position)
        self.task = task
        self.annotator = annotator

    def context(self) -> list[str]:
        parts = super().context()
        if self.task is not None:
            parts.append(f"task {self.task}")
        if self.annotator is not None:
            parts.append(f"annotator {self.annotator}")
        return parts
