"""Spatial action grounding (GroundingYouTube, YouCook2-Interactions; docs/METRICS.md §3, §5).

For every spatial query (an annotated second of a query group: a video, or a
segment), the prediction is a point, a box (pointing at its centre) or a
heatmap (pointing at its argmax). Metrics: the pointing game; with boxes, or
heatmaps and ``mask_threshold``, the IoU accuracy pooled and (where the
dataset has classes) class-mean. Pooled over queries; intervals resample videos.
"""

from __future__ import annotations

import numpy as np

from ..core.arrays import lookup_sorted, take
from ..core.errors import FormatError, OptionError, SampleIdError
from ..core.geometry import box_iou, is_inverted
from ..data.actions import BOX, HEATMAP, ActionPredictions, seconds_key
from ..metrics import spatial
from ..metrics.heatmaps import argmax_points, mask_box_ious
from ..protocols import ActionProtocol
from ..protocols.base import passes
from ..results.result import ColumnField, MetricField
from ..statistics import ratio_statistic
from .action_common import (
    ActionState,
    ActionTask,
    check_points,
    check_seconds,
    index_of,
    missing_option,
    refuse_duplicates,
)
from .base import Measurement, TaskOption, finite_number


def iou_name(protocol: ActionProtocol) -> str:
    return f"iou{protocol.iou_threshold:g}"


class ActionSpatialTask(ActionTask):
    name = "action-spatial"
    options = (
        missing_option(("error", "zero", "skip")),
        TaskOption("mask_threshold", None, finite_number("mask_threshold")),
    )
    per_sample_columns = (
        ColumnField("group", "query group: the video (GroundingYouTube) or the segment id (YouCook2)"),
        ColumnField("video_id", "video"),
        ColumnField("second", "annotated second"),
        ColumnField("query", "the step (GroundingYouTube) or the segment's sentence (YouCook2)"),
        *(ColumnField(f"gt_{c}", f"ground-truth box {c}, pixels") for c in ("x1", "y1", "x2", "y2")),
        ColumnField("prediction", "point, box, heatmap, or missing"),
        ColumnField("point_x", "the point scored by the pointing game (a box's centre, a heatmap's argmax), pixels"),
        ColumnField("point_y", "as point_x"),
        *(ColumnField(f"pred_{c}", f"predicted box {c}, pixels (NaN unless a box)") for c in ("x1", "y1", "x2", "y2")),
        ColumnField("scored", "counted in the metrics (false only for a missing query under --missing skip)"),
        ColumnField("hit", "the point lies in the ground-truth box (bounds inclusive)"),
        ColumnField("iou", "IoU of the box or thresholded mask with the ground-truth box (NaN without IoU scores)"),
        ColumnField("iou_correct", "the IoU passes the protocol's threshold (false without IoU scores)"),
    )
    per_step_columns = (
        ColumnField("step", "step class the queries are asked with (GroundingYouTube)"),
        ColumnField("queries", "spatial queries of the step, over all videos"),
        ColumnField("scored", "those scored"),
        ColumnField("hits", "those whose point hits the ground-truth box"),
        ColumnField("iou_correct", "those whose box or mask passes the IoU threshold (NaN without IoU scores)"),
    )

    def fields(self, protocol: ActionProtocol, options: dict) -> tuple[MetricField, ...]:
        rule = ">" if protocol.iou_rule == "greater" else ">="
        iou = f"IoU {rule} {protocol.iou_threshold:g}"
        return (
            MetricField("pointing_accuracy", "fraction of queries whose point lies in the GT box (bounds inclusive)"),
            MetricField(f"{iou_name(protocol)}_accuracy", f"fraction of queries whose box or mask has {iou} "
                        "with the GT box, pooled (the GroundingYouTube authors' 'mAP')"),
            MetricField(f"{iou_name(protocol)}_class_mean_accuracy",
                        f"{iou} accuracy per step class, averaged over classes (VideoGEM's 'mAP')"),
        )

    def prepare(self, dataset, protocol: ActionProtocol, options: dict) -> ActionState:
        if not len(dataset.gt.queries.second):
            raise OptionError(f"{dataset.name} ({dataset.split}) has no boxed second: the spatial task has "
                              "nothing to score")
        return ActionState(dataset, protocol, options)

    def check(self, state: ActionState, predictions: ActionPredictions) -> None:
        self.check_task(predictions)

    def measure(self, state: ActionState, predictions: ActionPredictions) -> Measurement:
        gt, queries, protocol, options = state.gt, state.gt.queries, state.protocol, state.options
        path = predictions.meta.source
        labels = predictions.spatial_group
        groups = index_of(labels, queries.group_names, path, queries.group_kind)
        videos = groups if queries.group_kind == "video" else gt.segment_video[groups]
        seconds = predictions.spatial_second
        check_seconds(gt, videos, seconds, labels, path)
        keys = seconds_key(groups, seconds)
        refuse_duplicates(keys, labels, seconds, path)
        points = self._points(state, predictions, videos, labels, path)
        check_points(gt, videos, points, labels, seconds, path)

        order = np.argsort(keys)
        at, found = lookup_sorted(keys[order], seconds_key(queries.group, queries.second))
        row = take(order, at, found, -1)  # the prediction answering each query (-1: none)
        kinds = take(predictions.spatial_kind, row, found, -1)
        boxes = take(predictions.spatial_box, row, found, np.nan)
        pred_points = take(points, row, found, np.nan)
        warnings = {}
        missing = options["missing"]
        if not found.all():
            n_missing = int((~found).sum())
            if missing == "error":
                k = int(np.argmin(found))
                raise SampleIdError(
                    f"no prediction for second {queries.second[k]} ({n_missing} of {len(found)} queries have none; "
                    "--missing zero scores them as misses, --missing skip leaves them out)",
                    path=path, sample_id=str(queries.group_names[queries.group[k]]),
                )
            warnings["missing_scored_zero" if missing == "zero" else "missing_skipped"] = n_missing
        scored = found | (missing == "zero")
        inverted = int((found & (kinds == BOX) & is_inverted(boxes)).sum())
        if inverted:
            warnings["inverted_pred_boxes"] = inverted
        hit = found & spatial.hits(pred_points, queries.gt_xyxy)

        fields = self.fields(protocol, options)
        n_videos = gt.n_videos
        columns = [hit]
        can_iou = (kinds == BOX) | ((kinds == HEATMAP) & (options["mask_threshold"] is not None))
        iou_correct = None
        iou = np.full(len(row), np.nan)
        if len(row) and can_iou[found].all():
            iou = np.zeros(len(row))
            box_rows = found & (kinds == BOX)
            iou[box_rows] = box_iou(boxes[box_rows], queries.gt_xyxy[box_rows])
            mask_rows = np.flatnonzero(found & (kinds == HEATMAP))
            for (height, width), chosen, grids in heatmap_batches(predictions, row[mask_rows]):
                queried = mask_rows[chosen]
                rectangles = spatial.box_pixels(queries.gt_xyxy[queried], height, width)
                iou[queried] = mask_box_ious(grids, height, width, options["mask_threshold"], protocol.mask_rule,
                                             rectangles)
            iou_correct = found & passes(iou, protocol.iou_threshold, protocol.iou_rule)
            columns.append(iou_correct)
        else:
            unthresholded = int((found & (kinds == HEATMAP)).sum())
            if unthresholded:
                warnings["heatmaps_without_mask_threshold_no_iou_scores"] = unthresholded
            if (found & can_iou).any():  # boxes or masks beside points: no IoU metric can cover every query
                warnings["iou_scores_skipped_mixed_with_points"] = int((found & can_iou).sum())
        numerators = np.stack([np.bincount(queries.video, weights=c & scored, minlength=n_videos) for c in columns], 1)
        denominators = np.repeat(np.bincount(queries.video, weights=scored, minlength=n_videos)[:, None],
                                 len(columns), axis=1)
        statistics = [ratio_statistic(numerators, denominators)]
        present = fields[: len(columns)]
        if iou_correct is not None and (queries.step >= 0).any():
            present = fields
            statistics.append(spatial.class_mean_statistic(iou_correct, scored, queries.video, queries.step,
                                                           n_videos))

        def statistic(counts: np.ndarray) -> np.ndarray:
            return np.concatenate([s(counts) for s in statistics], axis=1)

        per_query = per_query_columns(gt, kinds, boxes, pred_points, found, scored, hit, iou, iou_correct)
        predicted = np.bincount(queries.video, weights=found, minlength=n_videos) > 0
        return Measurement(present, {"all": (n_videos, statistic)}, per_query, warnings,
                           per_step=_per_step(gt.steps, queries.step, scored, hit, iou_correct),
                           units_predicted={"all": predicted})

    @staticmethod
    def _points(state: ActionState, predictions: ActionPredictions, videos, labels, path) -> np.ndarray:
        """The point each prediction points at: its point, its box's centre, its heatmap's argmax.

        Every heatmap's ``frame_size`` is checked against its video before any heatmap is upsampled.
        """
        gt = state.gt
        kinds = predictions.spatial_kind
        points = predictions.spatial_point.copy()
        boxes = predictions.spatial_box
        centre = kinds == BOX
        points[centre] = np.stack([(boxes[centre, 0] + boxes[centre, 2]) / 2,
                                   (boxes[centre, 1] + boxes[centre, 3]) / 2], 1)
        heat = np.flatnonzero(kinds == HEATMAP)
        video_size = np.stack([gt.frame_width[videos[heat]], gt.frame_height[videos[heat]]], axis=1)
        given = predictions.heatmap_frame_size[heat]
        wrong = (video_size[:, 0] > 0) & (given != video_size).any(axis=1)
        if wrong.any():
            k = int(np.argmax(wrong))
            i = heat[k]
            raise FormatError(
                f"heatmap of the wrong shape: frame_size {given[k, 0]}x{given[k, 1]}, the video is "
                f"{video_size[k, 0]}x{video_size[k, 1]}",
                path=path, sample_id=labels[i], field=f"second {predictions.spatial_second[i]}: frame_size",
            )
        for (height, width), rows, grids in heatmap_batches(predictions, heat):
            points[rows] = argmax_points(grids, height, width)
        return points


PREDICTION_KINDS = np.array(["point", "box", "heatmap", "missing"])


def per_query_columns(gt, kinds, boxes, points, found, scored, hit, iou, iou_correct) -> dict:
    """One row per spatial query, in the ground truth's order (the declared per-sample columns); ``kinds``,
    ``boxes`` and ``points`` are those of the prediction answering each query (-1 / NaN where none does)."""
    queries = gt.queries
    if queries.group_kind == "video":
        text = np.array(gt.steps, dtype=object)[queries.step] if len(gt.steps) else np.full(len(found), "")
    else:
        text = gt.segment_text[queries.group]
    kind = np.where(found, kinds, len(PREDICTION_KINDS) - 1)
    boxes = np.where((kind == BOX)[:, None], boxes, np.nan)
    columns = {
        "group": queries.group_names[queries.group],
        "video_id": gt.video_ids[queries.video],
        "second": queries.second,
        "query": np.asarray(text, dtype=str),
        **{f"gt_{c}": queries.gt_xyxy[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))},
        "prediction": PREDICTION_KINDS[kind],
        "point_x": points[:, 0],
        "point_y": points[:, 1],
        **{f"pred_{c}": boxes[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))},
        "scored": scored,
        "hit": hit,
        "iou": iou,
        "iou_correct": iou_correct if iou_correct is not None else np.zeros(len(found), dtype=bool),
    }
    return columns


def _per_step(steps: tuple[str, ...], step: np.ndarray, scored: np.ndarray, hit: np.ndarray,
              iou_correct: np.ndarray | None) -> dict[str, np.ndarray]:
    """Query counts per step class (rows: classes with a query, vocabulary order); empty without classes."""
    if not (step >= 0).any():
        return {}
    classes = np.unique(step[step >= 0])

    def count(weights):
        return np.bincount(step[step >= 0], weights=weights[step >= 0], minlength=len(steps))[classes]

    ones = np.ones(len(step))
    return {"step": np.asarray(steps, dtype=object)[classes], "queries": count(ones).astype(np.int64),
            "scored": count(scored).astype(np.int64), "hits": count(hit & scored).astype(np.int64),
            "iou_correct": np.full(len(classes), np.nan) if iou_correct is None else count(iou_correct & scored)}


def heatmap_batches(predictions: ActionPredictions, rows: np.ndarray, size: int = 256):
    """``((height, width), rows, grids)`` for the heatmaps ``rows``: batches of one grid shape and frame size."""
    keys = [(predictions.heatmaps[i].shape, tuple(predictions.heatmap_frame_size[i].tolist())) for i in rows.tolist()]
    groups: dict = {}
    for k, key in enumerate(keys):
        groups.setdefault(key, []).append(k)
    for (_, (width, height)), members in groups.items():
        members = np.array(members)
        for first in range(0, len(members), size):
            chosen = members[first : first + size]
            yield (height, width), chosen, np.stack([predictions.heatmaps[i] for i in rows[chosen]])


TASK = ActionSpatialTask()
