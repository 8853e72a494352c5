"""gdino-tube and owlv2-tube end to end through the CLI: tiny random detectors (Grounding DINO,
MM-Grounding-DINO, OWLv2) on synthetic textured videos, scored with synthetic VidOR boxes; on the first 5 real
VidSTG test sentences with stand-in videos; deterministic; offline; CLIP/SigLIP rescoring that changes a
choice; bad checkpoints and parameters."""

from __future__ import annotations

import csv
import filecmp
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.neural.detectors import FrameCandidates
from baselines.neural.rescoring import CropRescorer, blended_scores, crop_pixels
from baselines.neural.vision_language import VisionLanguageModel
from baselines.plugin import RUNNERS
from baselines.video.synthetic import constant_rate, write_index_video, write_video
from stvg_bench.datasets import synthetic

from .baseline_helpers import VIDEOS, write_tiny_vidstg
from .neural_helpers import tiny_clip, tiny_grounding_dino, tiny_owlv2, tiny_siglip

RUNNER_OF = {"grounding-dino": "gdino-tube", "mm-grounding-dino": "gdino-tube", "owlv2": "owlv2-tube"}
SMALL = {"grounding-dino": ("--param", "image_size=64"), "mm-grounding-dino": ("--param", "image_size=64"),
         "owlv2": ()}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("zero-shot-models")
    return {"grounding-dino": tiny_grounding_dino(root / "gdino"),
            "mm-grounding-dino": tiny_grounding_dino(root / "mm", mm=True),
            "owlv2": tiny_owlv2(root / "owlv2"), "clip": tiny_clip(root / "clip"),
            "siglip": tiny_siglip(root / "siglip")}


def textured_image(index: int, width: int = 64, height: int = 48, block: int = 8) -> np.ndarray:
    """Frame ``index``: blocks of seeded random colours, so that boxes over different places crop different
    pictures (index videos' large uniform blocks give identical crops, and rescoring then changes nothing)."""
    grid = (height // block, width // block, 3)
    colours = np.random.default_rng(index).integers(0, 256, grid, dtype=np.uint8)
    return np.repeat(np.repeat(colours, block, axis=0), block, axis=1)


def write_textured_video(path, times_s) -> None:
    write_video(path, (textured_image(i) for i in range(len(times_s))), times_s, lossless=True)


@pytest.fixture(scope="module")
def tiny_boxes(tmp_path_factory):
    """The baselines' tiny VidSTG (7 sentences, 64x48), textured videos, seeded synthetic VidOR boxes."""
    root = tmp_path_factory.mktemp("tiny-vidstg-boxes")
    files = write_tiny_vidstg(root, with_videos=False)
    for video, (times, _, _) in VIDEOS.items():
        write_textured_video(files["videos"] / "video" / "0000" / f"{video}.mp4", times)
    entries = json.loads(files["annotations"].read_text())
    files["vidor_dir"] = synthetic.write_vidor(synthetic.make_vidor(entries, seed=0), root / "vidor")
    return files


def _run(run_cli, runner, checkpoint, data, out, *extra):
    code, _, err = run_cli("baseline", "run", runner, "--dataset", "vidstg", "--annotations",
                           data["annotations"], "--videos", data["videos"], "--checkpoint", checkpoint,
                           "--out", out, *extra)
    assert code == 0, err
    return json.loads(out.read_text())


def _score(run_cli, predictions, data, tmp_path, *extra):
    results = tmp_path / f"{predictions.stem}.results.json"
    code, _, err = run_cli("score", predictions, "--dataset", "vidstg", "--annotations", data["annotations"],
                           "--no-ci", "--out", results, *extra)
    assert code == 0, err
    return json.loads(results.read_text())["metrics"]["all"]


def _boxes(document) -> dict[tuple[str, str], list[float]]:
    """``(sample id, frame id) -> box`` of a prediction file."""
    return {(sample, frame): box for sample, prediction in document["predictions"].items()
            for frame, box in prediction["boxes"].items()}


@pytest.mark.parametrize("family, m_tiou, m_viou", [
    ("grounding-dino", 0.5899, 0.0115),       # scores near 1 (> tau 0.3): the input segments, as full-frame
    ("mm-grounding-dino", 0.049, 0.0011),    # scores < 0.1 (< tau): single-frame segments
    ("owlv2", 0.5899, 0.0478),
])
def test_each_detector_family_runs_and_scores(run_cli, models, tiny_boxes, tmp_path, family, m_tiou, m_viou):
    out = tmp_path / "p.json"
    document = _run(run_cli, RUNNER_OF[family], models[family], tiny_boxes, out, *SMALL[family])
    assert document["method"]["kind"] == "zero-shot"
    metrics = _score(run_cli, out, tiny_boxes, tmp_path, "--vidor-dir", tiny_boxes["vidor_dir"])
    assert (round(metrics["m_tIoU"], 4), round(metrics["m_vIoU"], 4)) == (m_tiou, m_viou)


def test_every_parameter_is_declared_and_recorded(run_cli, models, tiny_boxes, tmp_path):
    out = tmp_path / "p.json"
    _run(run_cli, "gdino-tube", models["grounding-dino"], tiny_boxes, out, "--param", "image_size=64",
         "--param", "text=noun-phrase", "--param", "segment_rule=longest-run", "--precision", "bf16",
         "--limit", "2")
    manifest = json.loads((tmp_path / "p.manifest.json").read_text())
    (info,) = [info for name, _, info in RUNNERS if name == "gdino-tube"]
    assert list(manifest["parameters"]) == [spec.name for spec in info.parameters]
    given = ("text", "segment_rule", "precision", "image_size", "top_k")
    assert {k: manifest["parameters"][k] for k in given} == {
        "text": "noun-phrase", "segment_rule": "longest-run", "precision": "bf16", "image_size": 64,
        "top_k": 5}
    assert manifest["fitted"]["detector"] == {"family": "grounding-dino", "model_type": "grounding-dino",
                                              "class": "GroundingDinoForObjectDetection"}


def test_same_output_twice_and_no_network(run_cli, models, tiny_boxes, tmp_path, no_network):
    outputs = []
    for attempt in ("a", "b"):
        (tmp_path / attempt).mkdir()
        out = tmp_path / attempt / "p.json"
        _run(run_cli, "owlv2-tube", models["owlv2"], tiny_boxes, out, "--param", "rescore=siglip",
             "--param", f"rescore_checkpoint={models['siglip']}")
        outputs.append(out)
    assert filecmp.cmp(*outputs, shallow=False)


def test_rescoring_reorders_candidates_hand_built(models):
    """Two candidates with equal detection scores: the crop the sentence is more similar to goes first."""
    model = VisionLanguageModel.from_checkpoint(models["clip"])
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    frame[:, 32:] = 255                                       # left half black, right half white
    left, right = np.array([0.0, 0.0, 320.0, 480.0]), np.array([320.0, 0.0, 640.0, 480.0])
    assert crop_pixels(frame, right, (640, 480)).shape == (48, 32, 3)
    rescorer = CropRescorer(model, alpha=0.5)
    sentence = "the man in a red hat"
    cosines = [float(model.embed_images(np.stack([np.full((32, 32, 3), value, np.uint8)]))[0]
                     @ model.embed_texts([sentence])[0]) for value in (0, 255)]
    lower, higher = (left, right) if cosines[0] < cosines[1] else (right, left)
    found = FrameCandidates(np.stack([lower, higher]), np.array([0.5, 0.5]))
    (rescored,) = rescorer.rescore(frame[None], [found], sentence, (640, 480))
    assert rescored.boxes_xyxy.tolist() == [higher.tolist(), lower.tolist()]
    expected = blended_scores([0.5, 0.5], sorted(cosines, reverse=True), 0.5)
    np.testing.assert_allclose(rescored.scores, expected, atol=1e-6)


def test_rescoring_changes_the_linked_tube(run_cli, models, tiny_boxes, tmp_path):
    plain = _boxes(_run(run_cli, "owlv2-tube", models["owlv2"], tiny_boxes, tmp_path / "plain.json"))
    rescored = _boxes(_run(run_cli, "owlv2-tube", models["owlv2"], tiny_boxes, tmp_path / "clip.json",
                           "--param", "rescore=clip", "--param", f"rescore_checkpoint={models['clip']}",
                           "--param", "rescore_weight=0.1"))
    assert plain.keys() == rescored.keys()
    # 6 of the 90 planned frames get another box
    assert (sum(plain[key] != rescored[key] for key in plain), len(plain)) == (6, 90)


@pytest.fixture(scope="module")
def real_first_sentences(shared_data, tmp_path_factory):
    """Stand-in index videos (a tenth of the real frame size) for the first 5 real test sentences' videos."""
    annotations = shared_data / "vidstg" / "test_annotations.json"
    videos = tmp_path_factory.mktemp("standin-videos")
    for entry in json.loads(annotations.read_text())[:3]:
        path = videos / f"{entry['vid']}.mp4"
        if not path.exists():
            write_index_video(path, constant_rate(entry["frame_count"], entry["fps"]),
                              width=entry["width"] // 10, height=entry["height"] // 10, lossless=True)
    return {"annotations": annotations, "videos": videos}


def test_first_five_real_sentences_with_standin_videos(run_cli, models, real_first_sentences, tmp_path):
    out = tmp_path / "real.json"
    _run(run_cli, "gdino-tube", models["grounding-dino"], real_first_sentences, out,
         "--param", "image_size=64", "--video-template", "{videos}/{video}.mp4", "--limit", "5")
    per_sample = tmp_path / "per_sample.csv"
    metrics = _score(run_cli, out, real_first_sentences, tmp_path, "--missing", "zero",
                     "--per-sample", per_sample)
    rows = [row for row in csv.DictReader(per_sample.open()) if row["missing"] == "False"]
    # the tiny model's linked scores are all near 1 (> tau): every segment is the input segment
    assert [(row["pred_start"], row["pred_end"], round(float(row["tIoU"]), 4)) for row in rows] == [
        ("0", "479", 0.8142), ("0", "479", 0.8142), ("479", "1804", 0.2521), ("479", "1804", 0.2521),
        ("2425", "2696", 0.4465)]
    assert round(metrics["m_tIoU"] * 10303, 4) == round(2 * 0.8141962422 + 2 * 0.2520754717 + 0.4464944649, 4)


@pytest.mark.parametrize("defect, message", [
    ("missing config", "checkpoint has no config.json"),
    ("wrong architecture", "model_type 'owlv2' is not one gdino-tube loads"),
    ("corrupt weights", "corrupt safetensors file"),
])
def test_bad_checkpoint_is_one_line(run_cli, models, tiny_boxes, tmp_path, defect, message):
    source = models["owlv2" if defect == "wrong architecture" else "grounding-dino"]
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    for path in source.iterdir():
        (checkpoint / path.name).write_bytes(path.read_bytes())
    if defect == "missing config":
        (checkpoint / "config.json").unlink()
    elif defect == "corrupt weights":
        weights = checkpoint / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:-100])
    code, _, err = run_cli("baseline", "run", "gdino-tube", "--dataset", "vidstg", "--annotations",
                           tiny_boxes["annotations"], "--videos", tiny_boxes["videos"],
                           "--checkpoint", checkpoint, "--out", tmp_path / "p.json")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("params, message", [
    (("rescore=clip",), "rescore=clip needs --param rescore_checkpoint=DIR"),
    (("rescore_checkpoint=SIGLIP",), "rescore_checkpoint needs --param rescore=clip|siglip"),
    (("rescore=clip", "rescore_checkpoint=SIGLIP"), "is a siglip checkpoint"),
    (("top_k=0",), "top_k must be at least 1"),
    (("link_lambda=-1",), "link_lambda must be at least 0"),
    (("frames_per_batch=0",), "frames_per_batch must be at least 1"),
])
def test_bad_rescore_and_parameters_are_one_line(run_cli, models, tiny_boxes, tmp_path, params, message):
    given = [item for p in params for item in ("--param", p.replace("SIGLIP", str(models["siglip"])))]
    code, _, err = run_cli("baseline", "run", "owlv2-tube", "--dataset", "vidstg", "--annotations",
                           tiny_boxes["annotations"], "--videos", tiny_boxes["videos"], "--checkpoint",
                           models["owlv2"], "--out", tmp_path / "p.json", *given)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
