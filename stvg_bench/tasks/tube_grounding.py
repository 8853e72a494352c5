"""Tube grounding (VidSTG, HC-STVG; docs/METRICS.md §2): a segment and a box per frame for each sentence.

Metrics: m_tIoU, m_vIoU, vIoU@R for each threshold R (compared by the
protocol's ``threshold_rule``), m_gt_vIoU; per query type and over all
samples; intervals resample samples within each group. On temporal-only
ground truth (no boxes) only m_tIoU is computed and the result lists the
others as unavailable, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..core.errors import AnnotationError, InvalidValueError, OptionError, SampleIdError, quote
from ..core.numbers import ascii_number
from ..data.tube_table import ScoringTable
from ..metrics.stvg import metric_columns, metric_names, score_samples
from ..protocols import TubeProtocol
from ..results.result import ColumnField, MetricField
from ..statistics import mean_statistic
from .base import Measurement, Task, TaskOption, choice, flag

DEFAULT_THRESHOLDS = (0.3, 0.5)
NO_BOXES = ("the ground truth has no boxes (VidSTG's official sentences without the VidOR annotations: "
            "pass --vidor-dir for the box metrics)")


def parse_thresholds(text: str | Sequence[float]) -> tuple[float, ...]:
    """vIoU@R thresholds from ``"0.3,0.5"`` or a sequence; each in [0, 1), sorted, unique."""
    if isinstance(text, str):
        try:
            values = [ascii_number(part.strip()) for part in text.split(",") if part.strip()]
        except ValueError:
            raise OptionError(f"--thresholds must be comma-separated numbers, got {quote(text)}") from None
    else:
        values = [float(v) for v in text]
    if not values or any(not (0.0 <= v < 1.0) for v in values):
        raise OptionError(f"thresholds must be numbers in [0, 1), got {quote(text)}")
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class _Prepared:
    dataset: object
    table: ScoringTable
    groups: dict[str, np.ndarray]
    options: dict


class TubeGroundingTask(Task):
    name = "tube-grounding"
    unit = "samples"
    options = (
        TaskOption("thresholds", DEFAULT_THRESHOLDS, parse_thresholds),
        TaskOption("missing", "error", choice("missing", ("error", "zero"))),
        TaskOption("interpolate", False, flag),
    )
    per_sample_columns = (
        ColumnField("sample_id", "sample id (TubeDETR order)"),
        ColumnField("video_id", "video of the sample"),
        ColumnField("sentence", "the query sentence"),
        ColumnField("query_type", "declarative / interrogative (VidSTG), all (HC-STVG)"),
        ColumnField("gt_start", "ground-truth start frame as scored"),
        ColumnField("gt_end", "ground-truth end frame as plugged into the half-open tIoU"),
        ColumnField("pred_start", "predicted start frame as scored (after clipping)"),
        ColumnField("pred_end", "predicted end frame, exclusive, as scored"),
        ColumnField("missing", "no prediction (scored 0 under --missing zero)"),
        ColumnField("tIoU", "temporal IoU"),
        ColumnField("vIoU", "spatio-temporal IoU"),
        ColumnField("gt_vIoU", "mean box IoU over the scored ground-truth frames"),
    )
    per_frame_columns = (
        ColumnField("sample_id", "sample id (TubeDETR order)"),
        ColumnField("video_id", "video of the sample"),
        ColumnField("frame", "frame index (0-based) scored by the protocol inside the ground-truth interval"),
        *(ColumnField(f"gt_{c}", f"ground-truth box {c}, pixels") for c in ("x1", "y1", "x2", "y2")),
        *(ColumnField(f"pred_{c}", f"predicted box {c} as scored (given or interpolated; NaN: none), pixels")
          for c in ("x1", "y1", "x2", "y2")),
        ColumnField("IoU", "box IoU on this frame (0 without a predicted box)"),
        ColumnField("in_pred_segment", "the frame lies in the predicted segment too (counted in vIoU's sum)"),
    )

    def derive_protocol(self, protocol: TubeProtocol, options: dict) -> TubeProtocol:
        return protocol.with_interpolation() if options["interpolate"] else protocol

    def fields(self, protocol: TubeProtocol, options: dict) -> tuple[MetricField, ...]:
        above = "greater than" if protocol.threshold_rule == "greater" else "at least"
        descriptions = {
            "m_tIoU": "mean temporal IoU of predicted and ground-truth segments",
            "m_vIoU": "mean vIoU: box IoU summed over the frames of both segments / frames of their hull",
            "m_gt_vIoU": "mean box IoU over the ground-truth frames (m_sIoU)",
        }
        return tuple(MetricField(name, descriptions.get(name) or f"fraction of samples with vIoU {above} "
                                 f"{name.partition('@')[2]}")
                     for name in metric_names(options["thresholds"]))

    def prepare(self, dataset, protocol: TubeProtocol, options: dict) -> _Prepared:
        table = dataset.scoring_table(protocol)
        if table.n_samples == 0:
            raise AnnotationError(f"protocol {protocol.name} scores none of the {dataset.n_samples} samples of "
                                  f"{dataset.name} {dataset.split} ({table.warnings})")
        names = dataset.gt.query_type_names
        groups = {"all": np.ones(table.n_samples, dtype=bool)}
        if len(names) > 1:
            for code, name in enumerate(names):
                if (table.query_type == code).any():
                    groups[name] = table.query_type == code
        return _Prepared(dataset, table, groups, options)

    def check(self, state: _Prepared, predictions) -> None:
        """Unknown sample ids and boxes on frames outside their video are errors naming them."""
        dataset = state.dataset
        source = predictions.meta.source
        ids = predictions.segment_sample_id
        unknown = (ids < 0) | (ids >= dataset.n_samples)
        if unknown.any():
            raise SampleIdError(
                f"unknown sample id ({dataset.name} {dataset.split} has ids 0-{dataset.n_samples - 1})",
                path=source,
                sample_id=int(ids[np.argmax(unknown)]),
            )
        frame_count = np.asarray(dataset.gt.frame_count)[predictions.box_sample_id]
        outside = predictions.box_frame >= frame_count
        if outside.any():
            i = int(np.argmax(outside))
            raise InvalidValueError(
                f"frame outside the video (it has {frame_count[i]} frames)",
                path=source,
                sample_id=int(predictions.box_sample_id[i]),
                field=f"boxes (frame {predictions.box_frame[i]})",
            )

    def measure(self, state: _Prepared, predictions) -> Measurement:
        table, options = state.table, state.options
        has_boxes = state.dataset.gt.has_boxes
        samples = score_samples(table, predictions, options["missing"], boxes=has_boxes)
        columns = metric_columns(samples, options["thresholds"], table.protocol.threshold_rule)
        fields = self.fields(table.protocol, options)
        unavailable = {}
        if not has_boxes:  # temporal-only ground truth: the box metrics cannot be computed
            unavailable = {f.name: NO_BOXES for f in fields[1:]}
            fields, columns = fields[:1], columns[:, :1]
        statistics = {group: (int(mask.sum()), mean_statistic(columns[mask])) for group, mask in state.groups.items()}
        gt = state.dataset.gt
        per_sample = {
            "sample_id": samples.sample_id,
            "video_id": np.asarray(gt.video_id)[samples.sample_id],
            "sentence": np.asarray(gt.sentence)[samples.sample_id],
            "query_type": np.asarray(gt.query_type_names, dtype=object)[samples.query_type],
            "gt_start": samples.gt_start,
            "gt_end": samples.gt_end,
            "pred_start": samples.pred_start,
            "pred_end": samples.pred_end,
            "missing": samples.missing,
            "tIoU": samples.t_iou,
            "vIoU": samples.v_iou,
            "gt_vIoU": samples.gt_v_iou,
        }
        per_frame = partial(per_frame_columns, table, gt, samples) if has_boxes else None
        predicted = {group: ~samples.missing[mask] for group, mask in state.groups.items()}
        return Measurement(fields, statistics, per_sample, samples.warnings, unavailable, per_frame=per_frame,
                           units_predicted=predicted)


def per_frame_columns(table, gt, samples) -> dict:
    """One row per scored ground-truth frame (the task's ``per_frame_columns``), in the table's order."""
    sample = table.sample_ids[table.row_position]
    return {
        "sample_id": sample,
        "video_id": np.asarray(gt.video_id)[sample],
        "frame": table.row_frame,
        **{f"gt_{c}": table.row_gt_xyxy[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))},
        **{f"pred_{c}": samples.frame_pred_xyxy[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))},
        "IoU": samples.frame_iou,
        "in_pred_segment": samples.frame_in_both,
    }


TASK = TubeGroundingTask()
