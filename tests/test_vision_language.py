"""CLIP / SigLIP embedders on tiny random checkpoints (offline, any network access fails): shapes, norms,
the patch path against the class-token path, batching, padding and precision, and the refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.neural.vision_language import VisionLanguageModel, check_vision_language
from stvg_bench.core.errors import InputFileError, OptionError

from .neural_helpers import tiny_clip, tiny_siglip

FAMILIES = {"clip": tiny_clip, "siglip": tiny_siglip}


pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("vl")
    return {family: make(root / family) for family, make in FAMILIES.items()}


def _frames(n: int = 3, height: int = 40, width: int = 60) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("family", FAMILIES)
def test_shapes_and_unit_norms(checkpoints, family):
    model = VisionLanguageModel.from_checkpoint(checkpoints[family])
    texts = model.embed_texts(["cut onion", "add salt"])
    images = model.embed_images(_frames())
    patches = model.embed_patches(_frames())
    assert (texts.shape, images.shape, patches.shape, model.grid_size) == ((2, 16), (3, 16), (3, 4, 4, 16), (4, 4))
    assert texts.dtype == images.dtype == patches.dtype == np.float32
    for values in (texts, images, patches):
        np.testing.assert_allclose(np.linalg.norm(values, axis=-1), 1.0, atol=1e-6)
    assert model.embed_patches(_frames(0)).shape == (0, 4, 4, 16)
    assert model.embed_texts([]).shape == (0, 16)


def test_clip_patches_follow_the_class_token_path(checkpoints):
    """The patch projection is the class token's: applied to the class token it gives the image embedding."""
    model = VisionLanguageModel.from_checkpoint(checkpoints["clip"])
    pixels = model.transform.pixel_values(_frames())
    with torch.inference_mode():
        hidden = model.model.vision_model(pixel_values=pixels).last_hidden_state
        cls = model.model.visual_projection(model.model.vision_model.post_layernorm(hidden[:, 0]))
    cls = torch.nn.functional.normalize(cls, dim=-1).numpy()
    np.testing.assert_allclose(cls, model.embed_images(_frames()), atol=1e-6)


def test_siglip_head_on_one_token_is_its_value_path(checkpoints):
    """Attention over a single token is that token's value projection: out_proj(v_proj(x))."""
    model = VisionLanguageModel.from_checkpoint(checkpoints["siglip"])
    head = model.model.vision_model.head
    pixels = model.transform.pixel_values(_frames(1))
    with torch.inference_mode():
        x = model.model.vision_model(pixel_values=pixels).last_hidden_state[0]   # [16, 16], post_layernorm-ed
        d = x.shape[-1]
        value = torch.nn.functional.linear(x, head.attention.in_proj_weight[2 * d:], head.attention.in_proj_bias[2 * d:])
        pooled = head.attention.out_proj(value)
        pooled = torch.nn.functional.normalize(pooled + head.mlp(head.layernorm(pooled)), dim=-1)
    np.testing.assert_allclose(pooled.numpy().reshape(4, 4, d), model.embed_patches(_frames(1))[0], atol=1e-5)


def test_pinned_similarities(checkpoints):
    """Cosine of 'cut onion' with the first frame and its top-left patch (tiny seeded models; torch 2.13)."""
    pinned = {"clip": (0.1277, 0.3169), "siglip": (0.2592, 0.3004)}
    for family, (image, patch) in pinned.items():
        model = VisionLanguageModel.from_checkpoint(checkpoints[family])
        text = model.embed_texts(["cut onion"])[0]
        assert round(float(model.embed_images(_frames(1))[0] @ text), 4) == image
        assert round(float(model.embed_patches(_frames(1))[0, 0, 0] @ text), 4) == patch


@pytest.mark.parametrize("family", FAMILIES)
def test_batches_padding_and_repeats_do_not_change_embeddings(checkpoints, family):
    one = VisionLanguageModel.from_checkpoint(checkpoints[family], frames_per_batch=1)
    many = VisionLanguageModel.from_checkpoint(checkpoints[family], frames_per_batch=8)
    np.testing.assert_allclose(one.embed_patches(_frames()), many.embed_patches(_frames()), atol=1e-6)
    alone = many.embed_texts(["cut onion"])[0]
    padded = many.embed_texts(["cut onion", "the man puts a red hat on the dog with a ball"])[0]
    np.testing.assert_allclose(alone, padded, atol=1e-6)
    assert np.array_equal(many.embed_patches(_frames()), many.embed_patches(_frames()))  # deterministic on CPU


def test_out_of_memory_halves_frames_per_call(checkpoints, monkeypatch, capsys):
    model = VisionLanguageModel.from_checkpoint(checkpoints["clip"], frames_per_batch=4, runner="clip-heatmap")
    expected = model.embed_patches(_frames(5))
    real = model._patches_call

    def small_memory(frames):
        if len(frames) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real(frames)

    monkeypatch.setattr(model, "_patches_call", small_memory)
    np.testing.assert_allclose(model.embed_patches(_frames(5)), expected, atol=1e-6)
    assert model.batch.size == 2
    assert capsys.readouterr().err == "clip-heatmap: CUDA out of memory: frames per call halved to 2\n"


def test_image_size_override_interpolates_positions(checkpoints):
    model = VisionLanguageModel.from_checkpoint(checkpoints["siglip"], image_size=48)
    assert model.grid_size == (6, 6) and model.interpolate
    assert model.embed_patches(_frames(2)).shape == (2, 6, 6, 16)


def test_bf16_returns_float32(checkpoints):
    model = VisionLanguageModel.from_checkpoint(checkpoints["clip"], precision="bf16")
    assert next(model.model.parameters()).dtype == torch.bfloat16
    assert model.embed_patches(_frames(1)).dtype == np.float32


def test_frames_per_batch_must_be_positive(checkpoints):
    with pytest.raises(OptionError, match="frames_per_batch must be at least 1"):
        VisionLanguageModel.from_checkpoint(checkpoints["clip"], frames_per_batch=0, runner="clip-heatmap")


def _copy(source, target):
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_siglip2_is_refused_in_one_line(checkpoints, tmp_path):
    ckpt = _copy(checkpoints["siglip"], tmp_path / "s2")
    config = json.loads((ckpt / "config.json").read_text())
    (ckpt / "config.json").write_text(json.dumps({**config, "model_type": "siglip2"}))
    with pytest.raises(InputFileError) as caught:
        check_vision_language(ckpt, "clip-heatmap")
    assert str(caught.value).startswith(f"{ckpt / 'config.json'}: clip-heatmap does not run SigLIP 2")
    assert "\n" not in str(caught.value)


def test_sentencepiece_only_siglip_is_refused_naming_the_file(checkpoints, tmp_path):
    ckpt = _copy(checkpoints["siglip"], tmp_path / "sp")
    for name in ("tokenizer.json", "vocab.txt"):
        (ckpt / name).unlink()
    (ckpt / "spiece.model").write_bytes(b"\x00")
    with pytest.raises(InputFileError) as caught:
        check_vision_language(ckpt, "clip-heatmap")
    assert str(caught.value).startswith(f"{ckpt / 'spiece.model'}: SigLIP's sentencepiece tokenizer needs")


def test_a_detector_checkpoint_is_refused(tmp_path):
    from .neural_helpers import tiny_owlv2

    with pytest.raises(InputFileError, match="model_type 'owlv2' is not one clip-heatmap loads"):
        check_vision_language(tiny_owlv2(tmp_path / "owl"), "clip-heatmap")


def test_model_sized_uint8_frames_give_the_same_pixels_up_to_rounding(checkpoints):
    model = VisionLanguageModel.from_checkpoint(checkpoints["clip"])
    resized = model.transform.resized_uint8(_frames())
    assert resized.shape == (3, 32, 32, 3) and resized.dtype == np.uint8
    assert model.transform.resized_uint8(resized) is resized                     # already model-sized
    direct, via_uint8 = model.transform.pixel_values(_frames()), model.transform.pixel_values(resized)
    # rounding to uint8 moves a value by at most half a level: 0.5 / 255 / std (std >= 0.26)
    assert float((direct - via_uint8).abs().max()) <= 0.5 / 255 / 0.26 + 1e-6


@pytest.mark.parametrize("family", FAMILIES)
def test_one_pass_gives_images_and_patches(checkpoints, family):
    model = VisionLanguageModel.from_checkpoint(checkpoints[family], frames_per_batch=2)
    images, patches = model.embed_images_and_patches(_frames())
    np.testing.assert_allclose(images, model.embed_images(_frames()), atol=1e-6)
    np.testing.assert_allclose(patches, model.embed_patches(_frames()), atol=1e-6)
    empty = model.embed_images_and_patches(_frames(0))
    assert (empty[0].shape, empty[1].shape) == ((0, 16), (0, 4, 4, 16))
