"""Open-vocabulary detectors (Grounding DINO, MM-Grounding-DINO, LLMDet, OWLv2): frames and a text to
each frame's top-k boxes and scores.

``Detector.from_checkpoint(checkpoint_dir, device, precision, image_size)`` loads
one of :data:`DETECTOR_FAMILIES` offline (see :mod:`.checkpoints`);
``detect(frames_uint8, text, frame_size_wh, top_k)`` runs it on frames
(``uint8 [N, H, W, 3]``, RGB) in batches that halve on CUDA out-of-memory and
returns one :class:`FrameCandidates` per frame, in frame order.

Post-processing is done here in torch, as the transformers processors do it
(they would need torchvision or scipy):

* Grounding DINO family: the text is lower-cased and ends with ``" ."``; a query's
  score is the sigmoid of its logits, maximised over the text tokens (padding
  tokens have logit ``-inf``);
* OWLv2: the text is one query (cut to the text model's positions); a patch's
  score is the sigmoid of its logit for that query.

Boxes come out of the model as ``(cx, cy, w, h)`` relative to the frame (Grounding
DINO) or to the frame padded to a square at the bottom and right (OWLv2); they are
returned as ``[x1, y1, x2, y2]`` in pixels of ``frame_size_wh`` (the annotation's
frame size, which decoded frames share up to scale) clipped to the frame.
Candidates are sorted by decreasing score, ties by query index (a stable sort), so
a run is deterministic on CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .batching import BatchSize, map_in_batches
from .checkpoints import CheckpointInfo, inspect_checkpoint, load_model
from .images import ImageTransform
from .precision import check_precision, torch_dtype

DETECTOR_FAMILIES = ("grounding-dino", "owlv2")


class FrameCandidates(NamedTuple):
    """One frame's candidates, best first: ``boxes_xyxy`` ``float64 [k, 4]`` in pixels, ``scores``
    ``float64 [k]`` in [0, 1]."""

    boxes_xyxy: np.ndarray
    scores: np.ndarray


def _gdino_prompt(text: str) -> str:
    prompt = " ".join(text.lower().split()).rstrip(" .")
    return f"{prompt} ."


def _gdino_text_length(config) -> int:
    return int(config.max_text_len)


def _owlv2_text_length(config) -> int:
    return int(config.text_config.max_position_embeddings)


def _gdino_outputs(model, pixel_values, text_inputs: dict):
    """``(scores [B, Q], boxes_cxcywh [B, Q, 4])`` of Grounding DINO: sigmoid, max over text tokens."""
    outputs = model(pixel_values=pixel_values, **text_inputs)
    return outputs.logits.float().sigmoid().amax(dim=-1), outputs.pred_boxes.float()


def _owlv2_outputs(model, pixel_values, text_inputs: dict):
    """``(scores [B, P], boxes_cxcywh [B, P, 4])`` of OWLv2: each patch's sigmoid logit for the query."""
    vision = model.config.vision_config
    resized = tuple(pixel_values.shape[2:]) != (vision.image_size, vision.image_size)
    outputs = model(pixel_values=pixel_values, input_ids=text_inputs["input_ids"],
                    attention_mask=text_inputs["attention_mask"], interpolate_pos_encoding=resized)
    return outputs.logits.float()[..., 0].sigmoid(), outputs.pred_boxes.float()


class _FamilyRule(NamedTuple):
    prompt: Callable[[str], str]
    text_length: Callable[[object], int]
    outputs: Callable


FAMILY_RULES: dict[str, _FamilyRule] = {
    "grounding-dino": _FamilyRule(_gdino_prompt, _gdino_text_length, _gdino_outputs),
    "owlv2": _FamilyRule(str.strip, _owlv2_text_length, _owlv2_outputs),
}


def cxcywh_to_xyxy_pixels(boxes_cxcywh: np.ndarray, scale_xy: tuple[float, float],
                          frame_size_wh: tuple[int, int]) -> np.ndarray:
    """Relative ``(cx, cy, w, h)`` boxes ``[..., 4]`` to ``[x1, y1, x2, y2]`` pixels (``x * sx``, ``y * sy``),
    clipped to ``[0, width] x [0, height]``."""
    boxes = np.asarray(boxes_cxcywh, dtype=np.float64)
    cx, cy, w, h = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    sx, sy = scale_xy
    width, height = frame_size_wh
    xyxy = np.stack([(cx - w / 2) * sx, (cy - h / 2) * sy, (cx + w / 2) * sx, (cy + h / 2) * sy], axis=-1)
    xyxy[..., 0::2] = np.clip(xyxy[..., 0::2], 0.0, float(width))
    xyxy[..., 1::2] = np.clip(xyxy[..., 1::2], 0.0, float(height))
    return xyxy


def top_candidates(scores: np.ndarray, boxes_xyxy: np.ndarray, top_k: int) -> FrameCandidates:
    """The ``top_k`` highest ``scores`` (``[Q]``) with their boxes (``[Q, 4]``), ties kept in query order."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:top_k]
    return FrameCandidates(np.asarray(boxes_xyxy, dtype=np.float64)[order],
                           np.asarray(scores, dtype=np.float64)[order])


class Detector:
    """A loaded open-vocabulary detector on one device; see the module docstring."""

    def __init__(self, info: CheckpointInfo, model, tokenizer, transform: ImageTransform, device: str,
                 precision: str, batch: BatchSize) -> None:
        self.info = info
        self.model = model
        self.tokenizer = tokenizer
        self.transform = transform
        self.device = device
        self.precision = precision
        self.batch = batch
        self.rule = FAMILY_RULES[info.family]

    @classmethod
    def from_checkpoint(cls, checkpoint_dir: str | Path, device: str = "cpu", precision: str = "fp32",
                        image_size: int = 0, frames_per_batch: int = 8, runner: str = "detector",
                        families: tuple[str, ...] = DETECTOR_FAMILIES) -> Detector:
        """Load ``checkpoint_dir`` (one of ``families``) offline; ``image_size`` > 0 overrides the short side
        (Grounding DINO) or square side (OWLv2) of the checkpoint's preprocessing."""
        check_precision(precision, device, runner)
        info = inspect_checkpoint(checkpoint_dir, families, runner)
        model, tokenizer = load_model(info, device, torch_dtype(precision))
        transform = ImageTransform.from_config(info.family, info.image_config, image_size)
        return cls(info, model, tokenizer, transform, device, precision, BatchSize(frames_per_batch, runner))

    def _text_inputs(self, text: str, n_frames: int) -> dict:
        length = self.rule.text_length(self.model.config)
        encoded = self.tokenizer([self.rule.prompt(text)], truncation=True, max_length=length,
                                 return_tensors="pt")
        return {name: value.to(self.device).repeat(n_frames, 1) for name, value in encoded.items()}

    def model_outputs(self, pixel_values, text: str):
        """``(scores [B, Q], boxes_cxcywh [B, Q, 4])`` (torch) of the model on ``pixel_values`` already on the
        device and in its dtype: the forward pass alone, before any post-processing."""
        return self.rule.outputs(self.model, pixel_values, self._text_inputs(text, len(pixel_values)))

    def detect(self, frames_uint8: np.ndarray, text: str, frame_size_wh: tuple[int, int],
               top_k: int) -> list[FrameCandidates]:
        """Per frame of ``frames_uint8`` (``[N, H, W, 3]``), its ``top_k`` candidates for ``text``."""
        import torch

        width, height = frame_size_wh
        scale_xy = self.transform.box_scale(height, width)
        dtype = torch_dtype(self.precision)

        def call(chunk: np.ndarray) -> list[FrameCandidates]:
            pixel_values = self.transform.pixel_values(chunk).to(self.device, dtype)
            with torch.inference_mode():
                scores, boxes = self.model_outputs(pixel_values, text)
            boxes_xyxy = cxcywh_to_xyxy_pixels(boxes.cpu().numpy(), scale_xy, frame_size_wh)
            return [top_candidates(s, b, top_k) for s, b in zip(scores.cpu().numpy(), boxes_xyxy)]

        return map_in_batches(np.asarray(frames_uint8), self.batch, call)
