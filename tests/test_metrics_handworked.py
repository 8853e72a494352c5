"""Hand-worked cases for every metric and every protocol difference (arithmetic in comments)."""

from __future__ import annotations

import numpy as np
import pytest

from stvg_bench.core.errors import SampleIdError
from stvg_bench.data.tube_table import tubedetr_sampled_frames
from stvg_bench.protocols.tubes import DENSE, STCAT, TUBEDETR
from stvg_bench.tasks.base import Evaluator

from .helpers import preds, tiny_vidstg

SQUARE = [0.0, 0.0, 10.0, 10.0]


def one_sample(gt=(10, 20), used=(0, 50), frame_count=100, fps=30.0, box_frames=None, box=SQUARE):
    frames = range(gt[0], gt[1] + 1) if box_frames is None else box_frames
    return tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": frame_count, "fps": fps, "gt": gt, "used": used}],
        {("v", 0): {f: box for f in frames}},
    )


def metrics(dataset, predictions, protocol=DENSE, **options):
    return Evaluator(dataset, protocol, **options).score(predictions, ci=False)


def test_dense_tiou_viou_gt_viou():
    # G = [10, 20); P = [15, 25); boxes given on frames 15 and 24, both equal to the GT square.
    # Interpolation fills 16..23 with the same square; frames 10..14 hold the first box.
    # tIoU = |[15, 20)| / |[10, 25)| = 5 / 15; vIoU = (5 frames x IoU 1) / 15; gt_vIoU = 10 x 1 / 10.
    dataset = one_sample()
    result = metrics(dataset, preds({0: (15, 25)}, {0: {15: SQUARE, 24: SQUARE}}))
    m = result.metrics["all"]
    assert m["m_tIoU"] == pytest.approx(1 / 3)
    assert m["m_vIoU"] == pytest.approx(1 / 3)
    assert m["m_gt_vIoU"] == pytest.approx(1.0)
    assert m["vIoU@0.3"] == 1.0 and m["vIoU@0.5"] == 0.0


def test_box_iou_half_overlap():
    # GT [0,0,10,10] vs predicted [5,0,15,10]: inter 5*10 = 50, union 100 + 100 - 50 = 150 -> 1/3 on every frame.
    dataset = one_sample()
    result = metrics(dataset, preds({0: (10, 20)}, {0: {f: [5, 0, 15, 10] for f in range(10, 20)}}))
    assert result.metrics["all"]["m_vIoU"] == pytest.approx(1 / 3)
    assert result.metrics["all"]["m_tIoU"] == 1.0


def test_dense_interpolation_is_linear():
    # GT moves 1 px per frame: [f, 0, f + 10, 10]. Boxes given only at 0 and 10: the box at 5 is
    # [0,0,10,10] + 5/10 * ([10,0,20,10] - [0,0,10,10]) = [5, 0, 15, 10] = GT -> every IoU is 1.
    moving = {f: [float(f), 0.0, f + 10.0, 10.0] for f in range(11)}
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": 50, "gt": (0, 10), "used": (0, 40)}], {("v", 0): moving}
    )
    result = metrics(dataset, preds({0: (0, 10)}, {0: {0: moving[0], 10: moving[10]}}))
    assert result.metrics["all"]["m_vIoU"] == pytest.approx(1.0)


def test_threshold_is_strict():
    # Predicted [0,0,10,5] vs GT [0,0,10,10]: inter 50, union 100 + 50 - 50 = 100 -> IoU 0.5 exactly,
    # so vIoU = 0.5 and vIoU@0.5 counts it as a miss (vIoU must be > R).
    dataset = one_sample(gt=(0, 10))
    result = metrics(dataset, preds({0: (0, 10)}, {0: {f: [0, 0, 10, 5] for f in range(10)}}))
    m = result.metrics["all"]
    assert m["m_vIoU"] == 0.5
    assert m["vIoU@0.5"] == 0.0 and m["vIoU@0.3"] == 1.0


def test_inverted_predicted_box_scores_zero_and_is_counted():
    # 10 GT frames, one predicted box inverted (x2 < x1): 9 x 1 + 1 x 0 over 10 -> 0.9.
    dataset = one_sample(gt=(0, 10))
    boxes = {f: SQUARE for f in range(10)}
    boxes[4] = [10, 0, 0, 10]
    result = metrics(dataset, preds({0: (0, 10)}, {0: boxes}))
    assert result.metrics["all"]["m_vIoU"] == pytest.approx(0.9)
    assert result.warnings["inverted_pred_boxes"] == 1


def test_inverted_and_empty_segments_score_zero():
    # P = [30, 20) is inverted and P = [20, 20) empty: tIoU 0 and vIoU 0, counted; gt_vIoU still uses G.
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50)}] * 2,
        {("v", 0): {f: SQUARE for f in range(10, 21)}},
    )
    result = metrics(dataset, preds({0: (30, 20), 1: (20, 20)}, {0: {15: SQUARE}, 1: {15: SQUARE}}))
    m = result.metrics["all"]
    assert m["m_tIoU"] == 0.0 and m["m_vIoU"] == 0.0 and m["m_gt_vIoU"] == 1.0
    assert result.warnings["empty_or_inverted_pred_segments"] == 2


def test_dense_clips_segments_to_the_video():
    # fc = 100, P = [-5, 200) is clipped to [0, 100): tIoU = |G| / 100 = 10 / 100.
    dataset = one_sample()
    result = metrics(dataset, preds({0: (-5, 200)}, {0: {f: SQUARE for f in range(100)}}))
    assert result.metrics["all"]["m_tIoU"] == pytest.approx(0.1)
    assert result.warnings["clipped_segments"] == 1


def test_inverted_ground_truth_box_leaves_the_frame_set():
    # G = [0, 10) with the GT box of frame 3 inverted: F loses frame 3, so the numerator is 9 x 1 and
    # the denominator |[0, 10)| - 1 = 9 -> vIoU 1; gt_vIoU averages the 9 valid frames -> 1.
    gt_boxes = {f: SQUARE for f in range(11)}
    gt_boxes[3] = [10.0, 0.0, 0.0, 10.0]
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": 100, "gt": (0, 10), "used": (0, 50)}],
        {("v", 0): gt_boxes},
    )
    result = metrics(dataset, preds({0: (0, 10)}, {0: {f: SQUARE for f in range(10)}}))
    assert result.metrics["all"]["m_vIoU"] == 1.0
    assert result.warnings["gt_inverted_boxes_excluded"] == 1


def test_tubedetr_sampling_at_29_97_fps():
    # r = 5 / 29.97002997 = 5005 / 30000 = 0.1668333...; frame f is kept when int(f r) steps up:
    # 6 r = 1.001 (kept), 5 r = 0.834 (not); so 0, 6, 12, 18, 24 over [0, 30).
    owner, frames = tubedetr_sampled_frames(np.array([0]), np.array([30]), np.array([30000 / 1001]), 5.0, 200)
    assert frames.tolist() == [0, 6, 12, 18, 24]
    # The 29.97 drift: the 167th kept frame after 0 is ceil(167 * 5.994006) = 1001, at 30 fps it is 1002.
    _, at_2997 = tubedetr_sampled_frames(np.array([0]), np.array([1100]), np.array([30000 / 1001]), 5.0, 1000)
    _, at_30 = tubedetr_sampled_frames(np.array([0]), np.array([1100]), np.array([30.0]), 5.0, 1000)
    assert at_2997[167] == 1001 and at_30[167] == 1002


def test_tubedetr_keeps_the_start_frame_of_an_empty_range():
    # TubeDETR starts its list with the start frame before looping over range(start, end).
    _, frames = tubedetr_sampled_frames(np.array([7]), np.array([7]), np.array([30.0]), 5.0, 200)
    assert frames.tolist() == [7]


def test_tubedetr_200_frame_cap():
    # [0, 1500) at 30 fps keeps every 6th frame: n = 250 > 200, so ids[(j * 250) // 200] are kept:
    # j = 3 -> index 3 (frame 18), j = 4 -> index 5 (frame 30): frame 24 (index 4) is dropped.
    _, frames = tubedetr_sampled_frames(np.array([0]), np.array([1500]), np.array([30.0]), 5.0, 200)
    assert len(frames) == 200
    assert frames[:5].tolist() == [0, 6, 12, 18, 30]
    assert 24 not in frames


def test_tubedetr_protocol_scores_only_sampled_frames():
    # used [0, 30) at 30 fps -> F = {0, 6, 12, 18, 24}; G = [10, 20) -> F ∩ G = {12, 18}.
    # Predicted boxes only on 12 and 18 (IoU 1 and 1/3); P = [10, 30):
    # tIoU = 10 / 20; vIoU = (1 + 1/3) / |F ∩ [10, 30)| = (4/3) / 3 = 4/9; gt_vIoU = (1 + 1/3) / 2 = 2/3.
    dataset = one_sample(gt=(10, 20), used=(0, 30))
    predictions = preds({0: (10, 30)}, {0: {12: SQUARE, 18: [5, 0, 15, 10]}})
    m = metrics(dataset, predictions, TUBEDETR).metrics["all"]
    assert m["m_tIoU"] == pytest.approx(0.5)
    assert m["m_vIoU"] == pytest.approx(4 / 9)
    assert m["m_gt_vIoU"] == pytest.approx(2 / 3)


def test_compat_protocols_refuse_missing_boxes_unless_interpolating():
    dataset = one_sample(gt=(10, 20), used=(0, 30))
    predictions = preds({0: (10, 30)}, {0: {12: SQUARE}})  # no box on frame 18, which tubedetr scores
    with pytest.raises(SampleIdError, match="no box for frame 18"):
        metrics(dataset, predictions, TUBEDETR)
    result = metrics(dataset, predictions, TUBEDETR, interpolate=True)
    assert result.protocol.name == "tubedetr+interpolate"
    assert result.metrics["all"]["m_gt_vIoU"] == 1.0


def test_stcat_closed_interval_against_dense():
    # temporal_gt [10, 20) half-open; STCAT closes it as [10, min(20, used end 50)] = [10, 20]: 11 GT frames,
    # the end plugged into tIoU unchanged. P = [10, 20) with perfect boxes on 10..19 and a miss on frame 20:
    # stcat: tIoU = 10 / 10 = 1; vIoU = 10 frames in [10, 20) / |[10, 20)| = 1; gt_vIoU = 10 / 11.
    # dense: G = [10, 20): gt_vIoU = 10 / 10 = 1.
    dataset = one_sample()
    boxes = {f: SQUARE for f in range(10, 20)}
    boxes[20] = [50, 50, 60, 60]
    predictions = preds({0: (10, 20)}, {0: boxes})
    stcat = metrics(dataset, predictions, STCAT).metrics["all"]
    dense = metrics(dataset, predictions, DENSE).metrics["all"]
    assert stcat["m_tIoU"] == 1.0 and stcat["m_vIoU"] == 1.0
    assert stcat["m_gt_vIoU"] == pytest.approx(10 / 11)
    assert dense["m_gt_vIoU"] == 1.0


def test_stcat_copies_a_missing_last_box_and_drops_other_gaps():
    # Sample 0: trajectory ends at frame 19, STCAT's closed GT ends at 20 -> box of 19 is copied to 20.
    # Sample 1: trajectory has a hole at 15 -> STCAT would crash; the sentence is dropped and counted.
    # Sample 2: temporal_gt [60, 70) starts after the input segment [0, 50] -> dropped by STCAT.
    dataset = tiny_vidstg(
        [
            {"video": "a", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50)},
            {"video": "b", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50)},
            {"video": "c", "target": 0, "frame_count": 100, "gt": (60, 70), "used": (0, 50)},
        ],
        {
            ("a", 0): {f: SQUARE for f in range(10, 20)},
            ("b", 0): {f: SQUARE for f in range(10, 21) if f != 15},
            ("c", 0): {f: SQUARE for f in range(60, 71)},
        },
    )
    boxes = {f: SQUARE for f in range(100)}
    predictions = preds({0: (10, 21), 1: (10, 21), 2: (60, 70)}, {0: boxes, 1: boxes, 2: boxes})
    result = metrics(dataset, predictions, STCAT)
    assert result.n_samples == 1 and result.warnings["stcat_dropped_sentences"] == 2
    assert result.metrics["all"]["m_gt_vIoU"] == 1.0  # frame 20 scored against the copied box
    dense = metrics(dataset, predictions, DENSE)
    assert dense.n_samples == 3 and dense.warnings["gt_missing_boxes_excluded"] == 1


def test_hcstvg_one_frame_offset_between_protocols():
    # st_frame = 11 (1-based), 10 boxes moving 10 px per frame, 100 px wide: bbox[k] is 0-based frame 10 + k.
    # P = [10, 20) with the dense truth on every frame.
    # dense:    G = [10, 20) -> tIoU 1, vIoU 1.
    # stcat:    G = [10, 19] closed, plugged in as (10, 19) -> tIoU = |[10,19)| / |[10,20)| = 9 / 10.
    # tubedetr: G = [11, 21) -> tIoU = |[11, 20)| / |[10, 21)| = 9 / 11; fps = 600 / 20 = 30, so
    #           F = {0, 6, 12, ...} and F ∩ G = {12, 18}; TubeDETR compares the prediction for frame 12
    #           (truth bbox[2]) with bbox[1]: IoU = (100 - 10) / (100 + 10) = 9 / 11, same on 18
    #           -> vIoU = 2 x 9/11 / |F ∩ [10, 21)| = 9 / 11, gt_vIoU = 9 / 11.
    from stvg_bench.datasets.base import Dataset
    from stvg_bench.datasets.hcstvg import HcstvgAdapter, _Samples, hcstvg_groundtruth

    samples = _Samples()
    boxes = [(10.0 * k, 0.0, 100.0, 50.0) for k in range(10)]
    samples.add("clip.mp4", "a person", 600, 640, 360, 11, boxes)
    gt = hcstvg_groundtruth(samples, "hcstvg-v1", "test")
    dataset = Dataset(adapter=HcstvgAdapter(v2=False), gt=gt, inputs={"annotations": {"path": None, "sha256": "0" * 64}})
    truth = {10 + k: [10.0 * k, 0.0, 10.0 * k + 100.0, 50.0] for k in range(10)}
    predictions = preds({0: (10, 20)}, {0: truth})
    dense = metrics(dataset, predictions, DENSE).metrics["all"]
    stcat = metrics(dataset, predictions, STCAT).metrics["all"]
    tubedetr = metrics(dataset, predictions, TUBEDETR).metrics["all"]
    assert dense["m_tIoU"] == 1.0 and dense["m_vIoU"] == pytest.approx(1.0)
    assert stcat["m_tIoU"] == pytest.approx(9 / 10)
    assert tubedetr["m_tIoU"] == pytest.approx(9 / 11)
    assert tubedetr["m_vIoU"] == pytest.approx(9 / 11)
    assert tubedetr["m_gt_vIoU"] == pytest.approx(9 / 11)


def test_missing_predictions_error_or_zero():
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50)}] * 2,
        {("v", 0): {f: SQUARE for f in range(10, 21)}},
    )
    predictions = preds({0: (10, 20)}, {0: {f: SQUARE for f in range(10, 20)}})
    with pytest.raises(SampleIdError, match="no prediction"):
        metrics(dataset, predictions)
    # With --missing zero: sample 0 scores 1, sample 1 scores 0 -> means 0.5.
    result = metrics(dataset, predictions, missing="zero")
    assert result.metrics["all"]["m_vIoU"] == 0.5
    assert result.warnings["missing_scored_zero"] == 1


def test_query_type_groups():
    # Sample 0 declarative (perfect), sample 1 interrogative (P far away): all = 0.5, per type 1 and 0.
    dataset = tiny_vidstg(
        [
            {"video": "v", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50), "qtype": 0},
            {"video": "v", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 50), "qtype": 1},
        ],
        {("v", 0): {f: SQUARE for f in range(10, 21)}},
    )
    boxes = {f: SQUARE for f in range(100)}
    result = metrics(dataset, preds({0: (10, 20), 1: (60, 70)}, {0: boxes, 1: boxes}))
    assert result.metrics["all"]["m_tIoU"] == 0.5
    assert result.metrics["declarative"]["m_tIoU"] == 1.0
    assert result.metrics["interrogative"]["m_tIoU"] == 0.0
