"""Model calls over a list of inputs in batches that halve on CUDA out-of-memory.

:func:`map_in_batches` calls ``model_call`` on consecutive slices of at most
``batch_size`` items; when a call raises ``torch.cuda.OutOfMemoryError`` the
CUDA cache is emptied, the batch size halved (logged on stderr) and the same
slice retried; the halved size is kept for the rest of the run. An
out-of-memory error at batch size 1 is an error saying so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from baselines.info import ParameterSpec
from stvg_bench.core.errors import OptionError

FRAMES_PER_BATCH = ParameterSpec("frames_per_batch", 8, "integer",
                                 "frames per model call (halved on CUDA out-of-memory)")


class BatchSize:
    """The current frames-per-call of a runner's worker; shrinks on out-of-memory, never grows back."""

    def __init__(self, size: int, runner: str) -> None:
        if size < 1:
            raise OptionError(f"{runner}: --param frames_per_batch must be at least 1, got {size}")
        self.size = size
        self.runner = runner

    def halve(self) -> None:
        if self.size == 1:
            raise OptionError(f"{self.runner}: CUDA out of memory with one frame per call; use a smaller "
                              "image size or --precision bf16")
        self.size //= 2
        print(f"{self.runner}: CUDA out of memory: frames per call halved to {self.size}", file=sys.stderr)


def map_in_batches(items: Sequence, batch: BatchSize, model_call: Callable[[Sequence], list]) -> list:
    """``model_call`` over ``items`` in slices of ``batch.size``: the concatenated results, in order."""
    import torch

    results: list = []
    start = 0
    while start < len(items):
        chunk = items[start: start + batch.size]
        try:
            results.extend(model_call(chunk))
        except torch.cuda.OutOfMemoryError:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            batch.halve()
            continue
        start += len(chunk)
    return results
