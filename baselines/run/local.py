"""The local executor: decoding runs ahead in background threads, the model runs batched in this one.

While the model predicts batch ``k``, the work units of batches ``k + 1`` to
``k + prefetch`` are decoded by ``decode_workers`` threads: a bounded queue,
so memory stays bounded while decoding stays ahead of the model. Outputs are
handed to ``sink`` (which writes the shards) as each batch finishes.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from stvg_bench.core.errors import OptionError

from .stats import StageTimes
from .work import unit_inputs


def predict_batch(runner, items: list, stats: StageTimes) -> list:
    """``runner.predict`` on one planned batch, timed and checked."""
    clock = time.perf_counter()
    outputs = runner.predict(items)
    stats.add("predict", time.perf_counter() - clock)
    if len(outputs) != len(items):
        raise RuntimeError(f"runner {runner.name} returned {len(outputs)} outputs for {len(items)} samples")
    return outputs


def batch_items(unit_results: list, stats: StageTimes) -> list:
    """The ``(sample, frames)`` items of a batch from its units' inputs, counting their decoding."""
    items = []
    for inputs in unit_results:
        stats.add("decode", inputs.decode_seconds)
        stats.frames += inputs.frames
        items += inputs.items
    return items


class LocalExecutor:
    name = "local"

    def __init__(self, batch_size: int, decode_workers: int = 2, prefetch: int = 2) -> None:
        if decode_workers < 1 or prefetch < 1:
            raise OptionError(f"--decode-workers and --prefetch must be at least 1, got {decode_workers}, {prefetch}")
        self.batch_size = batch_size
        self.decode_workers = decode_workers
        self.prefetch = prefetch

    def describe(self) -> dict:
        return {"name": self.name, "batch_size": self.batch_size, "decode_workers": self.decode_workers,
                "prefetch_batches": self.prefetch}

    def run(self, runner, batches: list, source, sink, stats: StageTimes) -> None:
        clock = time.perf_counter()
        runner.setup()
        stats.add("startup", time.perf_counter() - clock)
        pool = ThreadPoolExecutor(self.decode_workers, thread_name_prefix="stvg-decode") if source else None
        queue: deque = deque()  # (batch, [future per unit]) in plan order
        remaining = iter(batches)

        def fill() -> None:
            while len(queue) < self.prefetch:
                batch = next(remaining, None)
                if batch is None:
                    return
                queue.append([pool.submit(unit_inputs, unit, runner, source) for unit in batch.units] if pool
                             else [unit_inputs(unit, runner, None) for unit in batch.units])

        try:
            fill()
            while queue:
                clock = time.perf_counter()
                head = queue.popleft()
                results = [future.result() for future in head] if pool else head
                stats.add("wait", time.perf_counter() - clock)
                fill()
                items = batch_items(results, stats)
                for (sample, _), output in zip(items, predict_batch(runner, items, stats)):
                    sink(sample, output)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
