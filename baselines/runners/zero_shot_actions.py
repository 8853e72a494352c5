"""Zero-shot CLIP / SigLIP runners for action datasets (GroundingYouTube, YouCook2-Interactions).

One frame per asked second (the ``seconds`` plan: the frame nearest to ``s``
seconds), resized to the model's input in the decode workers (bilinear with
antialiasing, rounded to ``uint8``). Texts are the sample's own: on spatial samples the query of each
second (the step on GroundingYouTube, the segment's sentence on
YouCook2-Interactions), on temporal samples the video's step pool; each is put
into ``prompt`` (``{}`` marks the text) before it is embedded.

* ``clip-heatmap`` (action-spatial): on each queried second, the patch–text
  cosine grid of its frame, min-max normalised to [0, 1]
  (:func:`~baselines.neural.heatmaps.similarity_heatmap`), as a heatmap over the
  annotation's frame size; the scorer points at its upsampled argmax;
* ``gdino-point`` (action-spatial): on each queried second, the top Grounding
  DINO box for its text (:mod:`baselines.neural.detectors`); ``output=point``
  gives the box's centre, ``output=box`` the box itself (the scorer points at
  its centre and also scores its IoU);
* ``clip-steps`` (action-temporal): the whole-frame cosine of every second with
  every step of the pool, smoothed over ``smoothing_s`` seconds, then the best
  step or background below ``background_threshold``
  (:mod:`baselines.neural.step_labels`); background seconds are left out of
  the file (absent = background);
* ``clip-steps+clip-heatmap`` (action-spatio-temporal): ``clip-steps``' labels;
  each labelled second's point is the argmax cell centre of its step's heatmap,
  and each run of one step is a tube scored by the step's mean smoothed cosine
  over the run, whose box on each second encloses the heatmap cells
  ``>= box_threshold``.

A video shorter than its annotation (a second with no frame within half a
second) stops the run with one line naming the video before anything is
predicted from it: no second is guessed. A video without a step pool is all
background.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from stvg_bench.core.errors import OptionError
from stvg_bench.data.actions import BOX, HEATMAP, POINT

from ..neural.heatmaps import argmax_point, hot_box, similarity_heatmap
from ..neural.images import ImageTransform
from ..neural.precision import check_precision
from ..neural.step_labels import BACKGROUND_LABEL, label_spans, smooth, step_labels
from ..outputs import ActionOutput
from ..runner import Runner

FALLBACK = {"short_video": "the run stops with one line naming the video (no second is guessed)",
            "no_step_pool": "every second is background"}
QUERY_TEXT = "the query of each second (GroundingYouTube: its step; YouCook2-Interactions: the segment's sentence)"


class _ModelSizedFrames(Runner):
    """Frames resized to the model's input in the decode workers (:meth:`ImageTransform.resized_uint8`);
    :attr:`input_transform` is set by ``check`` on the driver, before the runner is copied to workers."""

    input_transform: ImageTransform

    def transform_frames(self, frames):
        return replace(frames, rgb=self.input_transform.resized_uint8(frames.rgb))


class _VisionLanguageRunner(_ModelSizedFrames):
    """What the CLIP / SigLIP action runners share: checks, the model, prompted text embeddings."""

    text_rule = QUERY_TEXT

    def check(self) -> None:
        from ..neural.vision_language import check_vision_language

        check_precision(self.parameters["precision"], self.device, self.name)
        if "{}" not in self.parameters["prompt"]:
            raise OptionError(f"{self.name}: --param prompt must contain {{}} where the text goes")
        smoothing = self.parameters.get("smoothing_s", 1)
        if smoothing < 1 or smoothing % 2 == 0:
            raise OptionError(f"{self.name}: --param smoothing_s must be an odd number of seconds, got {smoothing}")
        info = check_vision_language(self.checkpoint.path, self.name)
        size = self.parameters["image_size"]
        patch = int(json.loads((info.path / "config.json").read_text())["vision_config"].get("patch_size", 1))
        if size % patch:
            raise OptionError(f"{self.name}: --param image_size={size} is not a multiple of the patch size "
                              f"{patch} ({info.path / 'config.json'})")
        self.input_transform = ImageTransform.from_config(info.family, info.image_config, size)

    def prepare(self, context) -> dict:
        return {"text": self.text_rule, "fallback": FALLBACK}

    def setup(self) -> None:
        from ..neural.vision_language import VisionLanguageModel

        self.model = VisionLanguageModel.from_checkpoint(
            self.checkpoint.path, self.device, self.parameters["precision"], self.parameters["image_size"],
            self.parameters["frames_per_batch"], self.name)
        self.text_cache: dict[str, np.ndarray] = {}

    def embed_texts(self, texts) -> np.ndarray:
        """``[T, D]`` of the prompted ``texts``. Each text is embedded alone, once per worker, so that its
        embedding does not depend on the texts a worker met before (Ray and local runs give the same bytes)."""
        prompt = self.parameters["prompt"]
        for text in texts:
            if text not in self.text_cache:
                self.text_cache[text] = self.model.embed_texts([prompt.replace("{}", text)])[0]
        return np.stack([self.text_cache[t] for t in texts]) if len(texts) else np.zeros((0, self.model.dimension))

    def smoothed_step_similarity(self, sample, images: np.ndarray) -> np.ndarray:
        """``[S, K]`` smoothed cosine of each asked second's frame (``images [S, D]``) with each pool step."""
        steps = self.embed_texts(list(sample.step_pool))
        return smooth(images.astype(np.float64) @ steps.T.astype(np.float64), self.parameters["smoothing_s"])


class ClipHeatmap(_VisionLanguageRunner):
    name = "clip-heatmap"

    def predict(self, batch):
        outputs = []
        for sample, frames in batch:
            rows = np.searchsorted(frames.planned, sample.seconds)
            patches = self.model.embed_patches(frames.rgb)
            texts = self.embed_texts(list(sample.query_texts))
            grids = [similarity_heatmap(patches[r], text) for r, text in zip(rows.tolist(), texts)]
            n = len(grids)
            outputs.append(ActionOutput(
                spatial_second=np.asarray(sample.seconds, dtype=np.int64),
                spatial_kind=np.full(n, HEATMAP, dtype=np.int8), spatial_point=np.full((n, 2), np.nan),
                spatial_box=np.full((n, 4), np.nan),
                spatial_heatmap_shape=np.array([g.shape for g in grids], dtype=np.int64).reshape(n, 2),
                spatial_heatmap_frame_size=np.tile([sample.frame_width, sample.frame_height], (n, 1)),
                spatial_heatmap_values=np.concatenate([g.ravel() for g in grids]) if grids else np.zeros(0)))
        return outputs


class GdinoPoint(_ModelSizedFrames):
    name = "gdino-point"
    families = ("grounding-dino",)

    def check(self) -> None:
        from ..neural.checkpoints import inspect_checkpoint

        check_precision(self.parameters["precision"], self.device, self.name)
        if "{}" not in self.parameters["prompt"]:
            raise OptionError(f"{self.name}: --param prompt must contain {{}} where the text goes")
        info = inspect_checkpoint(self.checkpoint.path, self.families, self.name)
        self.input_transform = ImageTransform.from_config(info.family, info.image_config, self.parameters["image_size"])

    def prepare(self, context) -> dict:
        return {"text": QUERY_TEXT, "fallback": FALLBACK}

    def setup(self) -> None:
        from ..neural.detectors import Detector

        self.detector = Detector.from_checkpoint(
            self.checkpoint.path, self.device, self.parameters["precision"], self.parameters["image_size"],
            self.parameters["frames_per_batch"], self.name, self.families)

    def top_boxes(self, sample, frames) -> np.ndarray:
        """``[n, 4]`` pixels: the best box of each query row's frame for its text (one call per text)."""
        rows = np.searchsorted(frames.planned, sample.seconds)
        texts = [self.parameters["prompt"].replace("{}", t) for t in sample.query_texts]
        boxes = np.zeros((len(texts), 4))
        size = (sample.frame_width, sample.frame_height)
        for text in sorted(set(texts)):
            asked = np.flatnonzero(np.array(texts, dtype=object) == text)
            found = self.detector.detect(frames.rgb[rows[asked]], text, size, top_k=1)
            boxes[asked] = [candidates.boxes_xyxy[0] for candidates in found]
        return boxes

    def predict(self, batch):
        outputs = []
        as_box = self.parameters["output"] == "box"
        for sample, frames in batch:
            boxes = self.top_boxes(sample, frames)
            n = len(boxes)
            centres = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)
            outputs.append(ActionOutput(
                spatial_second=np.asarray(sample.seconds, dtype=np.int64),
                spatial_kind=np.full(n, BOX if as_box else POINT, dtype=np.int8),
                spatial_point=np.full((n, 2), np.nan) if as_box else centres,
                spatial_box=boxes if as_box else np.full((n, 4), np.nan)))
        return outputs


class ClipSteps(_VisionLanguageRunner):
    name = "clip-steps"
    text_rule = "the video's step pool (vid2step.json, background and repeats left out)"

    def predict(self, batch):
        outputs = []
        for sample, frames in batch:
            labels = step_labels(self.smoothed_step_similarity(sample, self.model.embed_images(frames.rgb)),
                                 self.parameters["background_threshold"])
            kept = np.flatnonzero(labels != BACKGROUND_LABEL)
            outputs.append(ActionOutput(
                label_second=np.asarray(frames.planned, dtype=np.int64)[kept],
                label_step=np.array([sample.step_pool[k] for k in labels[kept].tolist()], dtype=object),
                label_point=np.full((len(kept), 2), np.nan)))
        return outputs


class ClipStepsClipHeatmap(_VisionLanguageRunner):
    name = "clip-steps+clip-heatmap"
    text_rule = ClipSteps.text_rule

    def predict(self, batch):
        outputs = []
        for sample, frames in batch:
            images, patches = self.model.embed_images_and_patches(frames.rgb)
            smoothed = self.smoothed_step_similarity(sample, images)
            labels = step_labels(smoothed, self.parameters["background_threshold"])
            kept = np.flatnonzero(labels != BACKGROUND_LABEL)
            steps = self.embed_texts(list(sample.step_pool))
            grids = [similarity_heatmap(patches[row], steps[labels[row]]) for row in kept.tolist()]
            size = (sample.frame_width, sample.frame_height)
            spans = label_spans(labels, smoothed)
            row_of = {row: i for i, row in enumerate(kept.tolist())}
            box_rows = [row for _, first, last, _ in spans for row in range(first, last + 1)]
            seconds = np.asarray(frames.planned, dtype=np.int64)
            threshold = self.parameters["box_threshold"]
            outputs.append(ActionOutput(
                label_second=seconds[kept],
                label_step=np.array([sample.step_pool[k] for k in labels[kept].tolist()], dtype=object),
                label_point=np.array([argmax_point(g, *size) for g in grids], dtype=np.float64).reshape(-1, 2),
                tube_step=np.array([sample.step_pool[step] for step, *_ in spans], dtype=object),
                tube_score=np.array([score for *_, score in spans], dtype=np.float64),
                tube_box_tube=np.repeat(np.arange(len(spans), dtype=np.int64),
                                        [last - first + 1 for _, first, last, _ in spans]),
                tube_box_second=seconds[box_rows] if box_rows else np.zeros(0, dtype=np.int64),
                tube_box_xyxy=np.array([hot_box(grids[row_of[row]], *size, threshold) for row in box_rows],
                                       dtype=np.float64).reshape(-1, 4)))
        return outputs
