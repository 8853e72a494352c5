"""Per-second metrics of untrimmed videos: IoD / Jaccard (docs/METRICS.md §4) and IoU+Pointing (§3.7).

Every second ``0..duration`` of every video is one cell of a flat *second
grid*; the ground truth is the set of (second, step) memberships (a second may
belong to several steps) and the prediction one label per second
(``background`` = 0 where none is given).

* **IoD / Jaccard**, for each step ``c`` present in a video's GT: ``TP = |P_c ∩ G_c|``,
  ``FP = |P_c \\ G_c|``, ``FN = |G_c \\ P_c|``; IoD = TP / (TP + FP) (skipped if
  0/0), Jaccard = TP / (TP + FP + FN); mean over steps in a video, then over
  videos; with background, the background class counts as a step.
* **IoU+Pointing**, for each step ``c`` (not background) present in a video's GT
  or prediction: a second is correct when it is in ``P_c`` and ``G_c`` and the
  predicted point hits the GT box of that second; ``IoU_c = |correct| /
  |P_c ∪ G_c|``; mean over steps, then over videos. Seconds of ``G_c`` without
  a usable GT box cannot be judged spatially: they are left out of ``P_c``
  and ``G_c`` (as the box policy leaves dropped boxes out of scoring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.actions import ActionGroundTruth
from .spatial import hits


@dataclass(frozen=True)
class SecondGrid:
    """The seconds of all videos, flattened: video ``v`` owns cells ``offsets[v]:offsets[v + 1]``.

    ``member_cell`` / ``member_step`` list the (second, step) GT memberships;
    ``background`` marks cells in no segment; ``gt_box`` is the usable GT box
    of each cell (NaN where there is none).
    """

    offsets: np.ndarray
    n_steps: int
    member_cell: np.ndarray
    member_step: np.ndarray
    background: np.ndarray
    gt_box: np.ndarray

    @property
    def n_videos(self) -> int:
        return len(self.offsets) - 1

    def video_of(self, cells: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, cells, side="right") - 1

    def cell(self, video: np.ndarray, second: np.ndarray) -> np.ndarray:
        return self.offsets[video] + second


def second_grid(gt: ActionGroundTruth) -> SecondGrid:
    """Build the grid of ``gt`` (seconds ``0..duration`` per video)."""
    offsets = np.concatenate([[0], np.cumsum(gt.duration + 1)]).astype(np.int64)
    video, second, step = gt.second_sets()
    cells = offsets[video] + second
    background = np.ones(int(offsets[-1]), dtype=bool)
    background[cells] = False
    gt_box = np.full((int(offsets[-1]), 4), np.nan)
    valid = gt.box_valid
    gt_box[offsets[gt.box_video[valid]] + gt.box_second[valid]] = gt.box_xyxy[valid]
    return SecondGrid(offsets, len(gt.steps), cells, step, background, gt_box)


def _per_video_class(grid: SecondGrid, cells: np.ndarray, steps: np.ndarray, weights=None) -> np.ndarray:
    flat = grid.video_of(cells) * grid.n_steps + steps
    counts = np.bincount(flat, weights=weights, minlength=grid.n_videos * grid.n_steps)
    return counts.reshape(grid.n_videos, grid.n_steps)


def mean_per_video(values: np.ndarray, defined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-video mean over the defined entries of each row, and whether any was defined."""
    count = defined.sum(axis=1)
    total = np.where(defined, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), 0.0), count > 0


@dataclass(frozen=True)
class ClassScores:
    """Per (video, step class) scores, ``(n_videos, n_steps)``; class 0 is background.

    ``iod`` / ``jaccard`` (§4): 0 where undefined; ``gt_present``: the class is in the video's ground truth
    (background: the video has a background second); ``predicted``: some second of the video is predicted
    as the class (background: left or labelled background).
    """

    iod: np.ndarray
    jaccard: np.ndarray
    gt_present: np.ndarray
    predicted: np.ndarray


def iod_jaccard_per_class(grid: SecondGrid, predicted_step: np.ndarray) -> ClassScores:
    """IoD and Jaccard of every (video, class), background included (§4)."""
    gt_count = _per_video_class(grid, grid.member_cell, grid.member_step)
    background_cells = np.flatnonzero(grid.background)
    gt_count[:, 0] = np.bincount(grid.video_of(background_cells), minlength=grid.n_videos)
    all_cells = np.arange(len(predicted_step))
    predicted_count = _per_video_class(grid, all_cells, predicted_step)
    agree = predicted_step[grid.member_cell] == grid.member_step
    tp = _per_video_class(grid, grid.member_cell[agree], grid.member_step[agree])
    tp[:, 0] = np.bincount(grid.video_of(background_cells[predicted_step[background_cells] == 0]),
                           minlength=grid.n_videos)
    iod = np.zeros(tp.shape)
    np.divide(tp, predicted_count, out=iod, where=predicted_count > 0)
    union = predicted_count + gt_count - tp
    jaccard = np.zeros(tp.shape)
    np.divide(tp, union, out=jaccard, where=union > 0)
    return ClassScores(iod, jaccard, gt_count > 0, predicted_count > 0)


def iod_jaccard(grid: SecondGrid, predicted_step: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-video IoD and Jaccard, without and with background: ``{name: (values, defined)}``."""
    return video_iod_jaccard(iod_jaccard_per_class(grid, predicted_step))


def video_iod_jaccard(scores: ClassScores) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """:func:`iod_jaccard` from the per-class scores."""
    present = scores.gt_present
    steps_only = present.copy()
    steps_only[:, 0] = False
    out = {}
    for suffix, classes in (("no_bg", steps_only), ("with_bg", present)):
        out[f"IoD_{suffix}"] = mean_per_video(scores.iod, classes & scores.predicted)
        out[f"Jaccard_{suffix}"] = mean_per_video(scores.jaccard, classes)
    return out


def iou_pointing_per_class(grid: SecondGrid, predicted_step: np.ndarray, predicted_point: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """IoU+Pointing of every (video, class): ``(values, defined)``, ``(n_videos, n_steps)``; background
    (class 0) is never defined."""
    judged = ~np.isnan(grid.gt_box[grid.member_cell]).any(axis=1)
    unjudged = ~judged & (grid.member_step > 0)
    cells, steps = grid.member_cell[judged], grid.member_step[judged]
    labelled = np.flatnonzero(predicted_step > 0)
    predicted = _per_video_class(grid, labelled, predicted_step[labelled])
    dropped = unjudged & (predicted_step[grid.member_cell] == grid.member_step)
    predicted -= _per_video_class(grid, grid.member_cell[dropped], grid.member_step[dropped])
    gt_count = _per_video_class(grid, cells, steps)
    both = predicted_step[cells] == steps
    intersection = _per_video_class(grid, cells[both], steps[both])
    hit = hits(np.nan_to_num(predicted_point[cells[both]], nan=-np.inf), grid.gt_box[cells[both]])
    correct = _per_video_class(grid, cells[both][hit], steps[both][hit])
    union = predicted + gt_count - intersection
    union[:, 0] = 0  # background is a class but is not averaged
    iou = np.zeros(union.shape)
    np.divide(correct, union, out=iou, where=union > 0)
    return iou, union > 0


def iou_pointing(grid: SecondGrid, predicted_step: np.ndarray, predicted_point: np.ndarray):
    """Per-video IoU+Pointing: ``(values, defined)``."""
    return mean_per_video(*iou_pointing_per_class(grid, predicted_step, predicted_point))


def dense_labels(grid: SecondGrid, video: np.ndarray, second: np.ndarray, step: np.ndarray,
                 point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell predicted step (0 where none) and point (NaN where none)."""
    predicted_step = np.zeros(int(grid.offsets[-1]), dtype=np.int64)
    predicted_point = np.full((int(grid.offsets[-1]), 2), np.nan)
    cells = grid.cell(video, second)
    predicted_step[cells] = step
    predicted_point[cells] = point
    return predicted_step, predicted_point

