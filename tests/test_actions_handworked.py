"""Hand-worked cases for the GroundingYouTube / YouCook2-Interactions metrics (arithmetic in comments)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stvg_bench.core.errors import OptionError
from stvg_bench.data.actions import Tubes
from stvg_bench.formats import load_predictions
from stvg_bench.metrics import video_map
from stvg_bench.metrics.heatmaps import argmax_point, upsample
from stvg_bench.tasks.base import Evaluator

from .gyt_helpers import load_gyt, write_document, write_gyt

SQUARE = (0, 0, 10, 10)


def score(tmp_path, videos, task, predictions, durations=None, **options):
    directory = write_gyt(tmp_path / "gyt", videos)
    extra = {}
    if durations is not None:
        (tmp_path / "durations.json").write_text(json.dumps(durations))
        extra["durations"] = tmp_path / "durations.json"
    dataset = load_gyt(directory, **extra)
    path = write_document(tmp_path / "p.json", task, predictions)
    return Evaluator(dataset, task=task, **options).score(load_predictions(path, dataset), ci=False)


def test_pointing_bounds_are_inclusive(tmp_path):
    # Box [10, 10, 20, 20] on seconds 0-3. (10, 10) and (20, 20) are on the border: hits.
    # (21, 15) and (15, 9.99) are outside: misses. Accuracy = 2 / 4.
    videos = {"v": {"segments": [("crack eggs", 0, 3)],
                    "boxes": {s: ((10, 10, 20, 20), "crack eggs") for s in range(4)}}}
    points = {"v": {"0": {"point": [10, 10]}, "1": {"point": [20, 20]}, "2": {"point": [21, 15]},
                    "3": {"point": [15, 9.99]}}}
    result = score(tmp_path, videos, "spatial", points)
    assert result.metrics["all"]["pointing_accuracy"] == 0.5


def test_the_spatial_task_without_any_boxed_second_is_refused(tmp_path):
    dataset = load_gyt(write_gyt(tmp_path / "gyt", {"v": {"segments": [("crack eggs", 0, 3)], "boxes": {}}}))
    with pytest.raises(OptionError, match="no boxed second"):
        Evaluator(dataset, task="spatial")


def test_iou_accuracy_pooled_and_class_mean(tmp_path):
    # Step a on seconds 0-1, step b on 2-4, every GT box [0, 0, 10, 10]. Predicted boxes:
    # s0 identical (IoU 1, correct); s1 [5,0,15,10]: 50 / 150 = 1/3 > 0.3 (correct);
    # s2 [0,0,10,3]: 30 / 100 = 0.3, not > 0.3 (wrong); s3 identical (correct); s4 disjoint (wrong).
    # Pooled: 3 / 5. Per class: a 2/2, b 1/3 -> class mean (1 + 1/3) / 2 = 2/3.
    videos = {"v": {"segments": [("a", 0, 1), ("b", 2, 4)],
                    "boxes": {s: (SQUARE, "a" if s < 2 else "b") for s in range(5)}}}
    boxes = {"0": [0, 0, 10, 10], "1": [5, 0, 15, 10], "2": [0, 0, 10, 3], "3": [0, 0, 10, 10],
             "4": [20, 20, 30, 30]}
    result = score(tmp_path, videos, "spatial", {"v": {s: {"box": b} for s, b in boxes.items()}})
    m = result.metrics["all"]
    assert m["iou0.3_accuracy"] == pytest.approx(3 / 5)
    assert m["iou0.3_class_mean_accuracy"] == pytest.approx(2 / 3)
    assert m["pointing_accuracy"] == pytest.approx(4 / 5)  # box centres: (5,5) (10,5) (5,1.5) (5,5) (25,25)


def test_iod_and_jaccard(tmp_path):
    # Video lasts seconds 0-9. G_a = {2,3,4,5}, G_b = {4,5,6,7} (second 4 and 5 in both).
    # Predicted: 2,3,4 -> a; 5,6,7,8 -> b; others background.
    # a: TP 3, FP 0, FN 1 -> IoD 1, Jaccard 3/4.   b: TP 3 (5,6,7), FP 1 (8), FN 1 (4) -> IoD 3/4, Jaccard 3/5.
    # Without background: IoD (1 + 3/4) / 2 = 0.875, Jaccard (3/4 + 3/5) / 2 = 0.675.
    # Background G = {0,1,8,9}, P = {0,1,9}: TP 3, FP 0, FN 1 -> IoD 1, Jaccard 3/4.
    # With background: IoD (1 + 3/4 + 1) / 3, Jaccard (3/4 + 3/5 + 3/4) / 3 = 0.7.
    videos = {"v": {"segments": [("a", 2, 5), ("b", 4, 7)], "boxes": {3: (SQUARE, "a")}}}
    labels = {"v": {"2": "a", "3": "a", "4": "a", "5": "b", "6": "b", "7": "b", "8": "b"}}
    m = score(tmp_path, videos, "temporal", labels, durations={"v": 9}).metrics["all"]
    assert m["IoD_no_bg"] == pytest.approx(0.875)
    assert m["Jaccard_no_bg"] == pytest.approx(0.675)
    assert m["IoD_with_bg"] == pytest.approx((1 + 0.75 + 1) / 3)
    assert m["Jaccard_with_bg"] == pytest.approx(0.7)


def test_iou_pointing(tmp_path):
    # G_a = {2,3,4,5}, G_b = {4,5,6,7}; GT boxes [0,0,10,10] on seconds 2-6, none on 7 (so 7 leaves G_b and P_b).
    # Predicted: 2 a (inside), 3 a (outside), 4 a (inside), 5 b, 6 b, 7 b, 8 b (all inside).
    # a: P = {2,3,4}, G = {2,3,4,5}, correct {2,4} -> 2 / |{2,3,4,5}| = 1/2.
    # b: P = {5,6,8} (7 left out), G = {4,5,6}, correct {5,6} -> 2 / |{4,5,6,8}| = 1/2.
    # Video: (1/2 + 1/2) / 2 = 1/2.
    videos = {"v": {"segments": [("a", 2, 5), ("b", 4, 7)], "boxes": {s: (SQUARE, "a") for s in range(2, 7)}}}
    inside, outside = [5, 5], [50, 50]
    seconds = {"2": ("a", inside), "3": ("a", outside), "4": ("a", inside), "5": ("b", inside),
               "6": ("b", inside), "7": ("b", inside), "8": ("b", inside)}
    predictions = {"v": {"seconds": {s: {"step": step, "point": p} for s, (step, p) in seconds.items()}}}
    result = score(tmp_path, videos, "spatio-temporal", predictions, durations={"v": 9})
    assert result.metrics["all"]["IoU+Pointing"] == pytest.approx(0.5)
    assert "video_mAP" not in result.metrics["all"] and result.warnings["no_tubes_no_video_map"] == 1


def tubes(*specs):
    """``(video, step, score, {second: box})`` -> Tubes."""
    rows = [(k, s, b) for k, (_, _, _, boxes) in enumerate(specs) for s, b in boxes.items()]
    return Tubes(
        video=np.array([s[0] for s in specs], dtype=np.int64), step=np.array([s[1] for s in specs], dtype=np.int64),
        score=np.array([s[2] for s in specs], dtype=float), box_tube=np.array([r[0] for r in rows], dtype=np.int64),
        box_second=np.array([r[1] for r in rows], dtype=np.int64), box_xyxy=np.array([r[2] for r in rows], dtype=float).reshape(-1, 4),
    )


def average_precision(detections, instances, threshold=0.5, kind="voxel"):
    pairs = video_map.pair_ious(detections, instances, kind)
    flags = video_map.true_positives(detections, len(instances), pairs, (threshold,), "greater_equal")
    statistic = video_map.map_statistic(detections, instances, flags, n_videos=3, n_classes=4)
    return float(statistic(np.ones((1, 3)))[0, 0])


def test_voxel_and_act_tube_iou():
    # a = {0: S, 1: S}, b = {1: S shifted by 5, 2: S}. t0: union 100; t1: inter 50, union 150; t2: union 100.
    # voxel = 50 / 350 = 1/7. ACT: extents [0,1] and [1,2] overlap 1 of 3 seconds -> tIoU 1/3; IoU at t1 = 1/3.
    # With a gap: c = {0: S, 3: S} vs d = {0: S, 1: S, 2: S, 3: S}: tIoU 1; seconds 0-3 all annotated by d,
    # IoU 1, 0, 0, 1 -> 1/2. A second neither annotates does not count: e = {0: S, 3: S} vs c -> 1.
    a = tubes((0, 1, 1.0, {0: SQUARE, 1: SQUARE}))
    b = tubes((0, 1, 1.0, {1: (5, 0, 15, 10), 2: SQUARE}))
    assert video_map.pair_ious(a, b, "voxel")[2].tolist() == pytest.approx([1 / 7])
    assert video_map.pair_ious(a, b, "act")[2].tolist() == pytest.approx([1 / 9])
    c = tubes((0, 1, 1.0, {0: SQUARE, 3: SQUARE}))
    d = tubes((0, 1, 1.0, {s: SQUARE for s in range(4)}))
    assert video_map.pair_ious(c, d, "act")[2].tolist() == pytest.approx([1 / 2])
    assert video_map.pair_ious(c, c, "act")[2].tolist() == pytest.approx([1.0])


def test_ap_with_tied_scores_follows_file_order():
    # Instances of class 1: I1 in video 0 on seconds 0-1, I2 in video 0 on second 5.
    # File order: A (0.9, nowhere near a GT: FP), B (0.9, = I1: TP), C (0.5, = I2: TP) -> flags F, T, T.
    # precision 0, 1/2, 2/3; recall 0, 1/2, 1; envelope 2/3 everywhere -> AP = 1/2 * 2/3 + 1/2 * 2/3 = 2/3.
    # (Had B come first: T, F, T -> 1/2 * 1 + 1/2 * 2/3 = 5/6.)
    instances = tubes((0, 1, 1.0, {0: SQUARE, 1: SQUARE}), (0, 1, 1.0, {5: SQUARE}))
    detections = tubes((0, 1, 0.9, {20: SQUARE}), (0, 1, 0.9, {0: SQUARE, 1: SQUARE}), (0, 1, 0.5, {5: SQUARE}))
    assert average_precision(detections, instances) == pytest.approx(2 / 3)
    reordered = tubes((0, 1, 0.9, {0: SQUARE, 1: SQUARE}), (0, 1, 0.9, {20: SQUARE}), (0, 1, 0.5, {5: SQUARE}))
    assert average_precision(reordered, instances) == pytest.approx(5 / 6)


def test_a_gt_instance_matched_twice_is_one_tp_and_one_fp():
    # One instance; two detections overlap it (IoU 1 and 0.5): the second is a false positive.
    # Flags T, F: precision 1, 1/2; recall 1, 1 -> AP = 1 * 1 = 1; with θ above 0.5 nothing changes,
    # and a second instance elsewhere left unmatched halves recall: AP = 1/2.
    instances = tubes((0, 1, 1.0, {0: SQUARE, 1: SQUARE}))
    detections = tubes((0, 1, 0.9, {0: SQUARE, 1: SQUARE}), (0, 1, 0.8, {0: SQUARE}))
    pairs = video_map.pair_ious(detections, instances, "voxel")
    flags = video_map.true_positives(detections, len(instances), pairs, (0.5,), "greater_equal")
    assert flags.tolist() == [[True, False]]
    assert average_precision(detections, instances) == 1.0
    two = tubes((0, 1, 1.0, {0: SQUARE, 1: SQUARE}), (1, 1, 1.0, {0: SQUARE}))
    assert average_precision(detections, two) == pytest.approx(0.5)


def test_classes_without_gt_do_not_count_and_empty_predictions_score_zero():
    # Class 1 has one instance, detected perfectly; class 2 has detections but no GT: mAP = AP(class 1) = 1.
    instances = tubes((0, 1, 1.0, {0: SQUARE}))
    detections = tubes((0, 1, 0.9, {0: SQUARE}), (0, 2, 0.99, {0: SQUARE}), (1, 2, 0.5, {3: SQUARE}))
    assert average_precision(detections, instances) == 1.0
    empty = tubes()
    assert average_precision(empty, instances) == 0.0


def test_heatmap_argmax_and_upsampling():
    # Grid [[0, 1], [0, 0]] to 4 x 4: along each axis src = (i + 0.5) / 2 - 0.5 clamped -> 0, 0.25, 0.75, 1.
    # Row 0 is the first grid row: values 0, 0.25, 0.75, 1 -> the maximum 1 is at column 3, row 0.
    grid = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert upsample(grid, 4, 4)[0].tolist() == [0.0, 0.25, 0.75, 1.0]
    assert upsample(grid, 4, 4)[1].tolist() == [0.0, 0.1875, 0.5625, 0.75]
    assert argmax_point(grid, 4, 4) == (3, 0)
    assert argmax_point(np.full((7, 7), 0.3), 480, 640) == (0, 0)  # ties: first pixel in row-major order
