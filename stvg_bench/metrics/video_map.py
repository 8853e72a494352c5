"""Video mAP of scored tubes (docs/METRICS.md §3.8).

A detection is (video, step, score, boxes per second); a GT instance is a
segment (video, step, [start, end]) with the usable GT boxes of its seconds
(instances without any are left out and counted).

* **Voxel tube IoU** = Σ_t |a_t ∩ b_t| / Σ_t |a_t ∪ b_t| over the union of the
  two tubes' seconds; a second only one tube has contributes that box's area
  to the union. So IoU = I / (A_a + A_b - I) with ``A`` the summed box areas.
* **ACT-style tube IoU** (option): temporal IoU of the tubes' extents
  (inclusive seconds) x the mean per-second box IoU over the seconds of the
  extents' intersection on which either tube has a box (one tube's box alone
  counts 0; a second neither annotates does not count).
* **Matching**, per step class and threshold θ: detections in decreasing
  score (ties: file order), each matched to the unmatched GT instance of the
  same video with the highest IoU; a true positive when that IoU passes θ
  (the protocol's ``map_rule``; ``gyt``: IoU ≥ θ).
* **AP**: all-point interpolated (VOC 2010+): Σ over detections of the recall
  step times the precision envelope (the maximum precision at any later
  rank). mAP@θ = mean AP over classes with at least one GT instance; video
  mAP = mean over the protocol's thresholds θ (``gyt``: 0.1, ..., 0.5).

For confidence intervals, videos are resampled: a video drawn k times
contributes its detections and instances k times (matching happens within a
video, so true-positive flags do not change; AP is recomputed from weighted
counts, copies of a detection sitting next to each other in score order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.geometry import box_area, box_intersection
from ..data.actions import Tubes
from ..protocols.base import passes


def _key(video, step, second) -> np.ndarray:
    return (np.asarray(video, np.int64) << 36) + (np.asarray(step, np.int64) << 20) + np.asarray(second, np.int64)


def pair_ious(detections: Tubes, instances: Tubes, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(detection, instance, iou)`` for every pair of the same video and step sharing a second."""
    det_keys = _key(detections.video[detections.box_tube], detections.step[detections.box_tube],
                    detections.box_second)
    gt_keys = _key(instances.video[instances.box_tube], instances.step[instances.box_tube], instances.box_second)
    order = np.argsort(gt_keys, kind="stable")
    gt_keys_sorted = gt_keys[order]
    lo = np.searchsorted(gt_keys_sorted, det_keys, side="left")
    hi = np.searchsorted(gt_keys_sorted, det_keys, side="right")
    det_row = np.repeat(np.arange(len(det_keys)), hi - lo)
    first = np.cumsum(hi - lo) - (hi - lo)
    gt_row = order[np.arange(int((hi - lo).sum())) - first[det_row] + lo[det_row]]
    det_box = detections.box_xyxy[det_row]
    gt_box = instances.box_xyxy[gt_row]
    inter = box_intersection(det_box, gt_box)
    det_tube = detections.box_tube[det_row]
    gt_tube = instances.box_tube[gt_row]
    pair_code = det_tube * len(instances) + gt_tube
    codes, pair_of_row = np.unique(pair_code, return_inverse=True)
    det_index, gt_index = codes // len(instances), codes % len(instances)
    if kind == "voxel":
        area_det = np.bincount(detections.box_tube, weights=box_area(detections.box_xyxy), minlength=len(detections))
        area_gt = np.bincount(instances.box_tube, weights=box_area(instances.box_xyxy), minlength=len(instances))
        intersection = np.bincount(pair_of_row, weights=inter, minlength=len(codes))
        union = area_det[det_index] + area_gt[gt_index] - intersection
        iou = np.zeros(len(codes))
        np.divide(intersection, union, out=iou, where=union > 0)
        return det_index, gt_index, iou
    union_t = box_area(det_box) + box_area(gt_box) - inter
    frame_iou = np.zeros(len(inter))
    np.divide(inter, union_t, out=frame_iou, where=union_t > 0)
    frame_iou_sum = np.bincount(pair_of_row, weights=frame_iou, minlength=len(codes))
    det_first, det_last = _extents(detections)
    gt_first, gt_last = _extents(instances)
    lo = np.maximum(det_first[det_index], gt_first[gt_index])
    hi = np.minimum(det_last[det_index], gt_last[gt_index])
    overlap = np.maximum(hi - lo + 1, 0)
    length = (det_last - det_first + 1)[det_index] + (gt_last - gt_first + 1)[gt_index] - overlap
    t_iou = np.where(length > 0, overlap / np.maximum(length, 1), 0.0)
    shared = np.bincount(pair_of_row, minlength=len(codes))
    judged = _boxes_within(detections, det_index, lo, hi) + _boxes_within(instances, gt_index, lo, hi) - shared
    mean_iou = np.where(judged > 0, frame_iou_sum / np.maximum(judged, 1), 0.0)
    return det_index, gt_index, t_iou * mean_iou


def _boxes_within(tubes: Tubes, tube: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How many boxes each ``tube`` has on seconds ``lo..hi``."""
    keys = np.sort((tubes.box_tube.astype(np.int64) << 32) + tubes.box_second)
    base = tube.astype(np.int64) << 32
    return np.searchsorted(keys, base + hi, side="right") - np.searchsorted(keys, base + lo, side="left")


def _extents(tubes: Tubes) -> tuple[np.ndarray, np.ndarray]:
    first = np.full(len(tubes), np.iinfo(np.int64).max)
    last = np.full(len(tubes), -1)
    np.minimum.at(first, tubes.box_tube, tubes.box_second)
    np.maximum.at(last, tubes.box_tube, tubes.box_second)
    return first, last


def detection_order(detections: Tubes) -> np.ndarray:
    """Detections sorted by step class, then decreasing score, ties in file order."""
    return np.lexsort((np.arange(len(detections)), -detections.score, detections.step))


def true_positives(detections: Tubes, n_instances: int, pairs, thresholds: tuple[float, ...],
                   rule: str) -> np.ndarray:
    """``(n_thresholds, n_detections)`` true-positive flags, in :func:`detection_order`.

    A detection is a true positive when its best unmatched instance's IoU passes θ by ``rule``
    (``"greater_equal"``: IoU >= θ).
    """
    det_index, gt_index, iou = pairs
    by_iou = np.lexsort((gt_index, -iou, det_index))
    candidates: dict[int, list[tuple[int, float]]] = {}
    for d, g, v in zip(det_index[by_iou].tolist(), gt_index[by_iou].tolist(), iou[by_iou].tolist()):
        candidates.setdefault(d, []).append((g, v))
    order = detection_order(detections).tolist()
    flags = np.zeros((len(thresholds), len(order)), dtype=bool)
    for k, theta in enumerate(thresholds):
        matched = np.zeros(n_instances, dtype=bool)
        for rank, d in enumerate(order):
            for g, value in candidates.get(d, ()):
                if matched[g]:
                    continue
                if passes(value, theta, rule):
                    matched[g] = True
                    flags[k, rank] = True
                break
    return flags


def _ranked(tp: np.ndarray, class_of: np.ndarray, weights: np.ndarray, n_gt: np.ndarray):
    """Per detection and row of weights: its class's precision so far, the envelope, the recall it adds.

    Arguments as for :func:`weighted_ap` (``tp`` not empty). Returns ``(starts, class_tp, precision, envelope,
    recall_step)``: ``starts`` the first detection of each class; the others ``(R, D)``.
    """
    starts = np.flatnonzero(np.r_[True, class_of[1:] != class_of[:-1]])
    cum_tp = np.cumsum(weights * tp, axis=1)
    cum_all = np.cumsum(weights, axis=1)
    lengths = np.diff(np.r_[starts, len(tp)])
    before_tp = np.repeat(np.where(starts > 0, cum_tp[:, np.maximum(starts - 1, 0)], 0.0), lengths, axis=1)
    before_all = np.repeat(np.where(starts > 0, cum_all[:, np.maximum(starts - 1, 0)], 0.0), lengths, axis=1)
    class_tp = cum_tp - before_tp
    class_all = cum_all - before_all
    precision = np.zeros(class_tp.shape)
    np.divide(class_tp, class_all, out=precision, where=class_all > 0)
    # Precision envelope: suffix maximum within each class (offsets keep classes apart, precision <= 1).
    offset = 2.0 * (class_of.max() - class_of + 1)
    envelope = np.maximum.accumulate((precision + offset)[:, ::-1], axis=1)[:, ::-1] - offset
    gt_of_detection = n_gt[:, class_of]
    recall_step = np.zeros(class_tp.shape)
    np.divide(weights * tp, gt_of_detection, out=recall_step, where=gt_of_detection > 0)
    return starts, class_tp, precision, envelope, recall_step


def _ap_sums(starts: np.ndarray, class_of: np.ndarray, envelope: np.ndarray, recall_step: np.ndarray,
             n_gt: np.ndarray) -> np.ndarray:
    ap = np.zeros(n_gt.shape)
    ap[:, class_of[starts]] = np.add.reduceat(recall_step * envelope, starts, axis=1)
    return np.where(n_gt > 0, ap, np.nan)


def weighted_ap(tp: np.ndarray, class_of: np.ndarray, weights: np.ndarray, n_gt: np.ndarray) -> np.ndarray:
    """All-point interpolated AP per class for each row of weights.

    ``tp`` (D,) flags and ``class_of`` (D,) classes of detections sorted by class
    then rank; ``weights`` (R, D) multiplicity of each detection; ``n_gt`` (R, C)
    weighted GT counts. Returns (R, C), NaN where a class has no GT.
    """
    if len(tp) == 0:
        return np.where(n_gt > 0, 0.0, np.nan)
    starts, _, _, envelope, recall_step = _ranked(tp, class_of, weights, n_gt)
    return _ap_sums(starts, class_of, envelope, recall_step, n_gt)


def _mean_over_classes(ap: np.ndarray, n_gt: np.ndarray) -> np.ndarray:
    """mAP per row: the mean AP over the classes with GT (NaN when there is none)."""
    classes_with_gt = (n_gt > 0).sum(axis=1)
    return np.where(classes_with_gt > 0, np.nansum(ap, axis=1) / np.maximum(classes_with_gt, 1), np.nan)


def _scored_detections(detections: Tubes, instances: Tubes, flags: np.ndarray):
    """Detections in :func:`detection_order` whose class has a GT instance: (class, video, flags)."""
    order = detection_order(detections)
    class_of = detections.step[order]
    det_video = detections.video[order]
    keep = np.isin(class_of, np.unique(instances.step))  # classes without GT instances do not count
    return class_of[keep], det_video[keep], flags[:, keep]


def map_statistic(detections: Tubes, instances: Tubes, flags: np.ndarray, n_videos: int, n_classes: int):
    """Statistic of video weights -> (R, n_thresholds + 1): mAP at each threshold of ``flags``, and their mean."""
    class_of, det_video, flags = _scored_detections(detections, instances, flags)
    gt_per_video_class = np.zeros((n_videos, n_classes))
    np.add.at(gt_per_video_class, (instances.video, instances.step), 1.0)

    def statistic(counts: np.ndarray) -> np.ndarray:
        n_gt = counts @ gt_per_video_class
        weights = counts[:, det_video]
        per_threshold = [_mean_over_classes(weighted_ap(flags[k], class_of, weights, n_gt), n_gt)
                         for k in range(flags.shape[0])]
        values = np.stack(per_threshold, axis=1)
        return np.concatenate([values, values.mean(axis=1, keepdims=True)], axis=1)

    return statistic


@dataclass(frozen=True)
class PrecisionRecall:
    """The ranked detections of every step class at one threshold θ, on the full data (every video once).

    Detections are those :func:`map_statistic` scores (classes with a GT instance), in
    :func:`detection_order`; for detection k of class ``class_of[k]``: ``true_positive[k]``;
    ``recall[k]`` = its class's true positives up to rank k / the class's GT instances;
    ``precision[k]`` = those true positives / the class's detections up to rank k; ``envelope[k]`` = the
    highest precision at rank k or later in its class; ``recall_step[k]`` = the recall it adds (1 / GT
    instances for a true positive, else 0). Per class c (a step index): ``n_gt[c]`` GT instances and
    ``ap[c] = Σ recall_step × envelope`` over its detections (0 without any, NaN without GT);
    ``mean_ap`` = the mean of ``ap`` over classes with GT: video_mAP@θ, computed by the very arithmetic of
    :func:`map_statistic` at unit weights, so the two are equal.
    """

    threshold: float
    class_of: np.ndarray
    true_positive: np.ndarray
    recall: np.ndarray
    precision: np.ndarray
    envelope: np.ndarray
    recall_step: np.ndarray
    n_gt: np.ndarray
    ap: np.ndarray
    mean_ap: float


def precision_recall(detections: Tubes, instances: Tubes, flags: np.ndarray, thresholds: tuple[float, ...],
                     n_videos: int, n_classes: int) -> tuple[PrecisionRecall, ...]:
    """One :class:`PrecisionRecall` per threshold of ``flags`` (from :func:`true_positives`)."""
    class_of, det_video, flags = _scored_detections(detections, instances, flags)
    gt_per_video_class = np.zeros((n_videos, n_classes))
    np.add.at(gt_per_video_class, (instances.video, instances.step), 1.0)
    counts = np.ones((1, n_videos))
    n_gt = counts @ gt_per_video_class
    weights = counts[:, det_video]
    out = []
    for k, theta in enumerate(thresholds):
        tp = flags[k]
        if len(tp):
            starts, class_tp, precision, envelope, recall_step = _ranked(tp, class_of, weights, n_gt)
            ap = _ap_sums(starts, class_of, envelope, recall_step, n_gt)
        else:
            class_tp = precision = envelope = recall_step = np.zeros((1, 0))
            ap = weighted_ap(tp, class_of, weights, n_gt)
        recall = np.zeros(len(tp))
        gt_of_detection = n_gt[0, class_of]
        np.divide(class_tp[0], gt_of_detection, out=recall, where=gt_of_detection > 0)
        out.append(PrecisionRecall(float(theta), class_of, tp, recall, precision[0], envelope[0], recall_step[0],
                                   n_gt[0], ap[0], float(_mean_over_classes(ap, n_gt)[0])))
    return tuple(out)


def class_mean_curve(curve: PrecisionRecall) -> tuple[np.ndarray, np.ndarray]:
    """The interpolated precision averaged over the classes with GT, as a step function of recall.

    Each class's interpolated precision at recall r is the highest precision at any rank whose recall is at
    least r (0 beyond the class's final recall): the precision envelope read at its true positives. Returns
    ``(edges, values)``: ``values[i]`` on the recall interval ``(edges[i], edges[i + 1]]``, ``edges`` from 0
    to 1. The area under it, ``Σ diff(edges) × values``, is ``curve.mean_ap`` (up to rounding): each
    class's area is its AP.
    """
    tp = curve.true_positive
    edges = np.unique(np.r_[0.0, curve.recall[tp], 1.0])
    classes = np.flatnonzero(curve.n_gt > 0)
    total = np.zeros(len(edges) - 1)
    for c in classes.tolist():
        rows = tp & (curve.class_of == c)
        recall, envelope = curve.recall[rows], curve.envelope[rows]
        if not len(recall):
            continue
        first_reaching = np.searchsorted(recall, edges[1:], side="left")
        total += np.where(first_reaching < len(recall), envelope[np.minimum(first_reaching, len(recall) - 1)], 0.0)
    return edges, total / max(len(classes), 1)
