"""What a runner is given about each sample: the inputs of the task, never its ground truth.

Tube samples (VidSTG, HC-STVG) are sentences, ``sample_id`` as in the dataset
(TubeDETR's numbering). Frames are 0-based ids at the annotation's ``fps``; the
input segment is half-open ``[segment_start_frame, segment_end_frame_exclusive)``
as released (VidSTG ``used_segment``; HC-STVG ``[0, img_num - 1)``, TubeDETR's).
Only ``oracle`` runners get ``truth``: the ground-truth segment, half-open.

Action samples (GroundingYouTube, YouCook2-Interactions) are the units a
prediction file is keyed by: for the spatial task a query group (a video, or a
YouCook2-Interactions segment id), for the temporal tasks a video. Seconds are
integers; ``seconds`` are those asked (the queried seconds, or every second
``0..duration_s``, inclusive). ``position`` is the sample's index in the
dataset's order, the order of every merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stvg_bench.core.errors import OptionError
from stvg_bench.data.actions import BACKGROUND


@dataclass(frozen=True)
class TubeTruth:
    """The ground-truth segment ``[gt_start_frame, gt_end_frame_exclusive)``, for oracle runners only."""

    gt_start_frame: int
    gt_end_frame_exclusive: int


@dataclass(frozen=True)
class TubeSample:
    position: int
    sample_id: int
    video_id: str
    sentence: str
    query_type: str
    fps: float
    frame_count: int
    width: int
    height: int
    segment_start_frame: int
    segment_end_frame_exclusive: int
    truth: TubeTruth | None = None


@dataclass(frozen=True)
class ActionSample:
    """``query_texts[i]`` is what second ``seconds[i]`` asks for (the step, or the segment's sentence) on
    spatial samples; ``step_pool`` the video's released steps without background (temporal samples)."""

    position: int
    sample_id: str
    video_id: str
    frame_width: int
    frame_height: int
    duration_s: int
    seconds: np.ndarray
    query_texts: tuple[str, ...] = ()
    step_pool: tuple[str, ...] = ()


def tube_samples(dataset, with_truth: bool) -> list[TubeSample]:
    """Every sample of a tube dataset, in sample-id order (``with_truth``: oracle runners)."""
    gt = dataset.gt
    names = np.asarray(gt.query_type_names, dtype=object)
    columns = zip(
        gt.video_id.tolist(), gt.sentence.tolist(), names[np.asarray(gt.query_type)].tolist(),
        np.asarray(gt.fps).tolist(), np.asarray(gt.frame_count).tolist(), np.asarray(gt.width).tolist(),
        np.asarray(gt.height).tolist(), np.asarray(gt.segment_start_frame).tolist(),
        np.asarray(gt.segment_end_frame).tolist(), np.asarray(gt.gt_start_frame).tolist(),
        np.asarray(gt.gt_end_frame_exclusive).tolist())
    samples = []
    for i, (video, sentence, qtype, fps, count, width, height, start, end, gt_start, gt_end) in enumerate(columns):
        truth = TubeTruth(gt_start, gt_end) if with_truth else None
        samples.append(TubeSample(i, i, video, sentence, qtype, fps, count, width, height, start, end, truth))
    return samples


def action_samples(dataset, task: str, frame_sizes: dict[str, tuple[int, int]] | None = None) -> list[ActionSample]:
    """The samples of ``task`` (``action-spatial``, or a temporal one) on an action dataset.

    ``frame_sizes`` (``{video: (width, height)}``) fills in sizes the dataset does not release.
    """
    gt = dataset.gt
    sizes = frame_sizes or {}
    width = np.asarray(gt.frame_width).tolist()
    height = np.asarray(gt.frame_height).tolist()
    videos = gt.video_ids.tolist()

    def size(video: int) -> tuple[int, int]:
        if width[video] > 0:
            return width[video], height[video]
        return sizes.get(videos[video], (0, 0))

    if task == "action-spatial":
        queries = gt.queries
        by_video = queries.group_kind == "video"
        order = np.lexsort((queries.second, queries.group))
        group, second, step = queries.group[order], queries.second[order], queries.step[order]
        bounds = np.searchsorted(group, np.arange(len(queries.group_names) + 1))
        samples = []
        for g, name in enumerate(queries.group_names.tolist()):
            lo, hi = bounds[g], bounds[g + 1]
            video = g if by_video else int(gt.segment_video[g])
            texts = ([gt.steps[s] for s in step[lo:hi].tolist()] if by_video
                     else [str(gt.segment_text[g])] * int(hi - lo))
            samples.append(ActionSample(g, name, videos[video], *size(video), int(gt.duration[video]),
                                        second[lo:hi].astype(np.int64), tuple(texts)))
        return samples
    if not len(gt.steps):
        raise OptionError(f"{dataset.name} has no steps: the {task} task does not apply")
    pools: dict[int, list[str]] = {}
    for video, step in zip(gt.pool_video.tolist(), gt.pool_step.tolist()):
        name = gt.steps[step]
        if name != BACKGROUND and name not in pools.setdefault(video, []):
            pools[video].append(name)
    return [ActionSample(v, name, name, *size(v), int(gt.duration[v]),
                         np.arange(int(gt.duration[v]) + 1, dtype=np.int64), (), tuple(pools.get(v, ())))
            for v, name in enumerate(videos)]
