"""Spatio-temporal action grounding (GroundingYouTube; docs/METRICS.md §3): a step and a point per second,
and optionally scored tubes.

Metrics: IoU+Pointing; with tubes, video mAP at each of the protocol's
thresholds and their mean (tube IoU by the protocol's ``tube_iou``, true
positives by its ``map_rule``); with ``frame_map``, COCO frame mAP of the
tube boxes (computed once, no interval). Intervals resample videos.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import FormatError
from ..core.geometry import is_inverted
from ..data.actions import BACKGROUND, ActionPredictions, Tubes
from ..metrics import temporal, video_map
from ..metrics.frame_map import frame_map
from ..protocols import ActionProtocol
from ..results.result import ColumnField, MetricField
from ..statistics import ratio_statistic
from .action_common import (
    ActionState,
    LabelledSecondsTask,
    check_seconds,
    index_of,
    missing_option,
    per_step_means,
    step_indices,
    videos_present,
)
from .base import Measurement, TaskOption, choice, flag

FRAME_MAP_FIELDS = (
    MetricField("frame_mAP@[.5:.95]", "COCO AP@[.5:.95] of tube boxes on annotated seconds, mean over classes",
                has_ci=False),
    MetricField("frame_mAP@0.5", "COCO AP@0.5 of tube boxes on annotated seconds, mean over classes", has_ci=False),
)


class ActionSpatioTemporalTask(LabelledSecondsTask):
    name = "action-spatio-temporal"
    options = (
        missing_option(("error", "zero")),
        TaskOption("tube_iou", None, choice("tube_iou", ("voxel", "act"))),
        TaskOption("frame_map", False, flag),
    )
    per_sample_columns = (ColumnField("video_id", "video"),
                          ColumnField("IoU+Pointing", "the video's IoU+Pointing; NaN where undefined"))
    per_step_columns = (
        ColumnField("step", "step class (background is not scored)"),
        ColumnField("videos", "videos where the step is predicted or true on a judged second"),
        ColumnField("IoU+Pointing", "the step's IoU+Pointing, mean over those videos"),
    )

    def derive_protocol(self, protocol: ActionProtocol, options: dict) -> ActionProtocol:
        return protocol.with_tube_iou(options["tube_iou"]) if options["tube_iou"] is not None else protocol

    def fields(self, protocol: ActionProtocol, options: dict) -> tuple[MetricField, ...]:
        rule = ">=" if protocol.map_rule == "greater_equal" else ">"
        maps = tuple(MetricField(f"video_mAP@{t:g}", f"video mAP, true positives at {protocol.tube_iou} tube IoU "
                                 f"{rule} {t:g}") for t in protocol.map_thresholds)
        return (
            MetricField("IoU+Pointing", "per step: seconds labelled right whose point hits the GT box / seconds "
                        "predicted or true; mean over steps, then videos"),
            *maps,
            MetricField("video_mAP", f"mean of video mAP over {', '.join(f'{t:g}' for t in protocol.map_thresholds)}"),
            *(FRAME_MAP_FIELDS if options["frame_map"] else ()),
        )

    def measure(self, state: ActionState, predictions: ActionPredictions) -> Measurement:
        gt, protocol, options = state.gt, state.protocol, state.options
        present, warnings = videos_present(gt, predictions, options["missing"])
        predicted_step, predicted_point = self.labels(state, predictions)
        class_value, class_defined = temporal.iou_pointing_per_class(state.grid, predicted_step, predicted_point)
        value, defined = temporal.mean_per_video(class_value, class_defined)
        per_step = per_step_means(gt, {"IoU+Pointing": (class_value, class_defined)}, class_defined)
        curves = ()
        fields = self.fields(protocol, options)
        present = [fields[0]]
        statistics = [ratio_statistic((value * defined)[:, None], defined[:, None].astype(np.float64))]
        if predictions.has_tubes:
            detections = self._detections(gt, predictions)
            instances, without_boxes = gt.instances()
            if without_boxes:
                warnings["gt_instances_without_boxes_left_out"] = without_boxes
            pairs = video_map.pair_ious(detections, instances, protocol.tube_iou)
            flags = video_map.true_positives(detections, len(instances), pairs, protocol.map_thresholds,
                                             protocol.map_rule)
            n_maps = len(protocol.map_thresholds) + 1
            present += fields[1 : 1 + n_maps]
            statistics.append(video_map.map_statistic(detections, instances, flags, gt.n_videos, len(gt.steps)))
            curves = video_map.precision_recall(detections, instances, flags, protocol.map_thresholds, gt.n_videos,
                                                len(gt.steps))
            if options["frame_map"]:
                coco = frame_map(gt, detections)
                present += fields[1 + n_maps :]
                point = np.array([[coco[f.name] for f in FRAME_MAP_FIELDS]])
                # Computed once: defined at unit weights only, so resamples give no interval.
                statistics.append(lambda counts, point=point: np.where(
                    np.all(counts == 1, axis=1, keepdims=True), point, np.nan))
            inverted = int(is_inverted(detections.box_xyxy).sum())
            if inverted:
                warnings["inverted_pred_boxes"] = inverted
        else:
            warnings["no_tubes_no_video_map"] = 1

        def statistic(counts: np.ndarray) -> np.ndarray:
            return np.concatenate([s(counts) for s in statistics], axis=1)

        per_video = {"video_id": gt.video_ids, "IoU+Pointing": np.where(defined, value, np.nan)}
        return Measurement(tuple(present), {"all": (gt.n_videos, statistic)}, per_video, warnings,
                           per_step=per_step, precision_recall=curves, units_predicted={"all": present})

    @staticmethod
    def _detections(gt, predictions: ActionPredictions) -> Tubes:
        path = predictions.meta.source
        video = index_of(predictions.tube_video, gt.video_ids, path, "video")
        step = step_indices(gt, predictions.tube_step, predictions.tube_video, path, lambda i: f"tubes (step {i})")
        if (step == 0).any():
            i = int(np.argmax(step == 0))
            raise FormatError(f"a tube's step cannot be {BACKGROUND}", path=path, sample_id=predictions.tube_video[i],
                              field="tubes")
        box_video = video[predictions.tube_box_tube]
        check_seconds(gt, box_video, predictions.tube_box_second, predictions.tube_video[predictions.tube_box_tube],
                      path)
        return Tubes(video, step, predictions.tube_score, predictions.tube_box_tube, predictions.tube_box_second,
                     predictions.tube_box_xyxy)


TASK = ActionSpatioTemporalTask()
