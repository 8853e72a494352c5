"""Frames (``uint8`` arrays ``[N, H, W, 3]``, RGB) to a model's ``pixel_values`` (``float32 [N, 3, h, w]``).

One rule per family, with the sizes, mean and std read from the checkpoint's
image preprocessing config (so the real checkpoints' 800/1333, 960 or 224 apply):

* ``shortest-edge`` (Grounding DINO): resized keeping the aspect ratio so the short
  side is ``shortest_edge`` and the long side at most ``longest_edge``; model boxes
  are relative to the frame;
* ``pad-square`` (OWLv2): padded at the bottom and right to a square (grey 0.5),
  then resized to ``height`` x ``width``; model boxes are relative to the padded square;
* ``squash`` (CLIP, SigLIP): resized to ``height`` x ``width`` ignoring the aspect
  ratio, so that every patch covers a known part of the whole frame (CLIP's own
  processor centre-crops instead, which would cut off the frame's sides).

Resizing is bilinear with antialiasing (``torch.nn.functional.interpolate``), not
PIL's: the transformers processors would need scipy or torchvision here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULES = ("shortest-edge", "pad-square", "squash")
FAMILY_RULES = {"grounding-dino": "shortest-edge", "owlv2": "pad-square", "clip": "squash", "siglip": "squash"}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ImageTransform:
    """How frames become pixel values: the rule, target sizes in pixels, and per-channel mean and std
    (of values rescaled to [0, 1])."""

    rule: str
    height: int
    width: int
    shortest_edge: int
    longest_edge: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @classmethod
    def from_config(cls, family: str, config: dict, image_size: int = 0) -> ImageTransform:
        """From a ``preprocessor_config.json`` dict; ``image_size`` > 0 overrides the short side (or square
        side) the checkpoint declares."""
        rule = FAMILY_RULES[family]
        size = config.get("crop_size") if rule == "squash" and "crop_size" in config else config.get("size", {})
        size = size if isinstance(size, dict) else {"height": size, "width": size}
        side = int(size.get("height") or size.get("shortest_edge") or 224)
        height, width = (image_size, image_size) if image_size else (side, int(size.get("width") or side))
        shortest = image_size or int(size.get("shortest_edge") or side)
        longest = int(size.get("longest_edge") or 0) or round(shortest * 1333 / 800)
        if image_size and size.get("longest_edge"):
            longest = round(image_size * int(size["longest_edge"]) / int(size.get("shortest_edge") or side))
        mean = tuple(float(v) for v in config.get("image_mean", IMAGENET_MEAN))
        std = tuple(float(v) for v in config.get("image_std", IMAGENET_STD))
        return cls(rule, height, width, shortest, longest, mean, std)

    def output_size(self, frame_height: int, frame_width: int) -> tuple[int, int]:
        """``(h, w)`` of the pixel values for frames of this size."""
        if self.rule != "shortest-edge":
            return self.height, self.width
        scale = min(self.shortest_edge / min(frame_height, frame_width),
                    self.longest_edge / max(frame_height, frame_width))
        return max(1, round(frame_height * scale)), max(1, round(frame_width * scale))

    def box_scale(self, frame_height: int, frame_width: int) -> tuple[float, float]:
        """Factors ``(sx, sy)`` that turn the model's relative boxes into pixels of the frame."""
        if self.rule == "pad-square":
            side = float(max(frame_height, frame_width))
            return side, side
        return float(frame_width), float(frame_height)

    def pixel_values(self, frames: np.ndarray):
        """``float32`` tensor ``[N, 3, h, w]`` of ``frames`` (``uint8 [N, H, W, 3]``, all one size)."""
        import torch
        import torch.nn.functional as F

        images = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float().div_(255.0)
        n, _, height, width = images.shape
        if self.rule == "pad-square":
            side = max(height, width)
            padded = images.new_full((n, 3, side, side), 0.5)
            padded[:, :, :height, :width] = images
            images = padded
        size = self.output_size(height, width)
        if tuple(images.shape[2:]) != size:
            images = F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        return (images - mean) / std

    def resized_uint8(self, frames: np.ndarray) -> np.ndarray:
        """``frames`` (``uint8 [N, H, W, 3]``) resized to :meth:`output_size` by the same interpolation, rounded
        back to ``uint8``: what decode workers hand on, so that batches in flight hold model-sized frames
        (:meth:`pixel_values` then resizes nothing). Not for ``pad-square``, whose padding comes first."""
        import torch
        import torch.nn.functional as F

        if self.rule == "pad-square":
            raise ValueError("pad-square frames are padded before they are resized")
        if not len(frames):
            return frames
        size = self.output_size(*frames.shape[1:3])
        if tuple(frames.shape[1:3]) == size:
            return frames
        images = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
        images = F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)
        return images.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
