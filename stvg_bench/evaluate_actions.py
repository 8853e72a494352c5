"""Scoring action-grounding predictions (GroundingYouTube, YouCook2-Interactions).

>>> import stvg_bench as sb                                                # doctest: +SKIP
>>> dataset = sb.load_dataset("groundingyoutube", annotations="GroundingYouTube/")
>>> predictions = sb.load_action_predictions("points.json", dataset)
>>> sb.ActionEvaluator(dataset, "spatial").score(predictions).metrics["all"]["pointing_accuracy"]

Tasks: ``spatial`` (pointing game, IoU > 0.3 accuracy), ``temporal`` (IoD and
Jaccard, with and without background), ``spatio-temporal`` (IoU+Pointing and,
with tubes, video mAP). Confidence intervals resample videos.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .core.errors import DatasetMismatchError, FormatError, InvalidValueError, OptionError, SampleIdError
from .core.geometry import box_iou
from .data.actions import BACKGROUND, seconds_key
from .datasets.base import ActionDataset
from .formats.actions import BOX, HEATMAP, ActionPredictions
from .metrics import spatial, temporal, video_map
from .metrics.frame_map import frame_map
from .metrics.heatmaps import argmax_point, mask
from .results import ComparisonResult, ScoreResult, compare, summarise
from .statistics import N_RESAMPLES, SEED, ratio_statistic

MISSING = {"spatial": ("error", "zero", "skip"), "temporal": ("error", "zero"), "spatio-temporal": ("error", "zero")}


@dataclass(frozen=True)
class TaskProtocol:
    """The evaluation settings of an action-grounding task, printed with every result."""

    name: str
    version: int
    task: str
    box_policy: str
    missing: str
    mask_threshold: float | None
    tube_iou: str
    frame_map: bool = False
    iou_threshold: float = spatial.IOU_THRESHOLD
    map_thresholds: tuple[float, ...] = video_map.THRESHOLDS

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _index(keys: np.ndarray, names: np.ndarray, path, what: str) -> np.ndarray:
    """Positions of ``keys`` in ``names``; an unknown key is an error naming it."""
    lookup = {name: i for i, name in enumerate(names.tolist())}
    out = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys.tolist()):
        if key not in lookup:
            raise SampleIdError(f"unknown {what}", path=path, sample_id=key)
        out[i] = lookup[key]
    return out


def _refuse_duplicates(keys: np.ndarray, labels: np.ndarray, seconds: np.ndarray, path) -> None:
    unique, first, counts = np.unique(keys, return_index=True, return_counts=True)
    if (counts > 1).any():
        i = first[np.argmax(counts > 1)]
        raise SampleIdError("second given twice (seconds are compared as integers)", path=path,
                            sample_id=labels[i], field=f"second {seconds[i]}")


class ActionEvaluator:
    """Scores one task of an action-grounding dataset.

    Args:
        dataset: a loaded GroundingYouTube or YouCook2-Interactions dataset.
        task: ``spatial``, ``temporal`` or ``spatio-temporal``.
        missing: queries (spatial) or videos without a prediction: ``error``
            (default), ``zero`` (scored as misses / all background) or, for the
            spatial task, ``skip`` (left out of the denominators).
        mask_threshold: turns heatmaps into masks for the IoU > 0.3 scores.
        tube_iou: ``voxel`` (default) or ``act`` for video mAP.
        frame_map: also compute COCO-style frame mAP of the tube boxes (no CI).
    """

    def __init__(self, dataset: ActionDataset, task: str, missing: str = "error",
                 mask_threshold: float | None = None, tube_iou: str = "voxel", frame_map: bool = False) -> None:
        if task not in dataset.adapter.info.tasks:
            raise OptionError(f"{dataset.name} has no task {task!r}; choose one of {', '.join(dataset.adapter.info.tasks)}")
        if missing not in MISSING[task]:
            raise OptionError(f"--missing for the {task} task must be one of {', '.join(MISSING[task])}")
        if tube_iou not in video_map.TUBE_IOUS:
            raise OptionError(f"tube IoU must be one of {', '.join(video_map.TUBE_IOUS)}")
        if task == "spatial" and not len(dataset.gt.queries.second):
            raise OptionError(f"{dataset.name} ({dataset.split}) has no boxed second: the spatial task has nothing to score")
        self.dataset = dataset
        self.gt = dataset.gt
        self.protocol = TaskProtocol(
            name=f"{dataset.name}-{task}", version=1, task=task, box_policy=self.gt.policy, missing=missing,
            mask_threshold=mask_threshold, tube_iou=tube_iou, frame_map=frame_map,
        )
        self.grid = temporal.second_grid(self.gt) if task != "spatial" else None

    def score(self, predictions: ActionPredictions, ci: bool = True, n_resamples: int = N_RESAMPLES,
              seed: int = SEED) -> ScoreResult:
        """Score ``predictions``; with ``ci`` add 95% intervals over resampled videos."""
        self._check_envelope(predictions)
        task = self.protocol.task
        if task == "spatial":
            names, statistic, per_video, warnings = self._spatial(predictions)
        elif task == "temporal":
            names, statistic, per_video, warnings = self._temporal(predictions)
        else:
            names, statistic, per_video, warnings = self._spatio_temporal(predictions)
        n_videos = self.gt.n_videos
        metrics, ci95 = summarise({"all": (n_videos, statistic)}, names, ci, n_resamples, seed)
        inputs = dict(self.dataset.inputs)
        if predictions.meta.sha256 is not None:
            inputs = {"predictions_sha256": predictions.meta.sha256, **inputs}
        return ScoreResult(
            dataset=self.dataset.name,
            split=self.dataset.split,
            task=task,
            protocol=self.protocol,
            thresholds=(),
            n_samples=n_videos,
            group_sizes={"all": n_videos},
            metric_names=names,
            metrics=metrics,
            ci95=ci95,
            warnings=warnings,
            inputs=inputs,
            per_sample={"video_id": self.gt.video_ids, **per_video},
            resampling={"all": (n_videos, statistic)},
            unit="videos",
        )

    def compare(self, a: ActionPredictions, b: ActionPredictions, n_resamples: int = N_RESAMPLES,
                seed: int = SEED) -> ComparisonResult:
        """Paired bootstrap over videos of ``A - B``."""
        return compare(self.score(a, ci=False), self.score(b, ci=False), n_resamples, seed)

    # ------------------------------------------------------------------ checks

    def _check_envelope(self, predictions: ActionPredictions) -> None:
        meta = predictions.meta
        if predictions.task != self.protocol.task:
            raise DatasetMismatchError(f"predictions are for the {predictions.task} task, not {self.protocol.task}",
                                       path=meta.source)
        if meta.dataset is not None and meta.dataset != self.dataset.name:
            raise DatasetMismatchError(f"predictions are for dataset {meta.dataset!r}, not {self.dataset.name!r}",
                                       path=meta.source)
        if meta.split is not None and meta.split != self.dataset.split:
            raise DatasetMismatchError(f"predictions are for split {meta.split!r}, not {self.dataset.split!r}",
                                       path=meta.source)

    def _check_seconds(self, video: np.ndarray, second: np.ndarray, labels: np.ndarray, path, what="second") -> None:
        duration = self.gt.duration[video]
        outside = second > duration
        if outside.any():
            i = int(np.argmax(outside))
            raise InvalidValueError(f"{what} outside the video (it lasts until second {duration[i]})", path=path,
                                    sample_id=labels[i], field=f"{what} {second[i]}")

    def _check_points(self, video: np.ndarray, points: np.ndarray, labels, seconds, path) -> None:
        width = self.gt.frame_width[video].astype(np.float64)
        height = self.gt.frame_height[video].astype(np.float64)
        known = width > 0
        outside = (points[:, 0] < 0) | (points[:, 1] < 0)
        outside |= known & ((points[:, 0] > width) | (points[:, 1] > height))
        if outside.any():
            i = int(np.argmax(outside))
            size = f"{int(width[i])}x{int(height[i])}" if known[i] else "unknown size"
            raise InvalidValueError(f"point ({points[i, 0]:g}, {points[i, 1]:g}) outside the frame ({size})",
                                    path=path, sample_id=labels[i], field=f"second {seconds[i]}: point")

    def _step_indices(self, steps: np.ndarray, videos: np.ndarray, path, where) -> np.ndarray:
        lookup = self.gt.step_index()
        out = np.empty(len(steps), dtype=np.int64)
        for i, step in enumerate(steps.tolist()):
            if step not in lookup:
                raise SampleIdError(f"unknown step {step!r} (not in the step vocabulary)", path=path,
                                    sample_id=videos[i], field=where(i))
            out[i] = lookup[step]
        return out

    def _videos(self, predictions: ActionPredictions) -> tuple[np.ndarray, dict[str, int]]:
        """Which videos have a prediction; refuses unknown ones and (by policy) missing ones."""
        path = predictions.meta.source
        given = _index(np.array(predictions.videos, dtype=str), self.gt.video_ids, path, "video")
        present = np.zeros(self.gt.n_videos, dtype=bool)
        present[given] = True
        warnings = {}
        if not present.all():
            if self.protocol.missing == "error":
                raise SampleIdError(
                    f"no prediction ({int((~present).sum())} of {self.gt.n_videos} videos have none; "
                    "--missing zero scores them as all background)",
                    path=path, sample_id=str(self.gt.video_ids[np.argmin(present)]),
                )
            warnings["missing_scored_zero"] = int((~present).sum())
        return present, warnings

    # ------------------------------------------------------------------ tasks

    def _spatial(self, predictions: ActionPredictions):
        gt, queries = self.gt, self.gt.queries
        path = predictions.meta.source
        labels = predictions.spatial_group
        groups = _index(labels, queries.group_names, path, "video" if gt.dataset == "groundingyoutube" else "segment id")
        videos = groups if gt.dataset == "groundingyoutube" else gt.segment_video[groups]
        seconds = predictions.spatial_second
        self._check_seconds(videos, seconds, labels, path)
        keys = seconds_key(groups, seconds)
        _refuse_duplicates(keys, labels, seconds, path)
        points, masks_for_iou = self._spatial_points(predictions, videos, labels, path)
        self._check_points(videos, points, labels, seconds, path)

        query_keys = seconds_key(queries.group, queries.second)
        order = np.argsort(keys)
        at = np.searchsorted(keys[order], query_keys)
        at_clipped = np.minimum(at, max(len(keys) - 1, 0))
        found = (at < len(keys)) & (keys[order][at_clipped] == query_keys) if len(keys) else np.zeros(len(at), bool)
        row = order[at_clipped]
        warnings = {}
        missing = self.protocol.missing
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
        hit = found & spatial.hits(points[row], queries.gt_xyxy)

        names = ["pointing_accuracy"]
        n_videos = gt.n_videos
        columns = [hit]
        kinds = predictions.spatial_kind[row]
        can_iou = (kinds == BOX) | ((kinds == HEATMAP) & (self.protocol.mask_threshold is not None))
        iou_correct = None
        if len(row) and can_iou[found].all():
            iou = np.zeros(len(row))
            box_rows = found & (kinds == BOX)
            iou[box_rows] = box_iou(predictions.spatial_box[row[box_rows]], queries.gt_xyxy[box_rows])
            mask_rows = np.flatnonzero(found & (kinds == HEATMAP))
            if len(mask_rows):
                iou[mask_rows] = spatial.mask_box_iou([masks_for_iou[row[i]] for i in mask_rows],
                                                      queries.gt_xyxy[mask_rows])
            iou_correct = found & (iou > spatial.IOU_THRESHOLD)
            names.append("iou0.3_accuracy")
            columns.append(iou_correct)
        elif (kinds[found] == HEATMAP).any():
            warnings["heatmaps_without_mask_threshold_no_iou_scores"] = int((kinds[found] == HEATMAP).sum())
        numerators = np.stack([np.bincount(queries.video, weights=c & scored, minlength=n_videos) for c in columns], 1)
        denominators = np.repeat(np.bincount(queries.video, weights=scored, minlength=n_videos)[:, None],
                                 len(columns), axis=1)
        statistics = [ratio_statistic(numerators, denominators)]
        if iou_correct is not None and (queries.step >= 0).any():
            names.append("iou0.3_class_mean_accuracy")
            statistics.append(spatial.class_mean_statistic(iou_correct, scored, queries.video, queries.step,
                                                           n_videos))

        def statistic(counts: np.ndarray) -> np.ndarray:
            return np.concatenate([s(counts) for s in statistics], axis=1)

        per_video = {
            "queries": np.bincount(queries.video, minlength=n_videos),
            "scored": denominators[:, 0],
            "hits": numerators[:, 0],
        }
        if iou_correct is not None:
            per_video["iou0.3_correct"] = numerators[:, 1]
        return tuple(names), statistic, per_video, warnings

    def _spatial_points(self, predictions: ActionPredictions, videos, labels, path):
        """The point each prediction points at, and masks for heatmaps when a threshold is set."""
        kinds = predictions.spatial_kind
        points = predictions.spatial_point.copy()
        boxes = predictions.spatial_box
        centre = kinds == BOX
        points[centre] = np.stack([(boxes[centre, 0] + boxes[centre, 2]) / 2, (boxes[centre, 1] + boxes[centre, 3]) / 2], 1)
        masks: dict[int, np.ndarray] = {}
        for i in np.flatnonzero(kinds == HEATMAP).tolist():
            width, height = predictions.heatmap_frame_size[i].tolist()
            video_width, video_height = int(self.gt.frame_width[videos[i]]), int(self.gt.frame_height[videos[i]])
            if video_width and (width, height) != (video_width, video_height):
                raise FormatError(
                    f"heatmap of the wrong shape: frame_size {width}x{height}, the video is {video_width}x{video_height}",
                    path=path, sample_id=labels[i], field=f"second {predictions.spatial_second[i]}: frame_size",
                )
            grid = predictions.heatmaps[i]
            points[i] = argmax_point(grid, height, width)
            if self.protocol.mask_threshold is not None:
                masks[i] = mask(grid, height, width, self.protocol.mask_threshold)
        return points, masks

    def _labels(self, predictions: ActionPredictions):
        """Dense per-second predicted steps and points on the second grid."""
        path = predictions.meta.source
        labels = predictions.label_video
        video = _index(labels, self.gt.video_ids, path, "video")
        second = predictions.label_second
        self._check_seconds(video, second, labels, path)
        _refuse_duplicates(seconds_key(video, second), labels, second, path)
        step = self._step_indices(predictions.label_step, labels, path, lambda i: f"second {second[i]}")
        labelled = step > 0
        if predictions.task == "spatio-temporal":
            self._check_points(video[labelled], predictions.label_point[labelled], labels[labelled],
                               second[labelled], path)
        return temporal.dense_labels(self.grid, video, second, step, predictions.label_point)

    def _temporal(self, predictions: ActionPredictions):
        _, warnings = self._videos(predictions)
        predicted_step, _ = self._labels(predictions)
        per_metric = temporal.iod_jaccard(self.grid, predicted_step)
        names = tuple(per_metric)
        values = np.stack([per_metric[n][0] for n in names], axis=1)
        defined = np.stack([per_metric[n][1] for n in names], axis=1).astype(np.float64)
        undefined = int((defined[:, 0] == 0).sum())
        if undefined:
            warnings["videos_without_steps_left_out"] = undefined
        per_video = {name: np.where(defined[:, k] > 0, values[:, k], np.nan) for k, name in enumerate(names)}
        return names, ratio_statistic(values * defined, defined), per_video, warnings

    def _spatio_temporal(self, predictions: ActionPredictions):
        _, warnings = self._videos(predictions)
        predicted_step, predicted_point = self._labels(predictions)
        value, defined = temporal.iou_pointing(self.grid, predicted_step, predicted_point)
        names = ["IoU+Pointing"]
        statistics = [ratio_statistic((value * defined)[:, None], defined[:, None].astype(np.float64))]
        per_video = {"IoU+Pointing": np.where(defined, value, np.nan)}
        if predictions.has_tubes:
            detections = self._detections(predictions)
            instances, without_boxes = gt_instances(self.gt)
            if without_boxes:
                warnings["gt_instances_without_boxes_left_out"] = without_boxes
            pairs = video_map.pair_ious(detections, instances, self.protocol.tube_iou)
            flags = video_map.true_positives(detections, len(instances), pairs)
            names += [f"video_mAP@{t:g}" for t in video_map.THRESHOLDS] + ["video_mAP"]
            statistics.append(video_map.map_statistic(detections, instances, flags, self.gt.n_videos,
                                                      len(self.gt.steps)))
            if self.protocol.frame_map:
                coco = frame_map(self.gt, detections)
                names += list(coco)
                point = np.array([list(coco.values())])
                # Computed once: defined at unit weights only, so resamples give no interval.
                statistics.append(lambda counts, point=point: np.where(
                    np.all(counts == 1, axis=1, keepdims=True), point, np.nan))
            inverted = (detections.box_xyxy[:, 2] < detections.box_xyxy[:, 0]) | (
                detections.box_xyxy[:, 3] < detections.box_xyxy[:, 1])
            if inverted.any():
                warnings["inverted_pred_boxes"] = int(inverted.sum())
        else:
            warnings["no_tubes_no_video_map"] = 1

        def statistic(counts: np.ndarray) -> np.ndarray:
            return np.concatenate([s(counts) for s in statistics], axis=1)

        return tuple(names), statistic, per_video, warnings

    def _detections(self, predictions: ActionPredictions) -> video_map.Tubes:
        path = predictions.meta.source
        video = _index(predictions.tube_video, self.gt.video_ids, path, "video")
        step = self._step_indices(predictions.tube_step, predictions.tube_video, path, lambda i: f"tubes (step {i})")
        if (step == 0).any():
            i = int(np.argmax(step == 0))
            raise FormatError(f"a tube's step cannot be {BACKGROUND}", path=path, sample_id=predictions.tube_video[i],
                              field="tubes")
        box_video = video[predictions.tube_box_tube]
        self._check_seconds(box_video, predictions.tube_box_second, predictions.tube_video[predictions.tube_box_tube],
                            path)
        return video_map.Tubes(video, step, predictions.tube_score, predictions.tube_box_tube,
                               predictions.tube_box_second, predictions.tube_box_xyxy)


def gt_instances(gt) -> tuple[video_map.Tubes, int]:
    """GT instances as tubes (usable boxes of each segment's seconds), and how many had none."""
    valid_keys = seconds_key(gt.box_video[gt.box_valid], gt.box_second[gt.box_valid])
    order = np.argsort(valid_keys)
    lengths = gt.segment_end - gt.segment_start + 1
    owner = np.repeat(np.arange(len(lengths)), lengths)
    second = np.arange(int(lengths.sum())) - (np.cumsum(lengths) - lengths)[owner] + gt.segment_start[owner]
    keys = seconds_key(gt.segment_video[owner], second)
    at = np.searchsorted(valid_keys[order], keys)
    at_clipped = np.minimum(at, max(len(order) - 1, 0))
    has_box = (at < len(order)) & (valid_keys[order][at_clipped] == keys)
    boxes = gt.box_xyxy[gt.box_valid][order[at_clipped[has_box]]]
    covered = np.zeros(len(lengths), dtype=bool)
    covered[owner[has_box]] = True
    renumber = np.cumsum(covered) - 1
    tubes = video_map.Tubes(
        video=gt.segment_video[covered],
        step=gt.segment_step[covered],
        score=np.ones(int(covered.sum())),
        box_tube=renumber[owner[has_box]],
        box_second=second[has_box],
        box_xyxy=boxes,
    )
    return tubes, int((~covered).sum())
