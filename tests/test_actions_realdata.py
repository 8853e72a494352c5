"""Real GroundingYouTube and YouCook2-Interactions annotations (../shared/data)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stvg_bench.data.actions import normalise_step
from stvg_bench.datasets import load_dataset
from stvg_bench.formats import load_predictions
from stvg_bench.tasks.base import Evaluator

from .conftest import SHARED_DATA
from .gyt_helpers import write_document
from .reference import slow_actions

CLICKS = "pumpkin_youtube_FPS_21k_annotation_full_agg_p.json"


@pytest.fixture(scope="module")
def gyt(shared_data):
    return load_dataset("groundingyoutube", "test", shared_data / "groundingyoutube")


@pytest.fixture(scope="module")
def yc2(shared_data):
    return load_dataset("youcook2-interactions", "val", shared_data / "youcook2_interactions")


def centres(queries, names, shift=0.0):
    out = {}
    for g, s, b in zip(queries.group.tolist(), queries.second.tolist(), queries.gt_xyxy.tolist()):
        point = [(b[0] + b[2]) / 2 + shift, (b[1] + b[3]) / 2]
        out.setdefault(str(names[g]), {})[str(s)] = {"point": point}
    return out


def test_release_facts_are_reported_not_raised(gyt):
    d = gyt.gt.defects
    assert d["boxes"] == 17_316 and d["boxes_inverted"] == 18 and d["boxes_x2_clipped_at_480"] == 5_119
    assert d["boxes_with_step_missing_from_pool"] == 2_660 and d["videos_with_box_steps_missing_from_pool"] == 240
    assert d["segments"] == 5_018 and d["segments_with_step_missing_from_pool"] == 1_704
    assert d["seconds_in_segments_of_two_steps"] == 268 and d["videos_with_seconds_in_two_steps"] == 127
    assert len(gyt.gt.queries.group) == 17_298  # valid boxes under the default policy
    assert gyt.gt.n_videos == 250 and (gyt.gt.frame_width == 480).sum() == 1


def release(shared_data):
    """The raw release: valid boxes ``{(video, second): (box, step)}``, segments, last second per video."""
    directory = shared_data / "groundingyoutube"
    boxes = json.loads((directory / "box_anno.json").read_text())
    segments = [(v, normalise_step(s["sentence"]), s["segment"][0], s["segment"][1])
                for v, per in json.loads((directory / "ground_seg.json").read_text()).items() for s in per]
    valid = {(v, b["second"]): (b["box"], normalise_step(b["step_name"])) for v, per in boxes.items() for b in per
             if b["box"][2] >= b["box"][0] and b["box"][3] >= b["box"][1]}
    durations = {}
    for v, _, _, end in segments:
        durations[v] = max(durations.get(v, 0), end)
    for v, per in boxes.items():
        durations[v] = max([durations.get(v, 0), *(b["second"] for b in per)])
    return valid, segments, durations


def test_box_policies(shared_data):
    directory = shared_data / "groundingyoutube"
    defective = load_dataset("groundingyoutube", "test", directory, box_policy="drop-defective")
    clipped = load_dataset("groundingyoutube", "test", directory, box_policy="clip-to-frame")
    sizes = json.loads((directory / "id2wh_new.json").read_text())
    valid, _, _ = release(shared_data)
    kept = [v for (v, _), (b, _) in valid.items()
            if not (b[2] == 480 and sizes[v][0] == 640) and b[3] <= sizes[v][1]]
    assert len(defective.gt.queries.group) == len(kept) == 10_695
    assert clipped.gt.box_xyxy[:, 3].max() <= 640 and len(clipped.gt.queries.group) == 17_298


def test_gt_centres_hit_every_valid_box_and_shifted_points_miss(gyt, tmp_path):
    queries = gyt.gt.queries
    perfect = write_document(tmp_path / "perfect.json", "spatial", centres(queries, queries.group_names))
    result = Evaluator(gyt, task="spatial").score(load_predictions(perfect, gyt))
    assert result.metrics["all"]["pointing_accuracy"] == 1.0
    # Shift every point 700 px to the right -- outside every box (and outside the frame, so clip x to the
    # frame edge, still right of every box that does not reach it).
    shifted = centres(queries, queries.group_names)
    width = dict(zip(gyt.gt.video_ids.tolist(), gyt.gt.frame_width.tolist()))
    for video, per in shifted.items():
        for entry in per.values():
            entry["point"] = [float(width[video]), 0.0]
    outside = write_document(tmp_path / "outside.json", "spatial", shifted)
    accuracy = Evaluator(gyt, task="spatial").score(load_predictions(outside, gyt), ci=False)
    reaching_the_corner = ((queries.gt_xyxy[:, 2] >= gyt.gt.frame_width[queries.video])
                           & (queries.gt_xyxy[:, 1] <= 0)).mean()
    assert accuracy.metrics["all"]["pointing_accuracy"] == pytest.approx(reaching_the_corner)


def test_human_click_baseline(gyt, shared_data, tmp_path, run_cli):
    """The mean human click vs the released box: 13,251 hits of 13,748 boxes with a click (of 17,298 valid)."""
    out = tmp_path / "human.json"
    code, _, stderr = run_cli("convert", shared_data / "groundingyoutube" / CLICKS, "--from", "gyt-clicks",
                              "--to", "stvg-bench", "--out", out, "--dataset", "groundingyoutube",
                              "--annotations", shared_data / "groundingyoutube")
    assert code == 0, stderr
    predictions = load_predictions(out, gyt)
    assert len(predictions.spatial_group) == 13_748
    skipped = Evaluator(gyt, task="spatial", missing="skip").score(predictions)
    zero = Evaluator(gyt, task="spatial", missing="zero").score(predictions)
    assert skipped.metrics["all"]["pointing_accuracy"] == pytest.approx(13_251 / 13_748)
    assert zero.metrics["all"]["pointing_accuracy"] == pytest.approx(13_251 / 17_298)
    assert zero.warnings["missing_scored_zero"] == 17_298 - 13_748

    # The slow reference, straight from the click file and the box file.
    clicks = json.loads((shared_data / "groundingyoutube" / CLICKS).read_text())
    boxes = json.loads((shared_data / "groundingyoutube" / "box_anno.json").read_text())
    queries = [(v, b["second"], b["box"], normalise_step(b["step_name"])) for v, per in boxes.items() for b in per
               if b["box"][2] >= b["box"][0] and b["box"][3] >= b["box"][1]]
    points = {}
    for entry in clicks:
        folder, name = entry["image_url"].split("/")[-2:]
        second, _, step = name[len(folder) + 1:].rsplit(".", 1)[0].partition("_")
        if entry["x"] is not None:
            points[(folder, int(second), normalise_step(step))] = (entry["x"], entry["y"])
    by_query = {(v, s): points[(v, s, step)] for v, s, _, step in queries if (v, s, step) in points}
    for missing, result in (("skip", skipped), ("zero", zero)):
        expected = slow_actions.pointing([(v, s, b) for v, s, b, _ in queries], by_query, missing)
        assert result.metrics["all"]["pointing_accuracy"] == pytest.approx(expected, abs=1e-12)


def test_perfect_temporal_and_spatio_temporal_predictions(gyt, shared_data, tmp_path):
    """The GT itself, one label per second (268 seconds belong to two steps: the first segment's step wins),
    scored against the slow reference built from the raw release files."""
    gt = gyt.gt
    labels = {str(v): {} for v in gt.video_ids}
    for v, c, a, b in zip(gt.segment_video, gt.segment_step, gt.segment_start, gt.segment_end):
        for s in range(int(a), int(b) + 1):
            labels[str(gt.video_ids[v])].setdefault(str(s), gt.steps[c])
    path = write_document(tmp_path / "temporal.json", "temporal", labels)
    m = Evaluator(gyt, task="temporal").score(load_predictions(path, gyt), ci=False).metrics["all"]
    valid, segments, durations = release(shared_data)
    by_int = {v: {int(s): step for s, step in per.items()} for v, per in labels.items()}
    for background in (False, True):
        iod, jaccard = slow_actions.iod_jaccard(segments, durations, by_int, background)
        suffix = "with_bg" if background else "no_bg"
        assert (m[f"IoD_{suffix}"], m[f"Jaccard_{suffix}"]) == pytest.approx((iod, jaccard), abs=1e-12)
    assert m["IoD_no_bg"] == 1.0 and m["Jaccard_no_bg"] < 1.0  # the second step of a shared second is missed

    boxes = {(int(v), int(s)): b for v, s, b, ok in zip(gt.box_video, gt.box_second, gt.box_xyxy, gt.box_valid)
             if ok}
    predictions, reference = {}, {}
    for video, per in labels.items():
        v = int(np.flatnonzero(gt.video_ids == video)[0])
        seconds = {}
        for s, step in per.items():
            b = boxes.get((v, int(s)), np.array([0.0, 0.0, 1.0, 1.0]))
            seconds[s] = {"step": step, "point": [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]}
            reference.setdefault(video, {})[int(s)] = (step, seconds[s]["point"])
        predictions[video] = {"seconds": seconds, "tubes": []}
    tubes, _ = gt.instances()
    for k in range(len(tubes)):
        rows = tubes.box_tube == k
        predictions[str(gt.video_ids[tubes.video[k]])]["tubes"].append(
            {"step": gt.steps[tubes.step[k]], "score": 1.0,
             "boxes": dict(zip(map(str, tubes.box_second[rows].tolist()), tubes.box_xyxy[rows].tolist()))})
    path = write_document(tmp_path / "st.json", "spatio-temporal", predictions)
    result = Evaluator(gyt, task="spatio-temporal").score(load_predictions(path, gyt), ci=False)
    assert result.metrics["all"]["video_mAP"] == 1.0
    assert result.metrics["all"]["IoU+Pointing"] == pytest.approx(
        slow_actions.iou_pointing(segments, durations, valid, reference), abs=1e-12)
    assert result.warnings["gt_instances_without_boxes_left_out"] == 459


def test_youcook2_interactions(yc2, tmp_path):
    d = yc2.gt.defects
    assert d["boxes_outside_every_segment"] == 82 and d["boxes_in_two_or_more_segments"] == 8
    assert d["videos_with_boxes_but_no_segment"] == 1 and d["boxes_zero_area"] == 1
    queries = yc2.gt.queries
    assert len(queries.group) == 2_570 - 82 + 8 - 1
    perfect = centres(queries, queries.group_names)
    path = write_document(tmp_path / "yc2.json", "spatial", perfect, dataset="youcook2-interactions", split="val")
    result = Evaluator(yc2, task="spatial").score(load_predictions(path, yc2))
    assert result.metrics["all"]["pointing_accuracy"] == 1.0
    boxes = {}
    for g, s, b in zip(queries.group.tolist(), queries.second.tolist(), queries.gt_xyxy.tolist()):
        boxes.setdefault(str(queries.group_names[g]), {})[str(s)] = {"box": b}
    path = write_document(tmp_path / "yc2-boxes.json", "spatial", boxes, dataset="youcook2-interactions",
                          split="val")
    m = Evaluator(yc2, task="spatial").score(load_predictions(path, yc2), ci=False).metrics["all"]
    assert m["iou0.3_accuracy"] == 1.0 and "iou0.3_class_mean_accuracy" not in m


def test_frame_map_of_the_ground_truth_tubes(gyt, tmp_path, run_cli):
    """Tubes made of the GT boxes: every detection is right (IoU 1, no false positive), so COCO's AP of a class is
    the share of its 101 recall thresholds t = 0, 0.01, ..., 1 with t <= its recall (detected / GT boxes), and 0 for
    a class with no detection (COCO has no recall point to read then)."""
    gt = gyt.gt
    tubes, _ = gt.instances()
    valid = {(int(v), int(s)): int(c) for v, s, c, ok in zip(gt.box_video, gt.box_second, gt.box_step, gt.box_valid)
             if ok}
    predictions = {str(v): {"seconds": {}, "tubes": []} for v in gt.video_ids}
    detected = set()
    for k in range(len(tubes)):
        rows = tubes.box_tube == k
        video, step = int(tubes.video[k]), int(tubes.step[k])
        # Frame mAP scores each annotated second against its box's own step; a second covered by two segments of
        # the same step is given once (a second detection on the same image would be a false positive).
        boxes = {}
        for second, box in zip(tubes.box_second[rows].tolist(), tubes.box_xyxy[rows].tolist()):
            if valid[(video, second)] == step and (video, second) not in detected:
                detected.add((video, second))
                boxes[str(second)] = box
        if boxes:
            predictions[str(gt.video_ids[video])]["tubes"].append({"step": gt.steps[step], "score": 1.0,
                                                                   "boxes": boxes})
    path = write_document(tmp_path / "st.json", "spatio-temporal", predictions)
    out = tmp_path / "r.json"
    code, _, stderr = run_cli("score", path, "--dataset", "groundingyoutube", "--annotations", SHARED_DATA /
                              "groundingyoutube", "--task", "spatio-temporal", "--frame-map", "--no-ci", "--out", out)
    assert code == 0, stderr
    results = json.loads(out.read_text())
    thresholds = np.linspace(0.0, 1.0, 101)
    per_class = []
    for step in sorted(set(valid.values())):
        truth = [key for key, c in valid.items() if c == step]
        found = sum(key in detected for key in truth)
        per_class.append(float((thresholds <= found / len(truth)).sum()) / 101 if found else 0.0)
    expected = sum(per_class) / len(per_class)
    assert results["metrics"]["all"]["frame_mAP@0.5"] == pytest.approx(expected, abs=1e-12)
    assert results["metrics"]["all"]["frame_mAP@[.5:.95]"] == pytest.approx(expected, abs=1e-12)
    assert "ci95" not in results
