"""Scoring entries' prediction files on the real annotations, under every protocol of their board.

Datasets are loaded once per build from the data directory, evaluators once
per (dataset, task, protocol, options); a prediction file is parsed only when
its scores are not cached (:mod:`stvg_bench.leaderboard.scorecache`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..datasets.cache import identity
from .boards import board
from .data_dir import annotations_path
from .entries import Entry, PredictionSource
from .scorecache import Scored, cache_key, cached_score, scored_from
from .sources import checked_path, sha256_of


@dataclass
class Scorer:
    """Loads datasets and evaluators on demand and scores prediction files through the cache."""

    data_dir: Path
    root: Path
    datasets: dict = field(default_factory=dict)
    evaluators: dict = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def dataset(self, name: str):
        if name not in self.datasets:
            from ..datasets import load_dataset

            self.datasets[name] = load_dataset(name, annotations=annotations_path(self.data_dir, name))
        return self.datasets[name]

    def evaluator(self, dataset_name: str, task: str, protocol: str, options: dict):
        key = (dataset_name, task, protocol, tuple(sorted(options.items())))
        if key not in self.evaluators:
            from ..tasks.base import Evaluator

            self.evaluators[key] = Evaluator(self.dataset(dataset_name), protocol, task, **options)
        return self.evaluators[key]

    def score(self, path: Path, sha256: str, fmt: str, dataset_name: str, task: str, options: dict,
              predictions=None) -> dict[str, Scored]:
        """Scores of the file at ``path`` (sha256 already checked) under every protocol of the board;
        ``predictions``: the file already parsed (else it is parsed on the first cache miss)."""
        dataset = self.dataset(dataset_name)
        out = {}
        loaded = [] if predictions is None else [predictions]
        for protocol in board(dataset_name, task).protocols:
            evaluator = self.evaluator(dataset_name, task, protocol, options)
            key = cache_key(sha256, fmt, identity(dataset.inputs), task, evaluator.options,
                            evaluator.protocol.to_dict())

            def compute(evaluator=evaluator):
                if not loaded:
                    from ..formats import load_predictions

                    loaded.append(load_predictions(path, dataset, fmt))
                return scored_from(evaluator.score(loaded[0], ci=False))

            out[protocol], hit = cached_score(key, compute)
            self.hits, self.misses = self.hits + hit, self.misses + (not hit)
        return out

    def score_entry(self, entry: Entry, source: PredictionSource) -> dict[str, Scored]:
        path = checked_path(entry, source, self.root, self.data_dir)
        return self.score(path, source.sha256, source.format, entry.dataset, source.task, source.options)


@dataclass(frozen=True)
class FileScores:
    """What ``leaderboard add`` learns from scoring a submission: its format and scores per protocol."""

    format: str
    by_protocol: dict[str, Scored]


def score_file(data_dir: Path, dataset_name: str, task: str | None, path: Path, fmt: str) -> tuple[str, FileScores]:
    """Validate and score a submission; ``task`` defaults to the file's own (action files name theirs)."""
    from ..formats import load_predictions
    from ..tasks.base import task_for

    scorer = Scorer(Path(data_dir), root=Path("."))
    dataset = scorer.dataset(dataset_name)
    predictions = load_predictions(path, dataset, fmt)
    task_name = task_for(dataset, task or getattr(predictions, "task", None)).name
    board(dataset_name, task_name)  # a dataset without a board is refused before scoring
    scores = scorer.score(path, sha256_of(path), predictions.meta.format, dataset_name, task_name, {}, predictions)
    return task_name, FileScores(predictions.meta.format, scores)
