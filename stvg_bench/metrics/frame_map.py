"""COCO-style frame mAP (optional): per-second detections from tubes, scored by pycocotools.

Images are the annotated seconds (a usable GT box); each GT box has the class
of its step; every tube box on an annotated second is a detection of the
tube's step with the tube's score. ``COCOeval`` (bbox, all areas, 100
detections per image) gives the precision of each class over the images
holding that class's boxes or detections (COCO evaluates each (image, class)
pair on its own, so this is its result without visiting 17,000 x 680 empty
pairs); AP@[.5:.95] and AP@.5 average that precision as COCO's summary does,
and the frame mAP is their mean over classes with a GT box. It is computed
once, without a confidence interval.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from ..core.arrays import lookup_sorted
from ..data.actions import ActionGroundTruth, Tubes, seconds_key


def frame_map(gt: ActionGroundTruth, detections: Tubes) -> dict[str, float]:
    """``{"frame_mAP@[.5:.95]": ..., "frame_mAP@0.5": ...}`` of the tube boxes on annotated seconds."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    valid = gt.box_valid
    image_keys = seconds_key(gt.box_video[valid], gt.box_second[valid])
    boxes = gt.box_xyxy[valid]
    annotations = [
        {"id": int(i) + 1, "image_id": int(i), "category_id": int(c), "bbox": _xywh(b), "area": float(_area(b)),
         "iscrowd": 0}
        for i, (b, c) in enumerate(zip(boxes, gt.box_step[valid]))
    ]
    order = np.argsort(image_keys)
    det_keys = seconds_key(detections.video[detections.box_tube], detections.box_second)
    at_clipped, on_image = lookup_sorted(image_keys[order], det_keys)
    results = [
        {"image_id": int(order[a]), "category_id": int(detections.step[t]), "bbox": _xywh(b),
         "score": float(detections.score[t])}
        for a, t, b in zip(at_clipped[on_image], detections.box_tube[on_image], detections.box_xyxy[on_image])
    ]
    if not results:
        return {"frame_mAP@[.5:.95]": 0.0, "frame_mAP@0.5": 0.0}
    truth_by_class: dict[int, list[dict]] = {}
    for annotation in annotations:
        truth_by_class.setdefault(annotation["category_id"], []).append(annotation)
    found_by_class: dict[int, list[dict]] = {}
    for result in results:
        found_by_class.setdefault(result["category_id"], []).append(result)
    strict, loose = [], []
    for category, truth_boxes in sorted(truth_by_class.items()):
        mine = found_by_class.get(category, [])
        if not mine:
            strict.append(0.0)
            loose.append(0.0)
            continue
        image_ids = sorted({a["image_id"] for a in truth_boxes} | {r["image_id"] for r in mine})
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
            truth = COCO()
            truth.dataset = {"images": [{"id": i} for i in image_ids], "annotations": truth_boxes,
                             "categories": [{"id": category}]}
            truth.createIndex()
            evaluation = COCOeval(truth, truth.loadRes(mine), "bbox")
            evaluation.params.areaRng, evaluation.params.areaRngLbl = [[0, 1e10]], ["all"]
            evaluation.params.maxDets = [100]
            evaluation.evaluate()
            evaluation.accumulate()
        precision = evaluation.eval["precision"][:, :, 0, 0, -1]  # IoU thresholds x recall points
        strict.append(float(np.mean(np.maximum(precision, 0))))
        loose.append(float(np.mean(np.maximum(precision[0], 0))))
    return {"frame_mAP@[.5:.95]": float(np.mean(strict)), "frame_mAP@0.5": float(np.mean(loose))}


def _xywh(box) -> list[float]:
    return [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]


def _area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])
