"""The local executor: decoding runs ahead in background threads, the model runs batched in this one.

At most ``prefetch`` work units (one video each) are decoded or waiting at a
time: a bounded queue, so memory stays bounded while the decode threads stay
ahead of the model. Outputs are handed to ``sink`` (which writes the shard) as
each batch finishes.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from .stats import StageTimes
from .work import unit_inputs


def predict_batch(runner, batch: list, stats: StageTimes) -> list:
    clock = time.perf_counter()
    outputs = runner.predict(batch)
    stats.add("predict", time.perf_counter() - clock)
    if len(outputs) != len(batch):
        raise RuntimeError(f"runner {runner.name} returned {len(outputs)} outputs for {len(batch)} samples")
    return outputs


class LocalExecutor:
    name = "local"

    def __init__(self, batch_size: int, decode_workers: int = 2, prefetch: int = 4) -> None:
        self.batch_size = batch_size
        self.decode_workers = decode_workers
        self.prefetch = max(prefetch, 1)

    def describe(self) -> dict:
        return {"name": self.name, "batch_size": self.batch_size, "decode_workers": self.decode_workers,
                "prefetch_units": self.prefetch}

    def run(self, runner, units: list, source, sink, stats: StageTimes) -> None:
        clock = time.perf_counter()
        runner.setup()
        stats.add("startup", time.perf_counter() - clock)
        batch: list = []

        def flush() -> None:
            if batch:
                for (sample, _), output in zip(batch, predict_batch(runner, batch, stats)):
                    sink(sample, output)
                batch.clear()

        pool = ThreadPoolExecutor(self.decode_workers, thread_name_prefix="stvg-decode") if source else None
        queue: deque = deque()
        remaining = iter(units)

        def submit() -> None:
            unit = next(remaining, None)
            if unit is not None:
                queue.append(pool.submit(unit_inputs, unit, runner, source) if pool else unit_inputs(unit, runner, None))

        try:
            for _ in range(self.prefetch):
                submit()
            while queue:
                clock = time.perf_counter()
                head = queue.popleft()
                inputs = head.result() if pool else head
                stats.add("wait", time.perf_counter() - clock)
                submit()
                stats.add("decode", inputs.decode_seconds)
                stats.frames += inputs.frames
                for item in inputs.items:
                    batch.append(item)
                    if len(batch) >= self.batch_size:
                        flush()
            flush()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
