"""Scoring predictions against a loaded dataset: the Python API behind ``stvg-bench score``.

>>> import stvg_bench as sb
>>> dataset = sb.load_dataset("synthetic")
>>> evaluator = sb.Evaluator(dataset, protocol="tubedetr")
>>> predictions = sb.datasets.synthetic.make_predictions(dataset.gt, "oracle")
>>> result = evaluator.score(predictions, ci=False)
>>> round(result.metrics["all"]["m_tIoU"], 6)
1.0

An :class:`Evaluator` resolves the ground truth under its protocol once;
``score`` then only touches arrays, so it can run inside a training loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .core.errors import AnnotationError, DatasetMismatchError, InvalidValueError, OptionError, SampleIdError
from .data.tubes import Predictions
from .datasets.base import Dataset
from .metrics.stvg import MISSING_POLICIES, metric_columns, metric_names, score_samples
from .protocols.tubes import Protocol, get_protocol
from .results import ComparisonResult, ScoreResult, compare, summarise
from .statistics import N_RESAMPLES, SEED, mean_statistic

DEFAULT_THRESHOLDS = (0.3, 0.5)


def parse_thresholds(text: str | Sequence[float]) -> tuple[float, ...]:
    """vIoU@R thresholds from ``"0.3,0.5"`` or a sequence; each in [0, 1), sorted, unique."""
    if isinstance(text, str):
        try:
            values = [float(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise OptionError(f"--thresholds must be comma-separated numbers, got {text!r}") from None
    else:
        values = [float(v) for v in text]
    if not values or any(not (0.0 <= v < 1.0) for v in values):
        raise OptionError(f"thresholds must be numbers in [0, 1), got {text!r}")
    return tuple(sorted(set(values)))


def check_against_dataset(dataset: Dataset, predictions: Predictions) -> None:
    """Refuse predictions for another dataset/split, unknown sample ids and frames outside a video."""
    meta = predictions.meta
    if meta.dataset is not None and meta.dataset != dataset.name:
        raise DatasetMismatchError(
            f"predictions are for dataset {meta.dataset!r}, not {dataset.name!r}", path=meta.source
        )
    if meta.split is not None and meta.split != dataset.split:
        raise DatasetMismatchError(
            f"predictions are for split {meta.split!r}, not {dataset.split!r}", path=meta.source
        )
    ids = predictions.segment_sample_id
    unknown = (ids < 0) | (ids >= dataset.n_samples)
    if unknown.any():
        raise SampleIdError(
            f"unknown sample id ({dataset.name} {dataset.split} has ids 0-{dataset.n_samples - 1})",
            path=meta.source,
            sample_id=int(ids[np.argmax(unknown)]),
        )
    frame_count = np.asarray(dataset.gt.frame_count)[predictions.box_sample_id]
    outside = predictions.box_frame >= frame_count
    if outside.any():
        i = int(np.argmax(outside))
        raise InvalidValueError(
            f"frame outside the video (it has {frame_count[i]} frames)",
            path=meta.source,
            sample_id=int(predictions.box_sample_id[i]),
            field=f"boxes (frame {predictions.box_frame[i]})",
        )


class Evaluator:
    """Scores predictions on one dataset split under one protocol.

    Args:
        dataset: a loaded split (:func:`stvg_bench.load_dataset`).
        protocol: ``"dense"`` (default), ``"tubedetr"``, ``"stcat"`` or a Protocol.
        thresholds: vIoU@R thresholds (strict ``>``).
        missing: ``"error"`` (default) or ``"zero"`` for samples without a prediction.
        interpolate: fill frames without a predicted box in the compat protocols.
    """

    def __init__(
        self,
        dataset: Dataset,
        protocol: str | Protocol = "dense",
        thresholds: str | Sequence[float] = DEFAULT_THRESHOLDS,
        missing: str = "error",
        interpolate: bool = False,
    ) -> None:
        if missing not in MISSING_POLICIES:
            raise OptionError(f"missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}")
        protocol = get_protocol(protocol)
        self.protocol = protocol.with_interpolation() if interpolate else protocol
        self.dataset = dataset
        self.thresholds = parse_thresholds(thresholds)
        self.missing = missing
        self.table = dataset.scoring_table(self.protocol)
        if self.table.n_samples == 0:
            raise AnnotationError(
                f"protocol {self.protocol.name} scores none of the {dataset.n_samples} samples of "
                f"{dataset.name} {dataset.split} ({self.table.warnings})"
            )
        names = dataset.gt.query_type_names
        self._groups = {"all": np.ones(self.table.n_samples, dtype=bool)}
        if len(names) > 1:
            for code, name in enumerate(names):
                if (self.table.query_type == code).any():
                    self._groups[name] = self.table.query_type == code

    def score(
        self, predictions: Predictions, ci: bool = True, n_resamples: int = N_RESAMPLES, seed: int = SEED
    ) -> ScoreResult:
        """Score ``predictions``; with ``ci`` add 95% bootstrap intervals (METRICS.md §6)."""
        check_against_dataset(self.dataset, predictions)
        samples = score_samples(self.table, predictions, self.missing)
        columns = metric_columns(samples, self.thresholds)
        names = metric_names(self.thresholds)
        resampling = {
            group: (int(mask.sum()), mean_statistic(columns[mask])) for group, mask in self._groups.items()
        }
        metrics, ci95 = summarise(resampling, names, ci, n_resamples, seed)
        inputs = dict(self.dataset.inputs)
        if predictions.meta.sha256 is not None:
            inputs = {"predictions_sha256": predictions.meta.sha256, **inputs}
        gt = self.dataset.gt
        return ScoreResult(
            dataset=self.dataset.name,
            split=self.dataset.split,
            task="spatio-temporal",
            protocol=self.protocol,
            thresholds=self.thresholds,
            n_samples=self.table.n_samples,
            group_sizes={g: int(m.sum()) for g, m in self._groups.items()},
            metric_names=names,
            metrics=metrics,
            ci95=ci95,
            warnings=samples.warnings,
            inputs=inputs,
            per_sample={
                "sample_id": samples.sample_id,
                "video_id": np.asarray(gt.video_id)[samples.sample_id],
                "query_type": np.asarray(gt.query_type_names, dtype=object)[samples.query_type],
                "gt_start": samples.gt_start,
                "gt_end": samples.gt_end,
                "pred_start": samples.pred_start,
                "pred_end": samples.pred_end,
                "missing": samples.missing,
                "tIoU": samples.t_iou,
                "vIoU": samples.v_iou,
                "gt_vIoU": samples.gt_v_iou,
            },
            resampling=resampling,
            samples=samples,
        )

    def compare(
        self, a: Predictions, b: Predictions, n_resamples: int = N_RESAMPLES, seed: int = SEED
    ) -> ComparisonResult:
        """Paired bootstrap of ``A - B`` for every metric and group (same resampled indices)."""
        return compare(self.score(a, ci=False), self.score(b, ci=False), n_resamples, seed)


def score(
    predictions: Predictions, dataset: Dataset, protocol: str | Protocol = "dense", **options
) -> ScoreResult:
    """One-shot scoring; see :class:`Evaluator` for the options and ``ci``."""
    ci = options.pop("ci", True)
    return Evaluator(dataset, protocol, **options).score(predictions, ci=ci)
