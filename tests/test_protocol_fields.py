"""Every protocol field is read by the code that scores: flip it, and a hand-worked number changes.

Part one flips each behaviour field of the tube protocols and of the action
protocol on a hand-worked case (arithmetic in the comments) and pins the new
number. Part two iterates over every field of every registered protocol and
checks that flipping it either changes what a fixed case scores or is refused
when the protocol is built, so no result can claim a setting the code ignores.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from stvg_bench.core.errors import AnnotationError, OptionError, SampleIdError
from stvg_bench.datasets.base import Dataset
from stvg_bench.datasets.hcstvg import V1, _Samples, hcstvg_groundtruth
from stvg_bench.formats import load_predictions
from stvg_bench.protocols.actions import GYT
from stvg_bench.protocols.tubes import DENSE, STCAT, TUBEDETR
from stvg_bench.registries import PROTOCOLS
from stvg_bench.tasks.base import Evaluator

from .gyt_helpers import load_gyt, write_document, write_gyt
from .helpers import preds, tiny_vidstg

SQUARE = [0.0, 0.0, 10.0, 10.0]
HALF = [5.0, 0.0, 15.0, 10.0]  # IoU with SQUARE: 50 / (100 + 100 - 50) = 1/3


def vidstg(box_frames=range(10, 21), gt=(10, 20), used=(0, 30)):
    """One VidSTG sentence: 100 frames at 30 fps, G = [10, 20), input segment [0, 30), GT box SQUARE."""
    return tiny_vidstg([{"video": "v", "target": 0, "frame_count": 100, "fps": 30.0, "gt": gt, "used": used}],
                       {("v", 0): {f: SQUARE for f in box_frames}})


def every_frame(iou_one_at=(12,)):
    """P = [10, 20) with a box on frames 0-29: SQUARE (IoU 1) on ``iou_one_at``, HALF (IoU 1/3) elsewhere."""
    return preds({0: (10, 20)}, {0: {f: SQUARE if f in iou_one_at else HALF for f in range(30)}})


def scored(dataset, predictions, protocol):
    return Evaluator(dataset, protocol).score(predictions, ci=False)


def flip(protocol, **changes):
    return dataclasses.replace(protocol, name=f"{protocol.name}+flipped", **changes)


# ------------------------------------------------------------------ tube protocols, field by field


def test_clip_segments():
    # P = [-10, 20), G = [10, 20). Clipped to the video: P = [0, 20), tIoU = 10 / 20. Unclipped: 10 / 30.
    dataset, predictions = vidstg(), preds({0: (-10, 20)}, {0: {f: SQUARE for f in range(20)}})
    assert scored(dataset, predictions, DENSE).metrics["all"]["m_tIoU"] == 0.5
    assert scored(dataset, predictions, flip(DENSE, clip_segments=False)).metrics["all"]["m_tIoU"] == 1 / 3


def test_interpolate_boxes():
    # Boxes on frames 10 (SQUARE) and 19 (HALF = SQUARE moved 5 px right) only. Interpolating, frame f gets
    # SQUARE moved s = 5 (f - 10) / 9 px: inter = (10 - s) x 10, IoU = inter / (200 - inter). Without
    # interpolation, frame 11 (scored by dense, with no box) is an error.
    dataset, predictions = vidstg(), preds({0: (10, 20)}, {0: {10: SQUARE, 19: HALF}})
    interpolated = scored(dataset, predictions, DENSE).metrics["all"]["m_vIoU"]
    shift = np.arange(10) / 9 * 5  # x offset of the interpolated box on frames 10..19
    assert interpolated == pytest.approx(np.mean((10 - shift) * 10 / (200 - (10 - shift) * 10)), abs=1e-12)
    with pytest.raises(SampleIdError, match="no box for frame 11"):
        scored(dataset, predictions, flip(DENSE, interpolate_boxes=False))


def test_sampling_fps():
    # tubedetr at 5 fps on [0, 30): F = {0, 6, 12, 18, 24}, F ∩ G = {12, 18}: IoU 1 and 1/3 -> vIoU 2/3.
    # At 10 fps: int(f * 10 / 30) increases at 0, 3, ..., 27: F ∩ G = {12, 15, 18} -> (1 + 1/3 + 1/3) / 3 = 5/9.
    dataset, predictions = vidstg(), every_frame()
    assert scored(dataset, predictions, TUBEDETR).metrics["all"]["m_vIoU"] == pytest.approx(2 / 3, abs=1e-12)
    ten = flip(TUBEDETR, sampling_fps=10.0)
    assert scored(dataset, predictions, ten).metrics["all"]["m_vIoU"] == pytest.approx(5 / 9, abs=1e-12)
    # dense scores every frame: (1 + 9 x 1/3) / 10 = 0.4; sampling needs its cap as well.
    assert scored(dataset, predictions, DENSE).metrics["all"]["m_vIoU"] == pytest.approx(0.4, abs=1e-12)
    with pytest.raises(OptionError, match="max_frames is set exactly when sampling_fps is"):
        flip(DENSE, sampling_fps=5.0)


def test_max_frames():
    # 5 sampled frames > 3: keep ids[(j * 5) // 3] for j < 3 = ids[0, 1, 3] = {0, 6, 18}; F ∩ G = {18}: IoU 1/3.
    dataset, predictions = vidstg(), every_frame()
    capped = flip(TUBEDETR, max_frames=3)
    assert scored(dataset, predictions, capped).metrics["all"]["m_vIoU"] == pytest.approx(1 / 3, abs=1e-12)


def test_gt_interval():
    # dense, half-open G = [10, 20): gt_vIoU = (1 + 9 x 1/3) / 10 = 0.4.
    # closed G = [10, min(20, used end 30)] = [10, 20]: frame 20 joins -> (1 + 10 x 1/3) / 11 = 13/33;
    # tIoU plugs the closed end in as if half-open: (10, 20) -> still 1.
    dataset, predictions = vidstg(), every_frame()
    closed = scored(dataset, predictions, flip(DENSE, gt_interval="closed")).metrics["all"]
    assert scored(dataset, predictions, DENSE).metrics["all"]["m_gt_vIoU"] == pytest.approx(0.4, abs=1e-12)
    assert closed["m_gt_vIoU"] == pytest.approx(13 / 33, abs=1e-12) and closed["m_tIoU"] == 1.0
    with pytest.raises(OptionError, match="closed ground-truth interval"):
        flip(TUBEDETR, gt_interval="closed")


def test_copy_last_gt_box():
    # Two sentences; the second's trajectory stops at frame 19, one short of STCAT's closed end 20.
    # stcat copies box 19 onto frame 20 and keeps both; without the copy the second is dropped.
    dataset = tiny_vidstg(
        [{"video": "v", "target": 0, "frame_count": 100, "gt": (10, 20), "used": (0, 30), "qtype": 0},
         {"video": "v", "target": 1, "frame_count": 100, "gt": (10, 20), "used": (0, 30), "qtype": 0}],
        {("v", 0): {f: SQUARE for f in range(10, 21)}, ("v", 1): {f: SQUARE for f in range(10, 20)}},
    )
    predictions = preds({0: (10, 20), 1: (15, 20)}, {s: {f: SQUARE for f in range(30)} for s in (0, 1)})
    kept = scored(dataset, predictions, STCAT)
    assert kept.n_samples == 2 and kept.metrics["all"]["m_tIoU"] == (1 + 5 / 10) / 2
    dropped = scored(dataset, predictions, flip(STCAT, copy_last_gt_box=False))
    assert dropped.n_samples == 1 and dropped.warnings["stcat_dropped_sentences"] == 1
    assert dropped.metrics["all"]["m_tIoU"] == 1.0
    with pytest.raises(OptionError, match="copy_last_gt_box applies to a closed"):
        flip(DENSE, copy_last_gt_box=True)


def hcstvg_one_clip() -> Dataset:
    """st_frame 11 (1-based), 10 boxes SQUARE: 0-based frames 10..19 (offset 0) or 11..20 (offset 1)."""
    samples = _Samples()
    samples.add("clip.mp4", "a person", 600, 640, 360, 11, [(0.0, 0.0, 10.0, 10.0)] * 10)
    return Dataset(adapter=V1, gt=hcstvg_groundtruth(samples, "hcstvg-v1", "test"),
                   inputs={"annotations": {"path": None, "sha256": "0" * 64}})


def test_hcstvg_frame_offset():
    # P = [10, 20). Offset 0: G = [10, 20), tIoU 1. Offset 1: G = [11, 21): |[11, 20)| / |[10, 21)| = 9/11.
    dataset, predictions = hcstvg_one_clip(), preds({0: (10, 20)}, {0: {f: SQUARE for f in range(10, 20)}})
    assert scored(dataset, predictions, DENSE).metrics["all"]["m_tIoU"] == 1.0
    shifted = scored(dataset, predictions, flip(DENSE, hcstvg_frame_offset=1)).metrics["all"]
    assert shifted["m_tIoU"] == pytest.approx(9 / 11, abs=1e-12)


def test_threshold_rule():
    # Predicted box [0, 0, 10, 5] on every GT frame: IoU = 50 / 100 = 0.5 exactly, so vIoU = 0.5.
    # "greater": vIoU@0.5 counts vIoU > 0.5 -> 0; "greater_equal" counts >= -> 1.
    dataset, predictions = vidstg(), preds({0: (10, 20)}, {0: {f: [0.0, 0.0, 10.0, 5.0] for f in range(10, 20)}})
    assert scored(dataset, predictions, DENSE).metrics["all"]["vIoU@0.5"] == 0.0
    assert scored(dataset, predictions, flip(DENSE, threshold_rule="greater_equal")).metrics["all"]["vIoU@0.5"] == 1.0


# ------------------------------------------------------------------ the action protocol, field by field

BOX = [0, 0, 100, 100]


@pytest.fixture
def gyt(tmp_path):
    """Two steps in one 640x480 video: crack eggs on seconds 2-5, pour milk on 5-8, GT box BOX on 2-8."""
    videos = {"v": {"segments": [("crack eggs", 2, 5), ("pour milk", 5, 8)],
                    "boxes": {s: (tuple(BOX), "crack eggs" if s < 5 else "pour milk") for s in range(2, 9)}}}
    return load_gyt(write_gyt(tmp_path / "gyt", videos, pools={"v": ["crack eggs", "pour milk", "background"]}))


def spatial(gyt, tmp_path, protocol, entry, **options):
    path = write_document(tmp_path / "s.json", "spatial", {"v": {str(s): entry for s in range(2, 9)}})
    return Evaluator(gyt, protocol, task="spatial", **options).score(load_predictions(path, gyt), ci=False)


def test_iou_threshold(gyt, tmp_path):
    # A box [0, 0, 100, 40] against BOX: IoU = 4000 / 10000 = 0.4: correct at > 0.3, wrong at > 0.5.
    box = {"box": [0, 0, 100, 40]}
    assert spatial(gyt, tmp_path, GYT, box).metrics["all"]["iou0.3_accuracy"] == 1.0
    raised = spatial(gyt, tmp_path, flip(GYT, iou_threshold=0.5), box).metrics["all"]
    assert raised["iou0.5_accuracy"] == 0.0 and "iou0.3_accuracy" not in raised


def test_iou_rule(gyt, tmp_path):
    # [0, 0, 100, 30]: IoU = 3000 / 10000 = 0.3 exactly: not > 0.3, but >= 0.3.
    box = {"box": [0, 0, 100, 30]}
    assert spatial(gyt, tmp_path, GYT, box).metrics["all"]["iou0.3_accuracy"] == 0.0
    assert spatial(gyt, tmp_path, flip(GYT, iou_rule="greater_equal"), box).metrics["all"]["iou0.3_accuracy"] == 1.0


def test_mask_rule(gyt, tmp_path):
    # A 2x2 binary heatmap with 1 in the top-left cell, threshold 1.0: pixels with value >= 1 form the
    # top-left 160 x 120 corner (the cell's plateau), IoU with BOX = 10000 / (19200) > 0.3 -> correct;
    # "greater" keeps pixels > 1: none -> IoU 0.
    heat = {"heatmap": [[1.0, 0.0], [0.0, 0.0]], "frame_size": [640, 480]}
    kept = spatial(gyt, tmp_path, GYT, heat, mask_threshold=1.0).metrics["all"]
    assert kept["iou0.3_accuracy"] == 1.0 and kept["pointing_accuracy"] == 1.0
    none = spatial(gyt, tmp_path, flip(GYT, mask_rule="greater"), heat, mask_threshold=1.0).metrics["all"]
    assert none["iou0.3_accuracy"] == 0.0


def spatio_temporal(gyt, tmp_path, protocol, boxes: dict, seconds=(2, 3)):
    """One crack-eggs tube (score 0.9) with ``boxes`` on ``seconds``; every second labelled crack eggs."""
    tube = {"step": "crack eggs", "score": 0.9, "boxes": {str(s): boxes for s in seconds}}
    labels = {str(s): {"step": "crack eggs", "point": [5, 5]} for s in range(2, 6)}
    path = write_document(tmp_path / "st.json", "spatio-temporal", {"v": {"seconds": labels, "tubes": [tube]}})
    return Evaluator(gyt, protocol, task="spatio-temporal").score(load_predictions(path, gyt), ci=False)


def test_map_thresholds(gyt, tmp_path):
    # Tube BOX on seconds 2-3 vs the crack-eggs instance (BOX on 2-5): voxel IoU 2 / 4 = 0.5 -> AP 1 for
    # crack eggs at every θ <= 0.5, pour milk has no detection (AP 0): mAP 1/2. At θ = 0.6 the tube misses.
    base = spatio_temporal(gyt, tmp_path, GYT, BOX).metrics["all"]
    assert base["video_mAP@0.5"] == 0.5 and base["video_mAP"] == 0.5
    high = spatio_temporal(gyt, tmp_path, flip(GYT, map_thresholds=(0.6,)), BOX).metrics["all"]
    assert high["video_mAP@0.6"] == 0.0 and high["video_mAP"] == 0.0 and "video_mAP@0.5" not in high


def test_map_rule(gyt, tmp_path):
    # The same tube IoU of exactly 0.5: a true positive at θ = 0.5 for ">=", a false positive for ">".
    strict = spatio_temporal(gyt, tmp_path, flip(GYT, map_rule="greater"), BOX).metrics["all"]
    assert strict["video_mAP@0.5"] == 0.0 and strict["video_mAP@0.4"] == 0.5


def test_tube_iou(gyt, tmp_path):
    # Half-width boxes [0, 0, 50, 100] on seconds 0-3 vs BOX on 2-5:
    # voxel = 2 x 5000 / (4 x 5000 + 4 x 10000 - 2 x 5000) = 10000 / 50000 = 1/5 -> a TP at 0.1 and 0.2 (>=);
    # act = tIoU |[2, 3]| / |[0, 5]| = 2/6 x mean IoU on seconds 2-3 (1/2) = 1/6 -> a TP at 0.1 only.
    half = [0, 0, 50, 100]
    voxel = spatio_temporal(gyt, tmp_path, GYT, half, seconds=(0, 1, 2, 3)).metrics["all"]
    act = spatio_temporal(gyt, tmp_path, flip(GYT, tube_iou="act"), half, seconds=(0, 1, 2, 3)).metrics["all"]
    assert (voxel["video_mAP@0.2"], act["video_mAP@0.2"]) == (0.5, 0.0)
    assert voxel["video_mAP@0.1"] == act["video_mAP@0.1"] == 0.5


# ------------------------------------------------------------------ every field of every registered protocol

FLIPS = {
    "sampling_fps": lambda v: 5.0 if v is None else v * 2,
    "max_frames": lambda v: 200 if v is None else 3,
    "gt_interval": lambda v: "closed" if v == "half_open" else "half_open",
    "hcstvg_frame_offset": lambda v: 1 - v,
    "threshold_rule": lambda v: "greater_equal" if v == "greater" else "greater",
    "iou_threshold": lambda v: 0.5,
    "iou_rule": lambda v: "greater_equal" if v == "greater" else "greater",
    "mask_rule": lambda v: "greater" if v == "greater_equal" else "greater_equal",
    "map_thresholds": lambda v: (0.6,),
    "map_rule": lambda v: "greater" if v == "greater_equal" else "greater_equal",
    "tube_iou": lambda v: "act" if v == "voxel" else "voxel",
}


def tube_fingerprint(protocol) -> str:
    """Everything the tube cases above score under ``protocol`` (an error message counts as a score)."""
    cases = [
        (vidstg(), every_frame()),
        (vidstg(box_frames=range(10, 20)), preds({0: (-10, 20)}, {0: {f: SQUARE for f in range(30)}})),
        (vidstg(), preds({0: (10, 20)}, {0: {10: SQUARE, 19: HALF}})),
        (vidstg(), preds({0: (10, 20)}, {0: {f: [0.0, 0.0, 10.0, 5.0] for f in range(30)}})),
        (hcstvg_one_clip(), preds({0: (10, 20)}, {0: {f: SQUARE for f in range(30)}})),
    ]
    out = []
    for dataset, predictions in cases:
        try:
            result = scored(dataset, predictions, protocol)
            out.append((result.metrics, result.warnings))
        except (SampleIdError, AnnotationError) as exc:
            out.append(str(exc))
    return json.dumps(out, sort_keys=True)


def action_fingerprint(protocol, gyt, tmp_path) -> str:
    heat = {"heatmap": [[1.0, 0.0], [0.0, 0.0]], "frame_size": [640, 480]}
    results = [spatial(gyt, tmp_path, protocol, {"box": [0, 0, 100, 30]}),
               spatial(gyt, tmp_path, protocol, {"box": [0, 0, 100, 40]}),
               spatial(gyt, tmp_path, protocol, heat, mask_threshold=1.0),
               spatio_temporal(gyt, tmp_path, protocol, BOX),
               spatio_temporal(gyt, tmp_path, protocol, [0, 0, 50, 100], seconds=(0, 1, 2, 3))]
    return json.dumps([r.metrics for r in results], sort_keys=True)


@pytest.mark.parametrize("name", PROTOCOLS.names())
def test_every_field_of_every_registered_protocol_is_read(name, gyt, tmp_path):
    protocol = PROTOCOLS.get(name)
    assert set(protocol.behaviour_fields()) <= set(FLIPS) | {"clip_segments", "interpolate_boxes",
                                                            "copy_last_gt_box"}, "a field without a flip"

    def fingerprint(p):
        return tube_fingerprint(p) if p.family == "tubes" else action_fingerprint(p, gyt, tmp_path)

    base = fingerprint(protocol)
    for field in protocol.behaviour_fields():
        value = getattr(protocol, field)
        new = (not value) if isinstance(value, bool) else FLIPS[field](value)
        try:
            flipped = flip(protocol, **{field: new})
        except OptionError as exc:  # refused when built: the field is checked, never silently ignored
            assert field in str(exc) or "sampling_fps" in str(exc), (name, field, str(exc))
            continue
        assert fingerprint(flipped) != base, f"protocol {name}: flipping {field} to {new!r} changes nothing"
