"""What the three action-grounding tasks share: matching prediction keys to the dataset, and value checks.

Every check raises an error naming the prediction file, the video (or query
group) and the second or field at fault. Confidence intervals resample videos.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import DatasetMismatchError, InvalidValueError, SampleIdError, quote
from ..data.actions import ActionGroundTruth, ActionPredictions, seconds_key
from ..metrics import temporal
from ..protocols import ActionProtocol
from .base import Task, TaskOption, choice


def missing_option(choices: tuple[str, ...]) -> TaskOption:
    return TaskOption("missing", "error", choice("missing", choices))


def index_of(keys: np.ndarray, names: np.ndarray, path, what: str) -> np.ndarray:
    """Positions of ``keys`` in ``names``; an unknown key is an error naming it."""
    lookup = {name: i for i, name in enumerate(names.tolist())}
    out = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys.tolist()):
        if key not in lookup:
            raise SampleIdError(f"unknown {what}", path=path, sample_id=key)
        out[i] = lookup[key]
    return out


def refuse_duplicates(keys: np.ndarray, labels: np.ndarray, seconds: np.ndarray, path) -> None:
    """A (group, second) given twice (after integer normalisation) is an error."""
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    if (counts > 1).any():
        i = first[np.argmax(counts > 1)]
        raise SampleIdError("second given twice (seconds are compared as integers)", path=path,
                            sample_id=labels[i], field=f"second {seconds[i]}")


def check_seconds(gt: ActionGroundTruth, video: np.ndarray, second: np.ndarray, labels: np.ndarray, path,
                  what: str = "second") -> None:
    """Seconds after the end of their video are errors."""
    duration = gt.duration[video]
    outside = second > duration
    if outside.any():
        i = int(np.argmax(outside))
        raise InvalidValueError(f"{what} outside the video (it lasts until second {duration[i]})", path=path,
                                sample_id=labels[i], field=f"{what} {second[i]}")


def check_points(gt: ActionGroundTruth, video: np.ndarray, points: np.ndarray, labels, seconds, path) -> None:
    """Points left of or above the frame, or beyond its known size, are errors."""
    width = gt.frame_width[video].astype(np.float64)
    height = gt.frame_height[video].astype(np.float64)
    known = width > 0
    outside = (points[:, 0] < 0) | (points[:, 1] < 0)
    outside |= known & ((points[:, 0] > width) | (points[:, 1] > height))
    if outside.any():
        i = int(np.argmax(outside))
        size = f"{int(width[i])}x{int(height[i])}" if known[i] else "unknown size"
        raise InvalidValueError(f"point ({points[i, 0]:g}, {points[i, 1]:g}) outside the frame ({size})",
                                path=path, sample_id=labels[i], field=f"second {seconds[i]}: point")


def step_indices(gt: ActionGroundTruth, steps: np.ndarray, videos: np.ndarray, path, where) -> np.ndarray:
    """Indices of (normalised) step names in the vocabulary; an unknown step is an error."""
    lookup = gt.step_index()
    out = np.empty(len(steps), dtype=np.int64)
    for i, step in enumerate(steps.tolist()):
        if step not in lookup:
            raise SampleIdError(f"unknown step {quote(step)} (not in the step vocabulary)", path=path,
                                sample_id=videos[i], field=where(i))
        out[i] = lookup[step]
    return out


def videos_present(gt: ActionGroundTruth, predictions: ActionPredictions, missing: str
                   ) -> tuple[np.ndarray, dict[str, int]]:
    """Which videos have a prediction; refuses unknown ones and, by ``missing``, absent ones."""
    path = predictions.meta.source
    given = index_of(np.array(predictions.videos, dtype=str), gt.video_ids, path, "video")
    present = np.zeros(gt.n_videos, dtype=bool)
    present[given] = True
    warnings = {}
    if not present.all():
        if missing == "error":
            raise SampleIdError(
                f"no prediction ({int((~present).sum())} of {gt.n_videos} videos have none; "
                "--missing zero scores them as all background)",
                path=path, sample_id=str(gt.video_ids[np.argmin(present)]),
            )
        warnings["missing_scored_zero"] = int((~present).sum())
    return present, warnings


def per_step_means(gt: ActionGroundTruth, columns: dict[str, tuple[np.ndarray, np.ndarray]],
                   videos: np.ndarray) -> dict[str, np.ndarray]:
    """A per-step table from per (video, class) scores: one row per class some video has (``videos``,
    ``(n_videos, n_steps)`` flags), in vocabulary order; each column ``name: (values, defined)`` becomes the
    mean over the videos where it is defined (NaN where none is)."""
    steps = np.flatnonzero(videos.any(axis=0))
    table = {"step": np.asarray(gt.steps, dtype=object)[steps], "videos": videos[:, steps].sum(axis=0)}
    for name, (values, defined) in columns.items():
        count = defined[:, steps].sum(axis=0)
        total = np.where(defined, values, 0.0)[:, steps].sum(axis=0)
        table[name] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return table


@dataclass(frozen=True)
class ActionState:
    """An action dataset prepared for one task: the protocol, the options and (for labels) the second grid."""

    dataset: object
    protocol: ActionProtocol
    options: dict
    grid: temporal.SecondGrid | None = None

    @property
    def gt(self) -> ActionGroundTruth:
        return self.dataset.gt


class ActionTask(Task):
    """An action-grounding task: the predictions' ``task`` must be this task's ``--task`` value."""

    unit = "videos"

    def check_task(self, predictions: ActionPredictions) -> None:
        if predictions.task != self.info.option:
            raise DatasetMismatchError(f"predictions are for the {predictions.task} task, not {self.info.option}",
                                       path=predictions.meta.source)


class LabelledSecondsTask(ActionTask):
    """The temporal and spatio-temporal tasks: one step (and point) per second on the dataset's second grid."""

    def prepare(self, dataset, protocol: ActionProtocol, options: dict) -> ActionState:
        return ActionState(dataset, protocol, options, temporal.second_grid(dataset.gt))

    def check(self, state: ActionState, predictions) -> None:
        self.check_task(predictions)

    def labels(self, state: ActionState, predictions: ActionPredictions) -> tuple[np.ndarray, np.ndarray]:
        """Dense per-second predicted steps (0 = background) and points (NaN where none)."""
        gt = state.gt
        path = predictions.meta.source
        names = predictions.label_video
        video = index_of(names, gt.video_ids, path, "video")
        second = predictions.label_second
        check_seconds(gt, video, second, names, path)
        refuse_duplicates(seconds_key(video, second), names, second, path)
        step = step_indices(gt, predictions.label_step, names, path, lambda i: f"second {second[i]}")
        labelled = step > 0
        if predictions.task == "spatio-temporal":
            check_points(gt, video[labelled], predictions.label_point[labelled], names[labelled], second[labelled],
                         path)
        return temporal.dense_labels(state.grid, video, second, step, predictions.label_point)
