"""Slow reference implementation of docs/METRICS.md §3-4, written from the text alone.

Plain Python over dicts and sets, independent of ``stvg_bench``. Inputs are
built from the raw release structures by the tests:

* ``boxes``: ``{(video, second): (box, step)}`` (usable boxes only);
* ``segments``: list of ``(video, step, start, end)`` (inclusive seconds);
* ``durations``: ``{video: last second}``;
* predictions as dicts (see each function).
"""

from __future__ import annotations

import math


def normalise(step: str) -> str:
    return " ".join(step.lower().replace("_", " ").split())


def inside(point, box) -> bool:
    x, y = point
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_iou(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


# ------------------------------------------------------------------ heatmaps


def upsample_pixel(grid, height, width, row, col):
    """Bilinear value at output pixel (row, col), align_corners = false, with clamping."""

    def axis(i, n_cells, n_pixels):
        src = (i + 0.5) * (n_cells / n_pixels) - 0.5
        src = min(max(src, 0.0), n_cells - 1)
        a = math.floor(src)
        return a, min(a + 1, n_cells - 1), src - a

    ya, yb, ty = axis(row, len(grid), height)
    xa, xb, tx = axis(col, len(grid[0]), width)

    def lerp(u, v, t):
        return u + t * (v - u)

    return lerp(lerp(grid[ya][xa], grid[yb][xa], ty), lerp(grid[ya][xb], grid[yb][xb], ty), tx)


def heatmap_point(grid, width, height):
    """(x, y) = (column, row) of the first maximal pixel in row-major order."""
    best, where = None, None
    for row in range(height):
        for col in range(width):
            value = upsample_pixel(grid, height, width, row, col)
            if best is None or value > best:
                best, where = value, (col, row)
    return where


# ------------------------------------------------------------------ spatial


def pointing(queries, points, missing="error"):
    """``queries``: list of (group, second, box); ``points``: {(group, second): (x, y)}."""
    hits = scored = 0
    for group, second, box in queries:
        point = points.get((group, second))
        if point is None:
            if missing == "skip":
                continue
            if missing == "error":
                raise KeyError((group, second))
        scored += 1
        hits += point is not None and inside(point, box)
    return hits / scored


# ------------------------------------------------------------------ temporal


def gt_sets(segments):
    """{(video, step): set of seconds}."""
    out = {}
    for video, step, start, end in segments:
        out.setdefault((video, step), set()).update(range(start, end + 1))
    return out


def iod_jaccard(segments, durations, labels, background=False):
    """``labels``: {video: {second: step}} (absent seconds are background). Returns (IoD, Jaccard)."""
    sets = gt_sets(segments)
    iods, jaccards = [], []
    for video, duration in durations.items():
        seconds = set(range(duration + 1))
        covered = set().union(*[s for (v, _), s in sets.items() if v == video]) if sets else set()
        predicted = {t: labels.get(video, {}).get(t, "background") for t in seconds}
        classes = {c: s for (v, c), s in sets.items() if v == video}
        if background and seconds - covered:
            classes["background"] = seconds - covered
        if not classes:
            continue
        video_iod, video_jaccard = [], []
        for step, truth in classes.items():
            guess = {t for t in seconds if predicted[t] == step}
            tp, fp, fn = len(guess & truth), len(guess - truth), len(truth - guess)
            if tp + fp:
                video_iod.append(tp / (tp + fp))
            video_jaccard.append(tp / (tp + fp + fn))
        if video_iod:
            iods.append(sum(video_iod) / len(video_iod))
        jaccards.append(sum(video_jaccard) / len(video_jaccard))
    return sum(iods) / len(iods), sum(jaccards) / len(jaccards)


def iou_pointing(segments, durations, boxes, predictions):
    """``predictions``: {video: {second: (step, point)}}; seconds of G_c without a box are left out."""
    sets = gt_sets(segments)
    per_video = []
    for video in durations:
        predicted = predictions.get(video, {})
        steps = {c for (v, c) in sets if v == video} | {s for s, _ in predicted.values() if s != "background"}
        values = []
        for step in steps:
            truth = sets.get((video, step), set())
            unjudged = {t for t in truth if (video, t) not in boxes}
            truth = truth - unjudged
            guess = {t for t, (s, _) in predicted.items() if s == step} - unjudged
            union = truth | guess
            if not union:
                continue
            correct = [t for t in truth & guess if inside(predicted[t][1], boxes[(video, t)][0])]
            values.append(len(correct) / len(union))
        if values:
            per_video.append(sum(values) / len(values))
    return sum(per_video) / len(per_video)


# ------------------------------------------------------------------ video mAP


def voxel_iou(a, b):
    """Tubes as {second: box}."""
    inter = union = 0.0
    for t in set(a) | set(b):
        if t in a and t in b:
            i = max(0.0, min(a[t][2], b[t][2]) - max(a[t][0], b[t][0])) * max(
                0.0, min(a[t][3], b[t][3]) - max(a[t][1], b[t][1]))
            inter += i
            union += area(a[t]) + area(b[t]) - i
        else:
            union += area(a[t] if t in a else b[t])
    return inter / union if union > 0 else 0.0


def act_iou(a, b):
    a0, a1, b0, b1 = min(a), max(a), min(b), max(b)
    overlap = max(0, min(a1, b1) - max(a0, b0) + 1)
    if overlap == 0:
        return 0.0
    t_iou = overlap / ((a1 - a0 + 1) + (b1 - b0 + 1) - overlap)
    frames = [t for t in range(max(a0, b0), min(a1, b1) + 1) if t in a or t in b]
    mean = sum(box_iou(a[t], b[t]) if t in a and t in b else 0.0 for t in frames) / len(frames)
    return t_iou * mean


def voc_ap(tp, n_gt):
    """All-point interpolated AP of flags in rank order (VOC 2010+), textbook form."""
    recall, precision = [], []
    hits = 0
    for k, flag in enumerate(tp, 1):
        hits += flag
        recall.append(hits / n_gt)
        precision.append(hits / k)
    mrec = [0.0] + recall + [1.0]
    mpre = [0.0] + precision + [0.0]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    return sum((mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1))


def video_map(instances, detections, threshold, overlap=voxel_iou):
    """``instances``: list of (video, step, {second: box}); ``detections``: list of
    (video, step, score, {second: box}) in file order. mAP over classes with GT."""
    classes = {step for _, step, _ in instances}
    aps = []
    for step in sorted(classes):
        gts = [(i, video, tube) for i, (video, s, tube) in enumerate(instances) if s == step]
        dets = sorted(
            [(k, d) for k, d in enumerate(detections) if d[1] == step], key=lambda kd: (-kd[1][2], kd[0])
        )
        matched = set()
        flags = []
        for _, (video, _, _, tube) in dets:
            best, best_iou = None, -1.0
            for i, gt_video, gt_tube in gts:
                if gt_video != video or i in matched:
                    continue
                value = overlap(tube, gt_tube)
                if value > best_iou:
                    best, best_iou = i, value
            if best is not None and best_iou >= threshold and best_iou > 0:
                matched.add(best)
                flags.append(True)
            else:
                flags.append(False)
        aps.append(voc_ap(flags, len(gts)))
    return sum(aps) / len(aps)
