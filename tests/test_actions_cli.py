"""Action tasks from the command line: every metric, task and the converter; bad input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .gyt_helpers import document, write_document, write_gyt

SQUARE = [0, 0, 100, 100]


@pytest.fixture
def gyt_dir(tmp_path):
    videos = {
        "vid-a": {"segments": [("crack eggs", 2, 5), ("pour milk", 5, 8)],
                  "boxes": {s: (tuple(SQUARE), "crack eggs" if s < 5 else "pour milk") for s in range(2, 9)}},
        "vid_b": {"segments": [("stir", 0, 3)], "boxes": {s: ((10, 10, 50, 60), "stir") for s in range(4)}},
    }
    pools = {"vid-a": ["crack eggs", "background"], "vid_b": ["stir", "background"]}
    return write_gyt(tmp_path / "gyt", videos, sizes={"vid-a": [640, 480], "vid_b": [480, 640]}, pools=pools)


def spatial_points():
    return {"vid-a": {str(s): {"point": [50, 50]} for s in range(2, 9)},
            "vid_b": {str(s): {"point": [20, 20]} for s in range(4)}}


def labels():
    return {"vid-a": {"2": "crack eggs", "3": "crack_Eggs", "6": "pour milk"}, "vid_b": {"1": "stir"}}


def spatio_temporal():
    return {
        "vid-a": {"seconds": {"2": {"step": "crack eggs", "point": [5, 5]}, "8": {"step": "background"}},
                  "tubes": [{"step": "crack eggs", "score": 0.9, "boxes": {"2": SQUARE, "3": SQUARE}}]},
        "vid_b": {"seconds": {"0": {"step": "stir", "point": [20, 20]}}, "tubes": []},
    }


@pytest.mark.parametrize(
    "task, predictions, metrics",
    [
        # every point lies in its box: 11 / 11
        ("spatial", spatial_points(), {"pointing_accuracy": 1.0}),
        # vid-a (seconds 0-8): crack eggs G={2..5} P={2,3}: IoD 1, Jaccard 2/4; pour milk G={5..8} P={6}: 1, 1/4;
        # background G={0,1} P={0,1,4,5,7,8}: IoD 2/6, Jaccard 2/6. vid_b (0-3): stir G={0..3} P={1}: 1, 1/4.
        # no bg: IoD (1 + 1) / 2, Jaccard ((1/2 + 1/4) / 2 + 1/4) / 2; with bg: IoD ((1 + 1 + 1/3) / 3 + 1) / 2,
        # Jaccard ((1/2 + 1/4 + 1/3) / 3 + 1/4) / 2
        ("temporal", labels(), {"IoD_no_bg": 1.0, "Jaccard_no_bg": 0.3125, "IoD_with_bg": 8 / 9,
                                "Jaccard_with_bg": 11 / 36}),
        # IoU+Pointing: vid-a crack 1/4 (second 2 hits), pour 0; vid_b stir 1/4 -> ((1/4 + 0) / 2 + 1/4) / 2.
        # One crack-eggs tube on seconds 2-3 vs the GT tube 2-5 (same boxes): voxel IoU 2/4 >= 0.5, AP 1;
        # pour milk and stir have GT but no detection: AP 0 -> mAP 1/3 at every threshold.
        ("spatio-temporal", spatio_temporal(),
         {"IoU+Pointing": 0.1875, **{f"video_mAP@{t}": 1 / 3 for t in ("0.1", "0.2", "0.3", "0.4", "0.5")},
          "video_mAP": 1 / 3}),
    ],
)
def test_every_task_from_the_cli(run_cli, gyt_dir, tmp_path, task, predictions, metrics):
    path = write_document(tmp_path / "p.json", task, predictions)
    out = tmp_path / "r.json"
    per_video = tmp_path / "per-video.csv"
    code, stdout, stderr = run_cli("score", path, "--dataset", "groundingyoutube", "--annotations", gyt_dir,
                                   "--task", task, "--out", out, "--per-sample", per_video)
    assert code == 0, stderr
    results = json.loads(out.read_text())
    assert results["task"] == f"action-{task}" and results["protocol"]["name"] == "gyt"
    assert results["metrics"]["all"] == pytest.approx(metrics, abs=1e-12)
    for name in metrics:
        assert name in stdout
    assert "resamples of videos" in stdout
    rows = per_video.read_text().splitlines()
    if task != "spatial":
        assert len(rows) == 3  # header + 2 videos
        return
    # one row per query (video, second, step): 11 queries
    assert len(rows) == 12
    assert rows[0] == ("group,video_id,second,query,gt_x1,gt_y1,gt_x2,gt_y2,prediction,point_x,point_y,"
                       "pred_x1,pred_y1,pred_x2,pred_y2,scored,hit,iou,iou_correct")
    assert rows[-1] == "vid_b,vid_b,3,stir,10,10,50,60,point,20,20,,,,,True,True,,False"


def test_iou_scores_from_boxes_and_heatmaps(run_cli, gyt_dir, tmp_path):
    heat = np.zeros((7, 7))
    heat[0, 0] = 1.0
    predictions = {"vid-a": {str(s): {"heatmap": heat.tolist(), "frame_size": [640, 480]} for s in range(2, 9)},
                   "vid_b": {str(s): {"box": [10, 10, 50, 60]} for s in range(4)}}
    path = write_document(tmp_path / "p.json", "spatial", predictions)
    out = tmp_path / "r.json"
    args = ["score", path, "--dataset", "groundingyoutube", "--annotations", gyt_dir, "--task", "spatial"]
    code, _, stderr = run_cli(*args, "--out", out, "--mask-threshold", "0.5")
    assert code == 0, stderr
    m = json.loads(out.read_text())["metrics"]["all"]
    assert m["pointing_accuracy"] == 1.0  # the heatmap peaks in the top-left corner, inside [0, 0, 100, 100]
    assert {"iou0.3_accuracy", "iou0.3_class_mean_accuracy"} <= set(m)
    code, stdout, _ = run_cli(*args)
    assert code == 0 and "heatmaps_without_mask_threshold_no_iou_scores" in stdout


def test_compare_and_validate(run_cli, gyt_dir, tmp_path):
    a = write_document(tmp_path / "a.json", "spatial", spatial_points())
    worse = spatial_points()
    worse["vid-a"]["2"]["point"] = [600, 400]
    b = write_document(tmp_path / "b.json", "spatial", worse)
    common = ["--dataset", "groundingyoutube", "--annotations", gyt_dir, "--task", "spatial"]
    code, stdout, stderr = run_cli("compare", a, b, *common)
    assert code == 0, stderr and "A - B" in stdout
    code, stdout, _ = run_cli("validate", a, *common)
    assert code == 0 and "valid" in stdout


def test_datasets_check(run_cli, gyt_dir, tmp_path):
    out = tmp_path / "check.json"
    code, stdout, _ = run_cli("datasets", "check", "groundingyoutube", "--annotations", gyt_dir, "--out", out)
    assert code == 0 and "boxes inverted" in stdout
    assert json.loads(out.read_text())["checks"]["boxes"] == 11


@pytest.fixture
def fails(run_cli, gyt_dir, tmp_path):
    def check(task, predictions, *extra, expect=(), envelope=None):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(envelope or document(task, predictions)))
        out = tmp_path / "r.json"
        code, stdout, stderr = run_cli("score", path, "--dataset", "groundingyoutube", "--annotations", gyt_dir,
                                       "--task", task, "--out", out, *extra)
        assert code == 2, (stdout, stderr)
        assert stderr.startswith("stvg-bench: error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr
        assert str(path) in stderr and not out.exists()
        for fragment in expect:
            assert fragment in stderr, (fragment, stderr)

    return check


def test_unknown_video(fails):
    predictions = spatial_points()
    predictions["nope"] = {"1": {"point": [1, 1]}}
    fails("spatial", predictions, expect=("sample nope", "unknown video"))


def test_second_outside_the_video(fails):
    predictions = labels()
    predictions["vid_b"]["99"] = "stir"
    fails("temporal", predictions, expect=("sample vid_b", "field second 99", "second outside the video"))


def test_point_outside_the_frame(fails):
    predictions = spatial_points()
    predictions["vid_b"]["1"] = {"point": [500, 20]}  # vid_b is 480 wide
    fails("spatial", predictions, expect=("sample vid_b", "field second 1: point", "outside the frame (480x640)"))


def test_heatmap_of_the_wrong_shape(fails):
    predictions = spatial_points()
    predictions["vid-a"]["2"] = {"heatmap": [[0, 1], [1]], "frame_size": [640, 480]}
    fails("spatial", predictions, expect=("sample vid-a", "field second 2: heatmap", "heatmap of the wrong shape"))
    predictions["vid-a"]["2"] = {"heatmap": [[0, 1], [1, 0]], "frame_size": [640, 360]}
    fails("spatial", predictions, expect=("sample vid-a", "frame_size", "heatmap of the wrong shape"))


def test_nan_score(fails):
    predictions = spatio_temporal()
    predictions["vid-a"]["tubes"][0]["score"] = float("nan")
    fails("spatio-temporal", predictions, expect=("vid-a", "score", "NaN or infinite"))


def test_unknown_step(fails):
    predictions = labels()
    predictions["vid-a"]["4"] = "juggle"
    fails("temporal", predictions, expect=("sample vid-a", "field second 4", "unknown step 'juggle'"))
    predictions = spatio_temporal()
    predictions["vid-a"]["tubes"][0]["step"] = "juggle"
    fails("spatio-temporal", predictions, expect=("unknown step 'juggle'",))


def test_missing_query_and_task_mismatch(fails):
    predictions = spatial_points()
    del predictions["vid_b"]["2"]
    fails("spatial", predictions, expect=("sample vid_b", "no prediction for second 2", "--missing skip"))
    fails("temporal", labels(), expect=("predictions are for the spatial task",),
          envelope=document("spatial", spatial_points()))


def test_ground_truth_defects_are_never_errors(run_cli, tmp_path):
    videos = {"v": {"segments": [("a", 0, 2)],
                    "boxes": {0: ((10, 0, 0, 10), "a"), 1: ((0, 0, 10, 700), "a"), 2: ((0, 0, 480, 10), "b")}}}
    directory = write_gyt(tmp_path / "defects", videos)
    path = write_document(tmp_path / "p.json", "spatial", {"v": {"1": {"point": [5, 5]}, "2": {"point": [5, 5]}}})
    out = tmp_path / "r.json"
    code, _, stderr = run_cli("score", path, "--dataset", "groundingyoutube", "--annotations", directory,
                              "--task", "spatial", "--out", out)
    assert code == 0, stderr
    assert json.loads(out.read_text())["metrics"]["all"]["pointing_accuracy"] == 1.0
    code, stdout, _ = run_cli("datasets", "check", "groundingyoutube", "--annotations", directory)
    assert "boxes inverted" in stdout and "boxes x2 clipped at 480" in stdout


def test_fetch_groundingyoutube_from_a_mirror_then_score_without_annotations(run_cli, shared_data, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    code, stdout, stderr = run_cli("datasets", "fetch", "groundingyoutube", "--from", shared_data / "groundingyoutube")
    assert code == 0, stderr and stdout.count("\n") == 7
    path = write_document(tmp_path / "p.json", "temporal", {})
    out = tmp_path / "r.json"
    code, _, stderr = run_cli("score", path, "--dataset", "groundingyoutube", "--task", "temporal",
                              "--missing", "zero", "--out", out)
    assert code == 0, stderr
    assert json.loads(out.read_text())["warnings"]["missing_scored_zero"] == 250
