"""CLIP and SigLIP (:data:`~baselines.neural.checkpoints.MODEL_FAMILIES` ``clip``, ``siglip``) as embedders
into their joint image-text space: texts, whole images and image patches.

Every embedding is float32 numpy, L2-normalised along its last axis, so a dot
product is a cosine similarity. Frames are ``uint8 [N, H, W, 3]`` RGB, squashed
to the model's square input (:class:`~baselines.neural.images.ImageTransform`
rule ``squash``), so patch ``(i, j)`` of the ``h x w`` grid covers rows
``[i * H / h, (i + 1) * H / h)`` and columns ``[j * W / w, (j + 1) * W / w)`` of
the frame. Model calls go through :func:`~baselines.neural.batching.map_in_batches`
(``frames_per_batch`` images or texts per call, halved on CUDA out-of-memory).

Patches in the joint space:

* CLIP: the vision tower's last hidden states without the class token, through
  ``post_layernorm`` and ``visual_projection`` (the path of the class token);
* SigLIP: the last hidden states (already ``post_layernorm``-ed) through the
  attention-pooling head applied to each patch alone: attention over a single
  token returns its value projection, followed by the head's layer norm and MLP
  residual.

Texts: CLIP pads to the longest text of a call; SigLIP pads to ``max_length``
64 (or the model's position count, if smaller), as it was trained. Texts longer
than the model's positions are truncated.

:meth:`VisionLanguageModel.embed_images_and_patches` gives both from one pass of the vision tower.

Refused by :func:`check_vision_language` (one line naming the file): SigLIP 2
(its variable-resolution patches need another image pipeline), and a SigLIP
checkpoint whose only tokenizer is ``spiece.model`` (it needs the sentencepiece
package, not installed; save a ``tokenizer.json`` with a fast tokenizer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stvg_bench.core.errors import InputFileError

from .batching import BatchSize, map_in_batches
from .checkpoints import CheckpointInfo, inspect_checkpoint, load_model
from .images import ImageTransform
from .precision import torch_dtype

FAMILIES = ("clip", "siglip")
SIGLIP_TEXT_LENGTH = 64


def _sentencepiece_available() -> bool:
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        return False
    return True


def check_vision_language(directory: str | Path, runner: str) -> CheckpointInfo:
    """The checkpoint's :class:`CheckpointInfo` if this module can run it, else an ``InputFileError``."""
    directory = Path(directory)
    spiece = directory / "spiece.model"
    has_fast = any((directory / name).is_file() for name in ("tokenizer.json", "vocab.txt", "vocab.json"))
    if spiece.is_file() and not has_fast and not _sentencepiece_available():
        raise InputFileError("SigLIP's sentencepiece tokenizer needs the sentencepiece package (not installed): "
                             "save a tokenizer.json beside it (AutoTokenizer(..., use_fast=True).save_pretrained)",
                             path=spiece)
    info = inspect_checkpoint(directory, FAMILIES, runner)
    if info.model_type == "siglip2":
        raise InputFileError(f"{runner} does not run SigLIP 2 (variable-resolution patches); use a clip or "
                             "siglip checkpoint", path=directory / "config.json")
    return info


class VisionLanguageModel:
    """A loaded CLIP or SigLIP model; see the module docstring for what each embedding is."""

    def __init__(self, info: CheckpointInfo, model, tokenizer, transform: ImageTransform, dtype, device: str,
                 batch: BatchSize) -> None:
        self.info = info
        self.model = model
        self.tokenizer = tokenizer
        self.transform = transform
        self.dtype = dtype
        self.device = device
        self.batch = batch
        vision = model.config.vision_config
        self.patch_size = int(vision.patch_size)
        self.interpolate = (transform.height, transform.width) != (vision.image_size, vision.image_size)

    @classmethod
    def from_checkpoint(cls, directory: str | Path, device: str = "cpu", precision: str = "fp32",
                        image_size: int = 0, frames_per_batch: int = 8,
                        runner: str = "vision-language") -> VisionLanguageModel:
        """Load ``directory`` on ``device`` in ``precision``; ``image_size`` > 0 overrides the square input side
        (a multiple of the patch size; position embeddings are interpolated)."""
        info = check_vision_language(directory, runner)
        dtype = torch_dtype(precision)
        model, tokenizer = load_model(info, device, dtype)
        transform = ImageTransform.from_config(info.family, info.image_config, image_size)
        return cls(info, model, tokenizer, transform, dtype, device, BatchSize(frames_per_batch, runner))

    @property
    def grid_size(self) -> tuple[int, int]:
        """``(h, w)``: the patch grid of every frame."""
        return self.transform.height // self.patch_size, self.transform.width // self.patch_size

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """``float32 [T, D]``, normalised."""
        return self._stack(map_in_batches(list(texts), self.batch, self._texts_call), 1)

    def embed_images(self, frames: np.ndarray) -> np.ndarray:
        """``float32 [N, D]`` of whole frames (``uint8 [N, H, W, 3]``), normalised."""
        return self._stack(map_in_batches(frames, self.batch, self._images_call), 1)

    def embed_patches(self, frames: np.ndarray) -> np.ndarray:
        """``float32 [N, h, w, D]`` of each frame's patches (``uint8 [N, H, W, 3]``), normalised."""
        return self._stack(map_in_batches(frames, self.batch, self._patches_call), 3)

    @property
    def dimension(self) -> int:
        """``D``: the joint space's size."""
        config = self.model.config
        return int(config.projection_dim if self.info.family == "clip" else config.vision_config.hidden_size)

    def embed_images_and_patches(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`embed_images` and :meth:`embed_patches` of ``frames`` from one pass of the vision tower."""
        pairs = map_in_batches(frames, self.batch, self._images_and_patches_call)
        return self._stack([i for i, _ in pairs], 1), self._stack([p for _, p in pairs], 3)

    def _stack(self, rows: list, dims: int) -> np.ndarray:
        if not rows:
            return np.zeros((0,) + (self.grid_size if dims == 3 else ()) + (self.dimension,), np.float32)
        return np.stack(rows).astype(np.float32)

    def _text_inputs(self, texts):
        positions = int(self.model.config.text_config.max_position_embeddings)
        if self.info.family == "siglip":
            length = min(SIGLIP_TEXT_LENGTH, positions)
            inputs = self.tokenizer(list(texts), padding="max_length", max_length=length, truncation=True,
                                    return_tensors="pt")
        else:
            inputs = self.tokenizer(list(texts), padding=True, max_length=positions, truncation=True,
                                    return_tensors="pt")
        keys = ("input_ids", "attention_mask") if self.info.family == "clip" else ("input_ids",)
        return {k: inputs[k].to(self.device) for k in keys if k in inputs}

    def _pixels(self, frames):
        return self.transform.pixel_values(np.asarray(frames)).to(self.device, self.dtype)

    @staticmethod
    def _normalised(tensor) -> list:
        import torch

        values = torch.nn.functional.normalize(tensor.float(), dim=-1)
        return list(values.cpu().numpy())

    def _texts_call(self, texts) -> list:
        import torch

        with torch.inference_mode():
            return self._normalised(self.model.get_text_features(**self._text_inputs(texts)).pooler_output)

    def _images_call(self, frames) -> list:
        import torch

        with torch.inference_mode():
            output = self.model.get_image_features(pixel_values=self._pixels(frames),
                                                   interpolate_pos_encoding=self.interpolate)
            return self._normalised(output.pooler_output)

    def vision_outputs(self, pixel_values):
        """``(pooled [n, D], patches [n, h, w, D])`` (torch) in the joint space, not normalised, of
        ``pixel_values`` already on the device and in its dtype: the vision tower's forward pass alone."""
        vision = self.model.vision_model(pixel_values=pixel_values, interpolate_pos_encoding=self.interpolate)
        hidden = vision.last_hidden_state
        if self.info.family == "clip":
            pooled = self.model.visual_projection(vision.pooler_output)
            patches = self.model.visual_projection(self.model.vision_model.post_layernorm(hidden[:, 1:]))
        else:
            pooled = vision.pooler_output
            patches = _siglip_head_per_patch(self.model.vision_model.head, hidden)
        return pooled, patches.reshape(len(pixel_values), *self.grid_size, -1)

    def _patches_call(self, frames) -> list:
        import torch

        with torch.inference_mode():
            return self._normalised(self.vision_outputs(self._pixels(frames))[1])

    def _images_and_patches_call(self, frames) -> list:
        import torch

        with torch.inference_mode():
            pooled, patches = self.vision_outputs(self._pixels(frames))
            return list(zip(self._normalised(pooled), self._normalised(patches)))


def _siglip_head_per_patch(head, hidden):
    """SigLIP's attention-pooling head on each token alone: ``[N, P, D]`` -> ``[N, P, D]``."""
    n, p, d = hidden.shape
    tokens = hidden.reshape(n * p, 1, d)
    pooled = head.attention(tokens, tokens, tokens)[0]
    pooled = pooled + head.mlp(head.layernorm(pooled))
    return pooled.reshape(n, p, d)
