"""The neural runners' shared parts: checkpoint checks (one error naming the file), offline loading,
precision rules, OOM halving and the image transforms' sizes (hand-worked)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.neural.batching import BatchSize, map_in_batches
from baselines.neural.checkpoints import inspect_checkpoint, load_model
from baselines.neural.images import ImageTransform
from baselines.neural.precision import check_precision, torch_dtype
from stvg_bench.core.errors import InputFileError, OptionError

from .neural_helpers import tiny_clip, tiny_grounding_dino


@pytest.fixture(scope="module")
def gdino_dir(tmp_path_factory):
    return tiny_grounding_dino(tmp_path_factory.mktemp("gdino") / "ckpt")


def _copy(source, target):
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_inspect_finds_family_class_and_image_config(gdino_dir):
    info = inspect_checkpoint(gdino_dir, ("grounding-dino",), "gdino-tube")
    assert (info.family, info.model_type, info.class_name) == (
        "grounding-dino", "grounding-dino", "GroundingDinoForObjectDetection")
    assert info.weight_files == ("model.safetensors",)
    assert info.image_config["size"] == {"shortest_edge": 48, "longest_edge": 80}


def test_loads_offline_in_eval_mode_and_dtype(gdino_dir):
    info = inspect_checkpoint(gdino_dir, ("grounding-dino",), "gdino-tube")
    model, tokenizer = load_model(info, "cpu", torch.bfloat16)
    assert not model.training
    assert next(model.parameters()).dtype == torch.bfloat16
    assert tokenizer("the man .")["input_ids"] == [2, 9, 10, 5, 3]


@pytest.mark.parametrize("defect, file, message", [
    ("no config", "config.json", "checkpoint has no config.json"),
    ("config not json", "config.json", "not a readable JSON file"),
    ("wrong architecture", "config.json", "model_type 'clip' is not one gdino-tube loads"),
    ("truncated weights", "model.safetensors", "corrupt safetensors file"),
    ("garbled header", "model.safetensors", "corrupt safetensors file"),
    ("pickled weights", "pytorch_model.bin", "weights are a pickle"),
    ("no tokenizer", "tokenizer.json", "checkpoint has no tokenizer"),
    ("no image config", "preprocessor_config.json", "checkpoint has no image preprocessing"),
])
def test_bad_checkpoint_names_the_file(gdino_dir, tmp_path, defect, file, message):
    ckpt = _copy(gdino_dir, tmp_path / "ckpt")
    weights = ckpt / "model.safetensors"
    if defect == "no config":
        (ckpt / "config.json").unlink()
    elif defect == "config not json":
        (ckpt / "config.json").write_text('{"model_type": ')
    elif defect == "wrong architecture":
        (ckpt / "config.json").write_text(json.dumps({"model_type": "clip"}))
    elif defect == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:-100])
    elif defect == "garbled header":
        data = bytearray(weights.read_bytes())
        data[8:40] = b"\xff" * 32
        weights.write_bytes(bytes(data))
    elif defect == "pickled weights":
        weights.rename(ckpt / "pytorch_model.bin")
    elif defect == "no tokenizer":
        for name in ("tokenizer.json", "vocab.txt"):
            (ckpt / name).unlink()
    else:
        (ckpt / "preprocessor_config.json").unlink()
    with pytest.raises(InputFileError) as caught:
        inspect_checkpoint(ckpt, ("grounding-dino",), "gdino-tube")
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(ckpt / file))
    assert "\n" not in str(caught.value)


def test_a_clip_checkpoint_loads_as_clip_or_siglip_family(tmp_path):
    info = inspect_checkpoint(tiny_clip(tmp_path / "clip"), ("clip", "siglip"), "clip-heatmap")
    assert (info.family, info.class_name) == ("clip", "CLIPModel")


def test_fp16_needs_cuda():
    check_precision("bf16", "cpu", "gdino-tube")
    check_precision("fp16", "cuda:1", "gdino-tube")
    with pytest.raises(OptionError, match="fp16 needs a CUDA device"):
        check_precision("fp16", "cpu", "gdino-tube")
    assert torch_dtype("fp16") is torch.float16


def test_out_of_memory_halves_the_batch_and_keeps_order(capsys):
    calls = []

    def model_call(chunk):
        calls.append(len(chunk))
        if len(chunk) > 3:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return [x * 10 for x in chunk]

    batch = BatchSize(8, "gdino-tube")
    assert map_in_batches(list(range(10)), batch, model_call) == [x * 10 for x in range(10)]
    assert calls == [8, 4, 2, 2, 2, 2, 2]
    assert batch.size == 2
    assert capsys.readouterr().err.splitlines() == [
        "gdino-tube: CUDA out of memory: frames per call halved to 4",
        "gdino-tube: CUDA out of memory: frames per call halved to 2"]


def test_out_of_memory_at_one_frame_is_an_error():
    def model_call(chunk):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(OptionError, match="out of memory with one frame per call"):
        map_in_batches([1, 2], BatchSize(1, "owlv2-tube"), model_call)


def test_image_transform_sizes_hand_worked():
    gdino = ImageTransform.from_config("grounding-dino", {"size": {"shortest_edge": 800, "longest_edge": 1333}})
    assert gdino.output_size(480, 640) == (800, 1067)       # short side 800: 640 * 800 / 480 = 1066.7
    assert gdino.output_size(360, 1280) == (375, 1333)      # long side capped: 360 * 1333 / 1280 = 374.9
    assert gdino.box_scale(480, 640) == (640.0, 480.0)
    owl = ImageTransform.from_config("owlv2", {"size": {"height": 960, "width": 960}})
    assert owl.output_size(480, 640) == (960, 960)
    assert owl.box_scale(480, 640) == (640.0, 640.0)       # relative to the padded square
    clip = ImageTransform.from_config("clip", {"size": {"shortest_edge": 224},
                                               "crop_size": {"height": 224, "width": 224}})
    assert (clip.rule, clip.output_size(480, 640)) == ("squash", (224, 224))
    resized = ImageTransform.from_config("grounding-dino", {"size": {"shortest_edge": 800, "longest_edge": 1333}},
                                         image_size=400)
    assert (resized.shortest_edge, resized.longest_edge) == (400, 666)


def test_pixel_values_normalise_and_pad():
    frames = np.full((2, 4, 8, 3), 255, dtype=np.uint8)
    owl = ImageTransform.from_config("owlv2", {"size": {"height": 8, "width": 8}, "image_mean": [0.5] * 3,
                                               "image_std": [0.5] * 3})
    values = owl.pixel_values(frames)
    assert tuple(values.shape) == (2, 3, 8, 8)
    assert values[0, 0, :4].tolist() == [[1.0] * 8] * 4     # the frame: (1 - 0.5) / 0.5
    assert values[0, 0, 4:].tolist() == [[0.0] * 8] * 4     # the padding: grey 0.5
