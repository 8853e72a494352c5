"""The task interface every dataset family is scored through, and the evaluator that binds one.

A :class:`Task` owns, for one family of datasets (``tubes`` or ``actions``):
its name and ``--task`` value, the protocols it accepts (registered info),
its options, the metric fields it declares (:class:`~stvg_bench.results.result.MetricField`)
and per-sample columns, how predictions are checked against a dataset, and how
they are scored. Scoring has two steps so that an :class:`Evaluator` can do the
expensive part once: :meth:`Task.prepare` resolves the dataset under the
protocol; :meth:`Task.measure` turns predictions into per-unit statistics,
from which the base class computes metrics and bootstrap intervals the same way
for every task.

>>> import stvg_bench as sb
>>> dataset = sb.load_dataset("synthetic")
>>> predictions = sb.datasets.synthetic.make_predictions(dataset.gt, "oracle")
>>> result = sb.Evaluator(dataset, protocol="tubedetr").score(predictions, ci=False)
>>> round(result.metrics["all"]["m_tIoU"], 6)
1.0
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core.errors import DatasetMismatchError, OptionError, SampleIdError, quote
from ..core.progress import step
from ..protocols import Protocol, get_protocol
from ..results.result import (
    Bootstrap,
    ColumnField,
    ComparisonResult,
    MetricField,
    ScoreResult,
    compare,
    provenance,
    summarise,
)
from ..statistics import N_RESAMPLES, SEED, Statistic


@dataclass(frozen=True)
class TaskOption:
    """An option a task accepts: its default and how a given value is checked and normalised."""

    name: str
    default: Any
    parse: Callable[[Any], Any]


def choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    """A parser accepting one of ``choices``."""

    def parse(value):
        if value not in choices:
            raise OptionError(f"--{name.replace('_', '-')} must be one of {', '.join(choices)}, got {quote(value)}")
        return value

    return parse


def flag(value) -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"expected true or false, got {quote(value)}")
    return value


def finite_number(name: str) -> Callable[[Any], float | None]:
    """A parser accepting a finite number (or None, meaning unset)."""

    def parse(value):
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise OptionError(f"--{name.replace('_', '-')} must be a number, got {quote(value)}") from None
        if not math.isfinite(number):
            raise OptionError(f"--{name.replace('_', '-')} must be a finite number, got {quote(value)}")
        return number

    return parse


@dataclass(frozen=True)
class Measurement:
    """What :meth:`Task.measure` returns: the fields present, per-group statistics, per-sample columns, warnings.

    ``statistics[group] = (n_units, statistic)``: a statistic of resampling weights
    (``(rows, n_units)`` -> ``(rows, len(fields))``, see :mod:`stvg_bench.statistics`);
    ``unavailable``: declared metrics the data cannot give, with the reason; ``per_step``: the task's
    per-step table (its ``per_step_columns``; empty without step classes); ``precision_recall``: the ranked
    detections behind video mAP, one per threshold (:class:`~stvg_bench.metrics.video_map.PrecisionRecall`);
    ``units_predicted[group]``: which resampling units of the group the submission predicted (for
    ``compare --missing skip``; every unit when a group is absent); ``per_frame``: computes one row per
    scored ground-truth frame on demand (its ``per_frame_columns``; tube
    tasks with boxes).
    """

    fields: tuple[MetricField, ...]
    statistics: dict[str, tuple[int, Statistic]]
    per_sample: dict
    warnings: dict[str, int]
    unavailable: dict[str, str] = field(default_factory=dict)
    per_step: dict = field(default_factory=dict)
    precision_recall: tuple = ()
    per_frame: Callable[[], dict] | None = None
    units_predicted: dict = field(default_factory=dict)


class Task(ABC):
    """One way of scoring predictions of one dataset family (see the module docstring)."""

    name: str
    unit: str
    options: tuple[TaskOption, ...]
    per_sample_columns: tuple[ColumnField, ...]
    per_step_columns: tuple[ColumnField, ...] = ()
    per_frame_columns: tuple[ColumnField, ...] = ()

    @property
    def info(self):
        from ..registries import TASKS

        return TASKS.info(self.name)

    def parse_options(self, given: dict) -> dict:
        """The task's options with ``given`` applied; an option this task does not take is an error."""
        known = {o.name: o for o in self.options}
        unknown = [k for k, v in given.items() if k not in known and v is not None]
        if unknown:
            flags = ", ".join(f"--{k.replace('_', '-')}" for k in unknown)
            raise OptionError(f"{flags} does not apply to the {self.name} task (its options: "
                              f"{', '.join('--' + o.name.replace('_', '-') for o in self.options)})")
        return {name: option.parse(given[name]) if given.get(name) is not None else option.default
                for name, option in known.items()}

    def protocol(self, name: str | Protocol | None, options: dict) -> Protocol:
        """The protocol to score under: ``name`` (default: the task's), with the option-derived changes applied."""
        protocol = get_protocol(name if name is not None else self.info.default_protocol, self.info.family)
        if protocol.name.partition("+")[0] not in self.info.protocols:
            raise OptionError(f"the {self.name} task scores under {', '.join(self.info.protocols)}, "
                              f"not {protocol.name}")
        return self.derive_protocol(protocol, options)

    def derive_protocol(self, protocol: Protocol, options: dict) -> Protocol:
        """Options that change a protocol field give a derived protocol (see :mod:`stvg_bench.protocols.base`)."""
        return protocol

    @abstractmethod
    def fields(self, protocol: Protocol, options: dict) -> tuple[MetricField, ...]:
        """Every metric field the task can report under ``protocol`` and ``options``, in table order."""

    @abstractmethod
    def prepare(self, dataset, protocol: Protocol, options: dict):
        """Resolve ``dataset`` under ``protocol`` once (refusing what can never be scored)."""

    @abstractmethod
    def check(self, state, predictions) -> None:
        """Refuse predictions of another task, dataset or split, unknown ids and values outside the data."""

    @abstractmethod
    def measure(self, state, predictions) -> Measurement:
        """Score checked predictions."""

    def evaluator(self, dataset, protocol: str | Protocol | None = None, **options) -> Evaluator:
        """This task bound to ``dataset``, a protocol and options (the expensive resolution done once)."""
        return Evaluator(dataset, protocol, task=self, **options)

    def score(self, dataset, predictions, protocol: str | Protocol | None = None, *, ci: bool = True,
              n_resamples: int = N_RESAMPLES, seed: int = SEED, **options) -> ScoreResult:
        """Score ``predictions`` on ``dataset``; with ``ci`` add 95% bootstrap intervals (docs/METRICS.md §6)."""
        return self.evaluator(dataset, protocol, **options).score(predictions, ci, n_resamples, seed)


def check_dataset_and_split(dataset, predictions) -> None:
    """Refuse predictions whose file names another dataset, split or family."""
    meta = predictions.meta
    if predictions.family != dataset.family:
        raise DatasetMismatchError(f"these are {predictions.family} predictions; {dataset.name} is scored on "
                                   f"{dataset.family}", path=meta.source)
    if meta.dataset is not None and meta.dataset != dataset.name:
        raise DatasetMismatchError(f"predictions are for dataset {quote(meta.dataset)}, not {quote(dataset.name)}",
                                   path=meta.source)
    if meta.split is not None and meta.split != dataset.split:
        raise DatasetMismatchError(f"predictions are for split {quote(meta.split)}, not {quote(dataset.split)}",
                                   path=meta.source)


def task_for(dataset, task: str | Task | None = None) -> Task:
    """The task scoring ``dataset`` (a loaded dataset or a registered name): by registry name or ``--task``
    value, or the dataset's only task."""
    from ..registries import DATASETS, TASKS

    name = dataset if isinstance(dataset, str) else dataset.name
    offered = DATASETS.info(name).tasks
    if isinstance(task, Task):
        if task.name not in offered:
            raise OptionError(f"{name} is not scored by the {task.name} task")
        return task
    chosen = [t for t in offered if task in (None, t, TASKS.info(t).option)]
    if len(chosen) == 1:
        return TASKS.get(chosen[0])
    options = ", ".join(TASKS.info(t).option for t in offered)
    if task is None:
        raise OptionError(f"{name}: choose --task ({options})")
    raise OptionError(f"{name} has no task {quote(task)}; choose one of {options}")


@dataclass(frozen=True)
class ScoringPlan:
    """The task, its parsed options and the protocol, resolved from names before any data is read."""

    task: Task
    options: dict
    protocol: Protocol

    @classmethod
    def resolve(cls, dataset, protocol: str | Protocol | None = None, task: str | Task | None = None,
                **options) -> ScoringPlan:
        """Refuse an unknown task, a protocol the task does not score under and any option value outside
        its domain; ``dataset`` is a loaded dataset or a registered name."""
        chosen = task_for(dataset, task)
        parsed = chosen.parse_options(options)
        return cls(chosen, parsed, chosen.protocol(protocol, parsed))


class Evaluator:
    """Scores predictions on one dataset split with one task, protocol and options.

    Args:
        dataset: a loaded split (:func:`stvg_bench.load_dataset`).
        protocol: a registered protocol name or object (default: the task's default).
        task: registry name or ``--task`` value (default: the only task of the dataset's family).
        **options: the task's options (e.g. ``thresholds``, ``missing``, ``interpolate``,
            ``mask_threshold``, ``tube_iou``, ``frame_map``).

    The dataset is resolved under the protocol once; :meth:`score` then only
    touches arrays, so it can run inside a training loop.
    """

    def __init__(self, dataset, protocol: str | Protocol | None = None, task: str | Task | None = None,
                 **options) -> None:
        plan = ScoringPlan.resolve(dataset, protocol, task, **options)
        self.task, self.options, self.protocol = plan.task, plan.options, plan.protocol
        self.dataset = dataset
        self.state = self.task.prepare(dataset, self.protocol, self.options)

    def score(self, predictions, ci: bool = True, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> ScoreResult:
        """Score ``predictions``; with ``ci`` add 95% bootstrap intervals (docs/METRICS.md §6)."""
        started = datetime.now(UTC)
        clock = time.perf_counter()
        self.check(predictions)
        with step(f"Scoring {self.dataset.name} {self.dataset.split} ({self.task.name})"):
            measured = self.task.measure(self.state, predictions)
        metrics, ci95 = summarise(measured.statistics, measured.fields, ci, n_resamples, seed)
        meta = predictions.meta
        inputs = {"predictions": {"path": meta.source, "sha256": meta.sha256, "format": meta.format},
                  **self.dataset.inputs}
        if meta.sha256 is None:
            del inputs["predictions"]["sha256"]
        return ScoreResult(
            task=self.task.name,
            dataset=self.dataset.name,
            split=self.dataset.split,
            protocol=self.protocol,
            options=self.options,
            fields=measured.fields,
            n_samples=measured.statistics["all"][0],
            unit=self.task.unit,
            group_sizes={group: n for group, (n, _) in measured.statistics.items()},
            metrics=metrics,
            ci95=ci95,
            bootstrap=Bootstrap(n_resamples, seed, self.task.unit) if ci else None,
            warnings=measured.warnings,
            unavailable=measured.unavailable,
            inputs=inputs,
            method=dict(meta.method),
            per_sample_columns=self.task.per_sample_columns,
            per_sample=measured.per_sample,
            per_step_columns=self.task.per_step_columns if measured.per_step else (),
            per_step=measured.per_step,
            precision_recall=measured.precision_recall,
            per_frame_columns=self.task.per_frame_columns if measured.per_frame is not None else (),
            per_frame=measured.per_frame,
            units_predicted=measured.units_predicted,
            resampling=measured.statistics,
            provenance=provenance(started.isoformat(timespec="seconds"), time.perf_counter() - clock),
        )

    def check(self, predictions) -> None:
        """Refuse predictions of another family, dataset, split or task, and ids or values outside the data.

        A file without any prediction is refused unless ``missing="zero"`` (which scores everything 0).
        """
        check_dataset_and_split(self.dataset, predictions)
        if predictions.is_empty and self.options.get("missing") != "zero":
            raise SampleIdError("the file holds no predictions (--missing zero scores every sample 0)",
                                path=predictions.meta.source)
        self.task.check(self.state, predictions)

    def compare(self, a, b, n_resamples: int = N_RESAMPLES, seed: int = SEED,
                names: tuple[str, str] = ("A", "B"), common_only: bool = False) -> ComparisonResult:
        """Paired bootstrap of ``A - B`` for every metric and group (same resampled units); with
        ``common_only`` (build the evaluator with ``missing="zero"``) only on the units both predicted."""
        return compare(self.score(a, ci=False), self.score(b, ci=False), n_resamples, seed, names, common_only)


def score(predictions, dataset, protocol: str | Protocol | None = None, task: str | Task | None = None, *,
          ci: bool = True, **options) -> ScoreResult:
    """One-shot scoring; see :class:`Evaluator` for the arguments."""
    return Evaluator(dataset, protocol, task, **options).score(predictions, ci=ci)
