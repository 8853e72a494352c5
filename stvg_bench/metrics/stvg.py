"""Spatio-temporal grounding metrics (docs/METRICS.md §2.3): tIoU, vIoU, gt_vIoU, vIoU@R.

Inputs are a :class:`~stvg_bench.data.tube_table.ScoringTable` (the ground truth
under a protocol) and :class:`~stvg_bench.data.tubes.Predictions`; every step is
a vectorised operation over one row per scored ground-truth frame.

Per sample, with ``F`` the protocol's scored frames, ``G`` the ground-truth
and ``P`` the predicted interval:

* tIoU = |P ∩ G| / |P ∪ G|;
* vIoU = Σ_{f ∈ F ∩ P ∩ G} IoU_f / |F ∩ [min(P.start, G.start), max(P.end, G.end))|;
* gt_vIoU = mean over f ∈ F ∩ G of IoU_f.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.arrays import lookup_sorted, take
from ..core.errors import SampleIdError
from ..core.geometry import box_iou, interval_iou, is_inverted
from ..data.tube_table import ScoringTable
from ..data.tubes import Predictions, frame_keys
from ..protocols.base import passes


@dataclass(frozen=True)
class SampleScores:
    """Per-sample scores, aligned with ``table.sample_ids``.

    ``pred_start`` / ``pred_end`` are the segment as scored (after clipping);
    ``missing`` marks samples without a prediction (scored 0 under ``--missing zero``).
    ``frame_iou`` / ``frame_in_both`` are aligned with the table's rows (one per scored ground-truth frame):
    the box IoU there, whether the frame lies in both segments (counted in vIoU's numerator), and the
    predicted box scored there (given or interpolated; NaN where there is none); None without boxes.
    """

    sample_id: np.ndarray
    query_type: np.ndarray
    t_iou: np.ndarray
    v_iou: np.ndarray
    gt_v_iou: np.ndarray
    gt_start: np.ndarray
    gt_end: np.ndarray
    pred_start: np.ndarray
    pred_end: np.ndarray
    missing: np.ndarray
    warnings: dict[str, int] = field(default_factory=dict)
    frame_iou: np.ndarray | None = None
    frame_in_both: np.ndarray | None = None
    frame_pred_xyxy: np.ndarray | None = None


def metric_names(thresholds: tuple[float, ...]) -> tuple[str, ...]:
    """Output fields, in table order: m_tIoU, m_vIoU, vIoU@R..., m_gt_vIoU."""
    return ("m_tIoU", "m_vIoU", *(f"vIoU@{r:g}" for r in thresholds), "m_gt_vIoU")


def metric_columns(scores: SampleScores, thresholds: tuple[float, ...], rule: str) -> np.ndarray:
    """``(n_samples, n_metrics)`` values whose column means are the metrics of :func:`metric_names`.

    vIoU@R counts samples whose vIoU passes R by ``rule`` (``"greater"``: vIoU > R, every registered protocol).
    """
    passed = (passes(scores.v_iou, r, rule).astype(np.float64) for r in thresholds)
    columns = [scores.t_iou, scores.v_iou, *passed]
    columns.append(scores.gt_v_iou)
    return np.stack(columns, axis=1)


def score_samples(table: ScoringTable, predictions: Predictions, missing: str = "error",
                  boxes: bool = True) -> SampleScores:
    """Score every sample of ``table``.

    ``predictions`` must already be checked against the dataset (known ids,
    frames inside their videos). ``missing``: ``"error"`` refuses samples
    without a prediction; ``"zero"`` scores them 0 and counts them. Without
    ``boxes`` (temporal-only ground truth) only tIoU is scored: vIoU and
    gt_vIoU are NaN and predicted boxes are not looked at.
    """
    protocol = table.protocol
    source = predictions.meta.source
    n = table.n_samples
    warnings: dict[str, int] = {}

    at_clipped, found = lookup_sorted(predictions.segment_sample_id, table.sample_ids)
    if not found.all():
        n_missing = int((~found).sum())
        if missing == "error":
            raise SampleIdError(
                f"no prediction ({n_missing} of {n} samples have none; --missing zero scores them 0)",
                path=source,
                sample_id=int(table.sample_ids[np.argmin(found)]),
            )
        warnings["missing_scored_zero"] = n_missing

    pred_start = take(predictions.segment_start_frame, at_clipped, found, 0)
    pred_end = take(predictions.segment_end_frame, at_clipped, found, 0)
    if protocol.clip_segments:
        clipped_start = np.clip(pred_start, 0, table.frame_count)
        clipped_end = np.clip(pred_end, 0, table.frame_count)
        changed = int(((clipped_start != pred_start) | (clipped_end != pred_end)).sum())
        if changed:
            warnings["clipped_segments"] = changed
        pred_start, pred_end = clipped_start, clipped_end
    empty = int((found & (pred_end <= pred_start)).sum())
    if empty:
        warnings["empty_or_inverted_pred_segments"] = empty

    t_iou = interval_iou(pred_start, pred_end, table.gt_start, table.gt_end)
    if not boxes:
        unscored = np.full(n, np.nan)
        return SampleScores(table.sample_ids, table.query_type, t_iou, unscored, unscored, table.gt_start,
                            table.gt_end, pred_start, pred_end, ~found, {**table.warnings, **warnings})

    row_iou, row_pred_xyxy = _row_ious(table, predictions, found, pred_start, pred_end)
    inverted = int(is_inverted(predictions.box_xyxy).sum())
    if inverted:
        warnings["inverted_pred_boxes"] = inverted

    position = table.row_position
    max_start = np.maximum(pred_start, table.gt_start)
    min_end = np.minimum(pred_end, table.gt_end)
    in_both = (table.row_frame >= max_start[position]) & (table.row_frame < min_end[position])
    numerator = np.bincount(position, weights=row_iou * in_both, minlength=n)
    denominator = table.frames_in(np.minimum(pred_start, table.gt_start), np.maximum(pred_end, table.gt_end))
    v_iou = np.zeros(n)
    np.divide(numerator, denominator, out=v_iou, where=(denominator > 0) & found)
    rows_per_sample = np.bincount(position, minlength=n)
    gt_v_iou = np.bincount(position, weights=row_iou, minlength=n) / np.maximum(rows_per_sample, 1)

    return SampleScores(
        sample_id=table.sample_ids,
        query_type=table.query_type,
        t_iou=t_iou,
        v_iou=v_iou,
        gt_v_iou=gt_v_iou,
        gt_start=table.gt_start,
        gt_end=table.gt_end,
        pred_start=pred_start,
        pred_end=pred_end,
        missing=~found,
        warnings={**table.warnings, **warnings},
        frame_iou=row_iou,
        frame_in_both=in_both,
        frame_pred_xyxy=row_pred_xyxy,
    )


def _row_ious(table: ScoringTable, predictions: Predictions, found, pred_start, pred_end):
    """IoU of the predicted and ground-truth box on every scored ground-truth frame, and the predicted boxes
    (NaN on frames without one: a missing sample, a sample without boxes).

    Rows of samples without a prediction score 0. A frame without a predicted
    box is interpolated (``protocol.interpolate_boxes``) or is an error.
    """
    position = table.row_position
    row_sample = table.sample_ids[position]
    row_key = frame_keys(row_sample, table.row_frame)
    box_key = frame_keys(predictions.box_sample_id, predictions.box_frame)
    j_clipped, exact = lookup_sorted(box_key, row_key)
    pred_boxes = np.zeros((len(row_key), 4))
    pred_boxes[exact] = predictions.box_xyxy[j_clipped[exact]]

    scored = found[position]
    has_boxes = np.isin(table.sample_ids, predictions.box_sample_id)
    nonempty = found & (pred_end > pred_start) & ~has_boxes
    if nonempty.any():
        raise SampleIdError(
            "a non-empty predicted segment needs boxes, and this sample has none",
            path=predictions.meta.source,
            sample_id=int(table.sample_ids[np.argmax(nonempty)]),
            field="boxes",
        )
    gap = scored & ~exact & has_boxes[position]
    if gap.any():
        if not table.protocol.interpolate_boxes:
            k = int(np.argmax(gap))
            raise SampleIdError(
                f"no box for frame {table.row_frame[k]}, which protocol {table.protocol.name} scores "
                "(it does not interpolate; --interpolate fills gaps)",
                path=predictions.meta.source,
                sample_id=int(row_sample[k]),
                field="boxes",
            )
        j = np.searchsorted(box_key, row_key[gap])
        pred_boxes[gap] = _interpolate(predictions, row_sample[gap], table.row_frame[gap], j)
    iou = box_iou(pred_boxes, table.row_gt_xyxy)
    no_box = ~scored | (scored & ~exact & ~has_boxes[position])
    iou[no_box] = 0.0
    pred_boxes[no_box] = np.nan
    return iou, pred_boxes


def _interpolate(
    predictions: Predictions, sample: np.ndarray, frame: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Linear interpolation between the nearest predicted frames of the same sample.

    ``j`` is the insertion point of (sample, frame) in the sorted boxes; beyond
    the first / last predicted frame the nearest box is held constant.
    """
    n_boxes = len(predictions.box_frame)
    left = j - 1
    right = np.minimum(j, n_boxes - 1)
    has_left = (left >= 0) & (predictions.box_sample_id[np.maximum(left, 0)] == sample)
    has_right = (j < n_boxes) & (predictions.box_sample_id[right] == sample)
    left = np.where(has_left, left, right)
    right = np.where(has_right, right, left)
    f0 = predictions.box_frame[left].astype(np.float64)
    f1 = predictions.box_frame[right].astype(np.float64)
    span = f1 - f0
    weight = np.zeros(len(frame))
    np.divide(frame - f0, span, out=weight, where=span > 0)
    b0 = predictions.box_xyxy[left]
    b1 = predictions.box_xyxy[right]
    return b0 + (b1 - b0) * weight[:, None]
