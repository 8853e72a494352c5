"""The zero-shot CLIP / SigLIP action runners end to end through the CLI, offline (any network access fails):
synthetic videos of a GroundingYouTube-like and a YouCook2-Interactions-like dataset, tiny random models,
prediction files that ``stvg-bench score`` accepts, pinned numbers, the same bytes twice, one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("av")

from baselines.video.synthetic import constant_rate, write_index_video

from .gyt_helpers import write_gyt
from .neural_helpers import tiny_clip, tiny_grounding_dino, tiny_siglip

STEPS = ("cut onion", "add salt")
FPS, WIDTH, HEIGHT = 5, 64, 48
GYT_VIDEOS = {
    "v1": {"segments": [("cut onion", 0, 2), ("add salt", 3, 5)],
           "boxes": {1: ((8, 8, 40, 30), "cut onion"), 4: ((20, 10, 60, 44), "add salt")}},
    "v2": {"segments": [("add salt", 1, 4)], "boxes": {2: ((0, 0, 32, 24), "add salt")}},
}
DURATION_S = {"v1": 5, "v2": 4}


pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("zs-actions")
    videos = root / "videos"
    for video, seconds in DURATION_S.items():   # one second more than the annotation: every second has a frame
        write_index_video(videos / f"{video}.mp4", constant_rate((seconds + 1) * FPS, FPS), WIDTH, HEIGHT, lossless=True)
    gyt = write_gyt(root / "gyt", GYT_VIDEOS, sizes={v: [WIDTH, HEIGHT] for v in GYT_VIDEOS},
                    pools={"v1": ["background", *STEPS], "v2": ["add salt"]})
    yc2 = root / "yc2" / "youcook2_interactions.json"
    yc2.parent.mkdir()
    yc2.write_text(json.dumps({
        "boxes": {"v1": {"1": [8, 8, 40, 30], "3": [30, 20, 60, 44]}, "v2": {"2": [0, 0, 32, 24]}},
        "segments": [{"video_id": "v1", "segment": [0, 3], "sentence": "cut the onion"},
                     {"video_id": "v2", "segment": [1, 3], "sentence": "add salt in the pan"}]}))
    return {"root": root, "videos": videos, "gyt": gyt, "yc2": yc2,
            "clip": tiny_clip(root / "clip"), "siglip": tiny_siglip(root / "siglip"),
            "gdino": tiny_grounding_dino(root / "gdino")}


def _run(run_cli, data, runner, out, *extra, dataset="groundingyoutube", checkpoint="clip"):
    annotations = data["gyt"] if dataset == "groundingyoutube" else data["yc2"]
    return run_cli("baseline", "run", runner, "--dataset", dataset, "--annotations", annotations,
                   "--videos", data["videos"], "--checkpoint", data[checkpoint], "--out", out, *extra)


def _score(run_cli, data, path, task, dataset="groundingyoutube", *extra):
    annotations = data["gyt"] if dataset == "groundingyoutube" else data["yc2"]
    code, _, err = run_cli("score", path, "--dataset", dataset, "--annotations", annotations, "--task", task,
                             "--no-ci", "--out", path.with_suffix(".results.json"), *extra)
    assert code == 0, err
    return json.loads(path.with_suffix(".results.json").read_text())["metrics"]


def test_clip_heatmap_on_groundingyoutube(run_cli, data, tmp_path):
    out = tmp_path / "h.json"
    code, _, err = _run(run_cli, data, "clip-heatmap", out)
    assert code == 0, err
    predictions = json.loads(out.read_text())["predictions"]
    assert sorted(predictions) == ["v1", "v2"] and sorted(predictions["v1"]) == ["1", "4"]
    entry = predictions["v1"]["1"]
    grid = np.array(entry["heatmap"])
    assert entry["frame_size"] == [WIDTH, HEIGHT] and grid.shape == (4, 4)   # 32 px input, 8 px patches
    assert grid.min() == 0.0 and grid.max() == 1.0                          # min-max normalised
    assert _score(run_cli, data, out, "spatial") == {"all": {"pointing_accuracy": 0.0}}   # a random model


def test_clip_heatmap_on_youcook2_interactions_reads_frame_sizes_from_the_videos(run_cli, data, tmp_path):
    out = tmp_path / "y.json"
    code, _, err = _run(run_cli, data, "clip-heatmap", out, dataset="youcook2-interactions", checkpoint="siglip")
    assert code == 0, err
    predictions = json.loads(out.read_text())["predictions"]
    assert {k: sorted(v) for k, v in predictions.items()} == {"0": ["1", "3"], "1": ["2"]}
    assert predictions["0"]["1"]["frame_size"] == [WIDTH, HEIGHT]
    assert _score(run_cli, data, out, "spatial", "youcook2-interactions") == {
        "all": {"pointing_accuracy": pytest.approx(1 / 3)}}                 # 1 of 3 boxes


def test_gdino_point_centres_and_boxes(run_cli, data, tmp_path):
    """The tiny detector needs a 96 px short side (its last feature level would be 1 x 1 on 48 px frames)."""
    scores = {}
    for output in ("point", "box"):
        for dataset in ("groundingyoutube", "youcook2-interactions"):
            out = tmp_path / output / f"{dataset}.json"
            code, _, err = _run(run_cli, data, "gdino-point", out, "--param", f"output={output}", "--param",
                                "image_size=96", dataset=dataset, checkpoint="gdino")
            assert code == 0, err
            scores[output, dataset] = _score(run_cli, data, out, "spatial", dataset)["all"]
            if dataset == "groundingyoutube":
                entries = json.loads(out.read_text())["predictions"]
                second = {"point": [18.0, 14.0], "box": [16.4, 12.8, 19.6, 15.2]}[output]
                assert entries["v1"]["1"][output] == pytest.approx(second, abs=1e-5)
    # points (18, 14) in (8, 8, 40, 30); (20, 12) on the left edge of (20, 10, 60, 44) (inclusive);
    # (48, 12) outside (0, 0, 32, 24): 2 of 3. YouCook2-like: (6, 14), (18, 14), (48, 12) all outside
    assert scores == {
        ("point", "groundingyoutube"): {"pointing_accuracy": pytest.approx(2 / 3)},
        ("point", "youcook2-interactions"): {"pointing_accuracy": 0.0},
        ("box", "groundingyoutube"): {"pointing_accuracy": pytest.approx(2 / 3), "iou0.3_accuracy": 0.0,
                                      "iou0.3_class_mean_accuracy": 0.0},
        ("box", "youcook2-interactions"): {"pointing_accuracy": 0.0, "iou0.3_accuracy": 0.0}}


def test_clip_steps_temporal(run_cli, data, tmp_path):
    out = tmp_path / "t.json"
    code, _, err = _run(run_cli, data, "clip-steps", out, "--param", "background_threshold=0.215")
    assert code == 0, err
    predictions = json.loads(out.read_text())["predictions"]
    # smoothed cosines with 'cut onion' over v1's seconds 0..5 (3 s window): .2441 .2397 .2183 .2179 .2118 .2197,
    # 'add salt' below .021 everywhere: second 4 falls under the threshold .215; v2's pool is 'add salt' only
    assert predictions == {"v1": {"0": "cut onion", "1": "cut onion", "2": "cut onion", "3": "cut onion",
                                  "5": "cut onion"}, "v2": {}}
    manifest = json.loads((tmp_path / "t.manifest.json").read_text())
    assert manifest["parameters"] == {"precision": "fp32", "frames_per_batch": 8, "image_size": 0, "prompt": "{}",
                                      "background_threshold": 0.215, "smoothing_s": 3}
    assert manifest["fitted"]["text"].startswith("the video's step pool")
    assert manifest["fitted"]["fallback"]["short_video"].startswith("the run stops")
    # v1 GT: cut onion 0-2, add salt 3-5; v2: add salt 1-4 (the rest background)
    assert _score(run_cli, data, out, "temporal") == {"all": {
        "IoD_no_bg": 0.6, "Jaccard_no_bg": 0.15, "IoD_with_bg": 0.4, "Jaccard_with_bg": 0.2}}


def test_spatio_temporal_combination_has_scored_tubes(run_cli, data, tmp_path):
    out = tmp_path / "st.json"
    code, _, err = _run(run_cli, data, "clip-steps+clip-heatmap", out, "--param", "background_threshold=0.215")
    assert code == 0, err
    predictions = json.loads(out.read_text())["predictions"]
    v1 = predictions["v1"]
    assert {s: e["step"] for s, e in v1["seconds"].items()} == {str(s): "cut onion" for s in (0, 1, 2, 3, 5)}
    assert v1["seconds"]["1"]["point"] == [8.0, 6.0]          # cell (0, 0) of the 4 x 4 grid over 64 x 48
    assert [(t["step"], sorted(t["boxes"])) for t in v1["tubes"]] == [("cut onion", ["0", "1", "2", "3"]),
                                                                      ("cut onion", ["5"])]
    # scores: mean smoothed cosine over the run, (.2441 + .2397 + .2183 + .2179) / 4 = .2300, and .2197
    assert [round(t["score"], 4) for t in v1["tubes"]] == [0.2300, 0.2198]
    assert v1["tubes"][0]["boxes"]["1"] == [0.0, 0.0, 48.0, 12.0]   # hot cells in row 0, columns 0..2
    assert predictions["v2"] == {"seconds": {}, "tubes": []}
    metrics = _score(run_cli, data, out, "spatio-temporal")["all"]
    assert metrics == {"IoU+Pointing": 0.0, **{f"video_mAP@0.{k}": 0.0 for k in range(1, 6)}, "video_mAP": 0.0}


def test_same_bytes_twice_and_with_one_frame_per_call(run_cli, data, tmp_path):
    files = []
    for name, extra in (("a", ()), ("b", ()), ("c", ("--param", "frames_per_batch=1"))):
        out = tmp_path / name / "p.json"
        code, _, err = _run(run_cli, data, "clip-steps+clip-heatmap", out, "--param", "background_threshold=0.215",
                            *extra)
        assert code == 0, err
        files.append(out.read_bytes())
    assert files[0] == files[1]
    a, c = json.loads(files[0])["predictions"], json.loads(files[2])["predictions"]
    assert {v: p["seconds"] for v, p in a.items()} == {v: p["seconds"] for v, p in c.items()}
    assert [t["score"] for t in a["v1"]["tubes"]] == pytest.approx([t["score"] for t in c["v1"]["tubes"]], abs=1e-6)


def test_bf16_runs_on_cpu_and_is_recorded(run_cli, data, tmp_path):
    out = tmp_path / "p.json"
    code, _, err = _run(run_cli, data, "clip-heatmap", out, "--precision", "bf16", checkpoint="siglip")
    assert code == 0, err
    assert json.loads((tmp_path / "p.manifest.json").read_text())["parameters"]["precision"] == "bf16"
    grids = [np.array(e["heatmap"]) for g in json.loads(out.read_text())["predictions"].values() for e in g.values()]
    assert len(grids) == 3 and all(g.min() == 0.0 and g.max() == 1.0 for g in grids)


@pytest.mark.parametrize("defect, file, message", [
    ("no config", "config.json", "checkpoint has no config.json"),
    ("detector", "config.json", "model_type 'owlv2' is not one clip-heatmap loads"),
    ("truncated weights", "model.safetensors", "corrupt safetensors file"),
])
def test_bad_checkpoint_is_one_line_naming_the_file(run_cli, data, tmp_path, defect, file, message):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    for path in data["clip"].iterdir():
        (ckpt / path.name).write_bytes(path.read_bytes())
    if defect == "no config":
        (ckpt / "config.json").unlink()
    elif defect == "detector":
        (ckpt / "config.json").write_text(json.dumps({"model_type": "owlv2"}))
    else:
        weights = ckpt / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:-100])
    code, _, err = run_cli("baseline", "run", "clip-heatmap", "--dataset", "groundingyoutube", "--annotations",
                           data["gyt"], "--videos", data["videos"], "--checkpoint", ckpt,
                           "--out", tmp_path / "p.json")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err and str(ckpt / file) in err
    assert not (tmp_path / "p.run").exists()


@pytest.mark.parametrize("param, message", [
    ("precision=fp16", "fp16 needs a CUDA device"),
    ("prompt=a photo", "prompt must contain {}"),
    ("image_size=36", "not a multiple of the patch size 8"),
])
def test_bad_parameters_are_one_line(run_cli, data, tmp_path, param, message):
    code, _, err = _run(run_cli, data, "clip-heatmap", tmp_path / "p.json", "--param", param)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_even_smoothing_is_refused(run_cli, data, tmp_path):
    code, _, err = _run(run_cli, data, "clip-steps", tmp_path / "p.json", "--param", "smoothing_s=2")
    assert code == 2 and "smoothing_s must be an odd number of seconds, got 2" in err


def test_heatmap_rows_survive_shards_and_merge(tmp_path):
    """Samples mixing heatmap and point rows (and one without heatmaps) merge back to each row's own grid."""
    from types import SimpleNamespace

    from baselines.outputs import ActionOutput
    from baselines.run.merge import action_predictions
    from baselines.run.shards import ShardStore
    from baselines.samples import ActionSample
    from stvg_bench.data.actions import HEATMAP, POINT

    store = ShardStore(tmp_path, "actions", {"run_key": "k"})
    samples = [ActionSample(i, f"v{i}", f"v{i}", WIDTH, HEIGHT, 5, np.array([1, 2])) for i in range(2)]
    grid_a, grid_b = np.arange(6.0).reshape(2, 3) / 5, np.ones((1, 2))
    store.write(samples[0], ActionOutput(
        spatial_second=np.array([1, 2]), spatial_kind=np.array([HEATMAP, HEATMAP], dtype=np.int8),
        spatial_point=np.full((2, 2), np.nan), spatial_box=np.full((2, 4), np.nan),
        spatial_heatmap_shape=np.array([[2, 3], [1, 2]]), spatial_heatmap_frame_size=np.array([[64, 48]] * 2),
        spatial_heatmap_values=np.concatenate([grid_a.ravel(), grid_b.ravel()])))
    store.write(samples[1], ActionOutput(
        spatial_second=np.array([1]), spatial_kind=np.array([POINT], dtype=np.int8),
        spatial_point=np.array([[3.0, 4.0]]), spatial_box=np.full((1, 4), np.nan)))
    merged = action_predictions(store.read(samples), {"name": "t"}, SimpleNamespace(name="gyt", split="test"),
                                "spatial")
    assert np.array_equal(merged.heatmaps[0], grid_a) and np.array_equal(merged.heatmaps[1], grid_b)
    assert merged.heatmaps[2] is None
    assert merged.heatmap_frame_size.tolist() == [[64, 48], [64, 48], [0, 0]]


def test_decode_workers_hand_on_model_sized_frames(data):
    """check() (driver) fixes the model's input size; transform_frames (decode workers) resizes to it."""
    from baselines.params import parse_parameters
    from baselines.run.keys import hash_checkpoint
    from baselines.runners.zero_shot_actions import ClipHeatmap, GdinoPoint
    from baselines.video.frames import DecodedFrames
    from stvg_bench.registries import BASELINES

    frames = DecodedFrames("v1", np.arange(2), np.arange(2.0), np.arange(2.0),
                           np.zeros((2, HEIGHT, WIDTH, 3), np.uint8), "pyav")
    shapes = {}
    for cls, checkpoint, given in ((ClipHeatmap, "clip", ()), (GdinoPoint, "gdino", ("image_size=96",))):
        parameters = parse_parameters(cls.name, BASELINES.info(cls.name).parameters, given)
        runner = cls(parameters, hash_checkpoint(data[checkpoint]))
        runner.check()
        shapes[cls.name] = runner.transform_frames(frames).rgb.shape
    # CLIP squashes to its 32 x 32 input; Grounding DINO keeps the aspect ratio: short side 96, 64 * 2 = 128
    assert shapes == {"clip-heatmap": (2, 32, 32, 3), "gdino-point": (2, 96, 128, 3)}


def test_ray_equals_local_byte_for_byte(run_cli, data, tmp_path):
    """Two actors, one video each: the same file as one local worker that saw both videos' texts."""
    ray = pytest.importorskip("ray")
    from pathlib import Path

    outputs = []
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING",
             runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parents[1]),
                                       "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}})
    try:
        for executor in ("local", "ray"):
            out = tmp_path / executor / "p.json"
            code, _, err = _run(run_cli, data, "clip-steps+clip-heatmap", out, "--param", "background_threshold=0.215",
                                "--executor", executor, "--batch-size", "1", *(("--workers", "2") if executor == "ray"
                                                                               else ()))
            assert code == 0, err
            outputs.append(out.read_bytes())
    finally:
        ray.shutdown()
    assert outputs[0] == outputs[1]
