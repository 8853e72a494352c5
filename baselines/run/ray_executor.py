"""The Ray executor: the same runner in a pool of Ray actors, videos sharded across them.

Each actor holds one copy of the runner (set up once: weights stay loaded) and
the video source; it decodes the videos of one planned batch and predicts it.
The driver hands out one batch per idle actor (so videos are sharded across
actors) and writes the shards as results stream back, so a killed run loses
only the batches in flight. Uses the
cluster at ``address`` (``auto``, ``HOST:PORT``) or one already initialised
in this process, else starts a local one for the run.
"""

from __future__ import annotations

import time

from stvg_bench.core.errors import OptionError

from .local import batch_items, predict_batch
from .stats import StageTimes
from .work import unit_inputs


class _Worker:
    """The body of a Ray actor."""

    def __init__(self, runner, source) -> None:
        self.runner, self.source = runner, source
        runner.setup()

    def run(self, batch):
        stats = StageTimes()
        items = batch_items([unit_inputs(unit, self.runner, self.source) for unit in batch.units], stats)
        outputs = predict_batch(self.runner, items, stats)
        return [(sample, output) for (sample, _), output in zip(items, outputs)], stats


class RayExecutor:
    name = "ray"

    def __init__(self, batch_size: int, address: str | None = None, workers: int = 2,
                 gpus_per_worker: float = 0.0) -> None:
        if workers < 1:
            raise OptionError(f"--workers must be at least 1, got {workers}")
        if gpus_per_worker < 0:
            raise OptionError(f"--gpus-per-worker must not be negative, got {gpus_per_worker}")
        try:
            import ray  # noqa: F401
        except ImportError:
            raise OptionError("--executor ray needs Ray: pip install 'stvg-bench[ray]'") from None
        self.batch_size, self.address, self.workers, self.gpus = batch_size, address, workers, gpus_per_worker

    def describe(self) -> dict:
        return {"name": self.name, "batch_size": self.batch_size, "address": self.address, "workers": self.workers,
                "gpus_per_worker": self.gpus}

    def run(self, runner, batches: list, source, sink, stats: StageTimes) -> None:
        import ray
        from ray.util import ActorPool

        clock = time.perf_counter()
        started_here = not ray.is_initialized()
        if started_here:
            local = {} if self.address else {"num_cpus": self.workers}
            try:
                ray.init(address=self.address, include_dashboard=False, logging_level="WARNING", **local)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise OptionError(f"cannot start or join the Ray cluster at {self.address or 'this machine'}: "
                                  f"{exc}") from None
        actor = ray.remote(_Worker).options(num_cpus=1, num_gpus=self.gpus)
        actors = [actor.remote(runner, source) for _ in range(self.workers)]
        try:
            pool = ActorPool(actors)
            stats.add("startup", time.perf_counter() - clock)
            for batch in batches:
                pool.submit(lambda worker, work: worker.run.remote(work), batch)
            while pool.has_next():
                clock = time.perf_counter()
                results, worker_stats = pool.get_next_unordered()
                stats.add("wait", time.perf_counter() - clock)
                stats.frames += worker_stats.frames
                for stage in ("decode", "predict"):
                    stats.add(stage, worker_stats.seconds[stage])
                for sample, output in results:
                    sink(sample, output)
        finally:
            for worker in actors:
                ray.kill(worker)
            if started_here:
                ray.shutdown()
