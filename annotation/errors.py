"""Errors about annotation exports: they name the file, the task and the annotator."""

from __future__ import annotations

from stvg_bench.errors import StvgBenchError


class AnnotationInputError(StvgBenchError):
    """A snapshot, response table or build that cannot be used as it is."""

    def __init__(self, message: str, *, path=None, task=None, annotator=None) -> None:
        super().__init__(message, path=path)
        self.task = task
        self.annotator = annotator

    def __str__(self) -> str:
        parts = [str(self.path)] if self.path is not None else []
        if self.task is not None:
            parts.append(f"task {self.task}")
        if self.annotator is not None:
            parts.append(f"annotator {self.annotator}")
        parts.append(self.message)
        return ": ".join(" ".join(str(p).split()) for p in parts)
