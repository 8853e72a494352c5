"""Re-ranking a frame's detector candidates by CLIP or SigLIP similarity between each box's crop and the
sentence (:mod:`.vision_language` embeddings).

A candidate's new score is ``alpha * detection + (1 - alpha) * (1 + cos) / 2``
with ``cos`` the cosine similarity of its crop's and the sentence's normalised
embeddings (so both terms lie in [0, 1]); candidates are re-sorted by it (ties
keep the detector's order). Boxes are in pixels of the annotation frame size
``(width, height)``; the crop is taken from the decoded frame at the same
relative place, ``[floor(x1), ceil(x2)) x [floor(y1), ceil(y2))`` after scaling,
at least one pixel, and resized (bilinear, antialiased) to the model's square input.
"""

from __future__ import annotations

import numpy as np

from .detectors import FrameCandidates
from .vision_language import VisionLanguageModel


def crop_pixels(frame_uint8: np.ndarray, box_xyxy: np.ndarray, frame_size_wh: tuple[int, int]) -> np.ndarray:
    """The part of ``frame_uint8`` (``[H, W, 3]``) under ``box_xyxy`` (pixels of ``frame_size_wh``)."""
    height, width = frame_uint8.shape[:2]
    sx, sy = width / frame_size_wh[0], height / frame_size_wh[1]
    x1 = min(max(int(np.floor(box_xyxy[0] * sx)), 0), width - 1)
    y1 = min(max(int(np.floor(box_xyxy[1] * sy)), 0), height - 1)
    x2 = max(min(int(np.ceil(box_xyxy[2] * sx)), width), x1 + 1)
    y2 = max(min(int(np.ceil(box_xyxy[3] * sy)), height), y1 + 1)
    return frame_uint8[y1:y2, x1:x2]


def resized_crops(crops: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """``uint8 [N, height, width, 3]``: each crop resized bilinearly (antialiased)."""
    import torch
    import torch.nn.functional as F

    resized = []
    for crop in crops:
        image = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1)[None].float()
        image = F.interpolate(image, size=(height, width), mode="bilinear", antialias=True, align_corners=False)
        resized.append(image[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy())
    return np.stack(resized) if resized else np.zeros((0, height, width, 3), np.uint8)


def blended_scores(detection: np.ndarray, cosine: np.ndarray, alpha: float) -> np.ndarray:
    """``alpha * detection + (1 - alpha) * (1 + cosine) / 2``."""
    return alpha * np.asarray(detection, np.float64) + (1 - alpha) * (1 + np.asarray(cosine, np.float64)) / 2


class CropRescorer:
    """Re-ranks candidates with a loaded :class:`VisionLanguageModel`; ``alpha`` weighs the detector's score."""

    def __init__(self, model: VisionLanguageModel, alpha: float) -> None:
        self.model = model
        self.alpha = alpha

    def rescore(self, frames_uint8: np.ndarray, candidates: list[FrameCandidates], sentence: str,
                frame_size_wh: tuple[int, int]) -> list[FrameCandidates]:
        """``candidates`` of each frame of ``frames_uint8``, re-scored and re-sorted (see the module docstring)."""
        (text,) = self.model.embed_texts([sentence])
        crops = [crop_pixels(frame, box, frame_size_wh)
                 for frame, found in zip(frames_uint8, candidates) for box in found.boxes_xyxy]
        transform = self.model.transform
        embeddings = self.model.embed_images(resized_crops(crops, transform.height, transform.width))
        cosine = embeddings.astype(np.float64) @ text.astype(np.float64)
        rescored, offset = [], 0
        for found in candidates:
            scores = blended_scores(found.scores, cosine[offset: offset + len(found.scores)], self.alpha)
            offset += len(found.scores)
            order = np.argsort(-scores, kind="stable")
            rescored.append(FrameCandidates(found.boxes_xyxy[order], scores[order]))
        return rescored
