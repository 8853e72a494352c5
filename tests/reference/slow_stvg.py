"""Slow reference implementation of docs/METRICS.md §1-2, written from the text alone.

Independent of the ``stvg_bench`` package on purpose: plain Python, one
sample and one frame at a time, reading the raw annotation structures
(VidSTG official entries + VidOR per-frame lists, TubeDETR's layout, HC-STVG
official dicts) and predictions given as
``{sample_id: {"segment": [s, e], "boxes": {frame: [x1, y1, x2, y2]}}}``.
Used by the tests (agreement on random and real data) and the benchmarks.
"""

from __future__ import annotations

import bisect
import math

# ---------------------------------------------------------------- primitives (§1)


def area(box):
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def inverted(box):
    return box[2] < box[0] or box[3] < box[1]


def iou(a, b):
    if inverted(a) or inverted(b):
        return 0.0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def temporal_iou(a, b):
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(0, a[1] - a[0]) + max(0, b[1] - b[0]) - inter
    if inter <= 0:
        return 0.0
    return inter / union


# ---------------------------------------------------------------- samples


def vidstg_samples_official(entries, vidor_videos):
    """Samples in TubeDETR order from official entries and VidOR dicts ``{vid: json}``."""
    samples = []
    item = 0
    for entry in entries:
        traj = vidor_videos[entry["vid"]]["trajectories"]
        ordered = [("interrogative", q, len(entry["captions"]) + k) for k, q in enumerate(entry["questions"])]
        ordered += [("declarative", c, k) for k, c in enumerate(entry["captions"])]
        for qtype, sentence, rank in ordered:
            tid = sentence["target_id"]

            def box_at(frame, traj=traj, tid=tid):
                if frame < 0 or frame >= len(traj):
                    return None
                for obj in traj[frame]:
                    if obj["tid"] == tid:
                        b = obj["bbox"]
                        return [b["xmin"], b["ymin"], b["xmax"], b["ymax"]]
                return None

            samples.append(
                {
                    "qtype": qtype,
                    "frame_count": entry["frame_count"],
                    "fps": entry["fps"],
                    "gt": (entry["temporal_gt"]["begin_fid"], entry["temporal_gt"]["end_fid"]),
                    "used": (entry["used_segment"]["begin_fid"], entry["used_segment"]["end_fid"]),
                    "box_at": box_at,
                    "family": "vidstg",
                    "stcat_item": item + rank,
                }
            )
        item += len(ordered)
    return samples


def vidstg_samples_tubedetr(layout):
    """Samples from TubeDETR's preprocessed layout (boxes xywh)."""
    samples = []
    for video in layout["videos"]:
        traj = layout["trajectories"][video["original_video_id"]][str(video["target_id"])]

        def box_at(frame, traj=traj):
            entry = traj.get(str(frame))
            if entry is None:
                return None
            x, y, w, h = entry["bbox"]
            return [x, y, x + w, y + h]

        samples.append(
            {
                "qtype": video["qtype"],
                "frame_count": video["frame_count"],
                "fps": video["fps"],
                "gt": (video["tube_start_frame"], video["tube_end_frame"]),
                "used": (video["start_frame"], video["end_frame"]),
                "box_at": box_at,
                "family": "vidstg",
            }
        )
    return samples


def hcstvg_samples_official(annotations, v2=False):
    """HC-STVG samples in file order; ``bbox[k]`` is xywh of 0-based frame ``st_frame - 1 + k``."""
    samples = []
    for a in annotations.values():
        boxes = [[x, y, x + w, y + h] for x, y, w, h in a["bbox"]]
        first = a["st_frame"] - 1

        def box_at(frame, boxes=boxes, first=first):
            k = frame - first
            return boxes[k] if 0 <= k < len(boxes) else None

        samples.append(
            {
                "qtype": "all",
                "frame_count": a["img_num"],
                "first": first,
                "n_boxes": len(boxes),
                "box_at": box_at,
                "family": "hcstvg",
            }
        )
    return samples


# ---------------------------------------------------------------- protocol frame sets (§2)


def tubedetr_frames(start, end, fps):
    """TubeDETR's loop, literally."""
    rate = 5 / fps
    frames = [start]
    for f in range(start, end):
        if int(frames[-1] * rate) < int(f * rate):
            frames.append(f)
    if len(frames) > 200:
        frames = [frames[(j * len(frames)) // 200] for j in range(200)]
    return frames


def resolve(sample, protocol):
    """(scored?, G as (start, end) plugged into tIoU, F predicate, gt box function, clip range)."""
    fc = sample["frame_count"]
    if sample["family"] == "vidstg":
        gb, ge = sample["gt"]
        ub, ue = sample["used"]
        if protocol == "dense":
            g = (max(0, gb), min(ge, fc))
            return True, g, None, sample["box_at"], (0, fc)
        if protocol == "tubedetr":
            return True, (gb, ge), set(tubedetr_frames(ub, ue, sample["fps"])), sample["box_at"], None
        # stcat
        if ge < ub or gb > ue:
            return False, None, None, None, None
        closed_end = min(ge, ue)
        boxes = {}
        for f in range(gb, min(ge + 1, fc)):
            boxes[f] = sample["box_at"](f)
        if len(boxes) != closed_end - gb + 1:
            return False, None, None, None, None
        if boxes.get(closed_end) is None and closed_end - 1 in boxes and boxes[closed_end - 1] is not None:
            boxes[closed_end] = boxes[closed_end - 1]
        if any(b is None for b in boxes.values()):
            return False, None, None, None, None
        return True, (gb, closed_end), None, boxes.get, None
    # hcstvg
    first, n = sample["first"], sample["n_boxes"]
    if protocol == "dense":
        return True, (max(0, first), min(first + n, fc)), None, sample["box_at"], (0, fc)
    if protocol == "tubedetr":
        shifted = lambda f, box_at=sample["box_at"]: box_at(f - 1)
        return True, (first + 1, first + 1 + n), set(tubedetr_frames(0, fc - 1, fc / 20)), shifted, None
    begin, closed_end = max(0, first), min(first + n - 1, fc - 1)
    if closed_end - begin + 1 != n:
        return False, None, None, None, None
    return True, (begin, closed_end), None, sample["box_at"], None


# ---------------------------------------------------------------- predicted boxes


def predicted_box(boxes, frames, frame, interpolate):
    """The predicted box of a frame; dense interpolates linearly and holds beyond the ends.

    ``frames`` is ``sorted(boxes)``.
    """
    if frame in boxes:
        return boxes[frame]
    if not interpolate or not boxes:
        return None
    k = bisect.bisect_left(frames, frame)
    if k == 0:
        return boxes[frames[0]]
    if k == len(frames):
        return boxes[frames[-1]]
    f0, f1 = frames[k - 1], frames[k]
    t = (frame - f0) / (f1 - f0)
    return [a + (b - a) * t for a, b in zip(boxes[f0], boxes[f1])]


# ---------------------------------------------------------------- one sample


def score_sample(sample, prediction, protocol, interpolate=None):
    """{'tiou', 'viou', 'gt_viou'} of one sample, or None if the protocol drops it."""
    if interpolate is None:
        interpolate = protocol == "dense"
    scored, g, listed, gt_box, clip = resolve(sample, protocol)
    if not scored:
        return None
    if prediction is None:
        return {"tiou": 0.0, "viou": 0.0, "gt_viou": 0.0, "missing": True}
    ps, pe = prediction["segment"]
    if clip is not None:
        ps, pe = min(max(ps, clip[0]), clip[1]), min(max(pe, clip[0]), clip[1])
    boxes = {int(f): b for f, b in prediction["boxes"].items()}
    frames = sorted(boxes)
    if pe > ps and not boxes:
        raise ValueError("non-empty segment without boxes")

    def in_f(frame):
        return frame in listed if listed is not None else True

    gt_frames = [f for f in range(g[0], g[1] + (1 if protocol == "stcat" else 0)) if in_f(f)]
    excluded = set()
    ious = {}
    for f in gt_frames:
        box = gt_box(f)
        if box is None or inverted(box):
            excluded.add(f)
            continue
        pred = predicted_box(boxes, frames, f, interpolate)
        if pred is None:
            if boxes:
                raise KeyError(f"no box for frame {f}")
            pred = [0.0, 0.0, 0.0, 0.0]
        ious[f] = iou(pred, box)
    tiou = temporal_iou((ps, pe), g)
    lo, hi = max(ps, g[0]), min(pe, g[1])
    numerator = sum(v for f, v in ious.items() if lo <= f < hi)
    hull = range(min(ps, g[0]), max(pe, g[1]))
    if listed is not None:
        denominator = sum(1 for f in listed if hull.start <= f < hull.stop and f not in excluded)
    else:
        denominator = len(hull) - sum(1 for f in excluded if hull.start <= f < hull.stop)
    viou = numerator / denominator if denominator > 0 else 0.0
    gt_viou = sum(ious.values()) / max(len(ious), 1)
    return {"tiou": tiou, "viou": viou, "gt_viou": gt_viou, "missing": False}


def evaluate(samples, predictions, protocol, thresholds=(0.3, 0.5), interpolate=None):
    """Per-sample scores and means per query type and overall."""
    per_sample = {}
    for sid, sample in enumerate(samples):
        result = score_sample(sample, predictions.get(sid), protocol, interpolate)
        if result is not None:
            per_sample[sid] = result
    if not per_sample:
        raise LookupError("the protocol scores no sample")
    groups = {"all": list(per_sample)}
    qtypes = sorted({samples[s]["qtype"] for s in per_sample})
    if len(qtypes) > 1:
        for q in qtypes:
            groups[q] = [s for s in per_sample if samples[s]["qtype"] == q]
    metrics = {}
    for group, ids in groups.items():
        n = len(ids)
        row = {
            "m_tIoU": math.fsum(per_sample[s]["tiou"] for s in ids) / n,
            "m_vIoU": math.fsum(per_sample[s]["viou"] for s in ids) / n,
        }
        for r in thresholds:
            row[f"vIoU@{r:g}"] = sum(1 for s in ids if per_sample[s]["viou"] > r) / n
        row["m_gt_vIoU"] = math.fsum(per_sample[s]["gt_viou"] for s in ids) / n
        metrics[group] = row
    return per_sample, metrics
