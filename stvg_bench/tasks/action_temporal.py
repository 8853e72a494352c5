"""Temporal action grounding (GroundingYouTube; docs/METRICS.md §4): one step label per second.

Metrics: IoD and Jaccard over the steps present in each video's ground truth,
without and with the background class; mean over steps, then over videos.
Seconds a prediction leaves out are background. Intervals resample videos.
"""

from __future__ import annotations

import numpy as np

from ..data.actions import ActionPredictions
from ..metrics import temporal
from ..protocols import ActionProtocol
from ..results.result import ColumnField, MetricField
from ..statistics import ratio_statistic
from .action_common import ActionState, LabelledSecondsTask, missing_option, per_step_means, videos_present
from .base import Measurement

FIELDS = (
    MetricField("IoD_no_bg", "TP / (TP + FP) per step, steps of the GT without background"),
    MetricField("Jaccard_no_bg", "TP / (TP + FP + FN) per step, steps of the GT without background"),
    MetricField("IoD_with_bg", "IoD with background counted as a step"),
    MetricField("Jaccard_with_bg", "Jaccard with background counted as a step"),
)


class ActionTemporalTask(LabelledSecondsTask):
    name = "action-temporal"
    options = (missing_option(("error", "zero")),)
    per_sample_columns = (ColumnField("video_id", "video"),
                          *(ColumnField(f.name, f"{f.description}; NaN where undefined") for f in FIELDS))
    per_step_columns = (
        ColumnField("step", "step class (background included)"),
        ColumnField("videos", "videos whose ground truth has the step"),
        ColumnField("IoD", "the step's IoD, mean over those videos that predict it (NaN where none does)"),
        ColumnField("Jaccard", "the step's Jaccard, mean over those videos"),
    )

    def fields(self, protocol: ActionProtocol, options: dict) -> tuple[MetricField, ...]:
        return FIELDS

    def measure(self, state: ActionState, predictions: ActionPredictions) -> Measurement:
        present, warnings = videos_present(state.gt, predictions, state.options["missing"])
        predicted_step, _ = self.labels(state, predictions)
        scores = temporal.iod_jaccard_per_class(state.grid, predicted_step)
        per_metric = temporal.video_iod_jaccard(scores)
        names = [f.name for f in FIELDS]
        values = np.stack([per_metric[n][0] for n in names], axis=1)
        defined = np.stack([per_metric[n][1] for n in names], axis=1).astype(np.float64)
        undefined = int((defined[:, 0] == 0).sum())
        if undefined:
            warnings["videos_without_steps_left_out"] = undefined
        per_video = {"video_id": state.gt.video_ids,
                     **{name: np.where(defined[:, k] > 0, values[:, k], np.nan) for k, name in enumerate(names)}}
        statistic = ratio_statistic(values * defined, defined)
        per_step = per_step_means(state.gt, {"IoD": (scores.iod, scores.gt_present & scores.predicted),
                                             "Jaccard": (scores.jaccard, scores.gt_present)}, scores.gt_present)
        return Measurement(FIELDS, {"all": (state.gt.n_videos, statistic)}, per_video, warnings,
                           per_step=per_step, units_predicted={"all": present})


TASK = ActionTemporalTask()
