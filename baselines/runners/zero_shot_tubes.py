"""Zero-shot tube grounding with an open-vocabulary detector (the W-GDINO recipe): ``gdino-tube`` and
``owlv2-tube``.

Per sample, on every planned frame (:mod:`baselines.plans`, default ``tubedetr``):

1. the detector (:mod:`baselines.neural.detectors`) gets the query (``text``: the
   sentence, or its first noun phrase by :mod:`baselines.neural.phrases`) and keeps
   its ``top_k`` boxes and scores;
2. with ``rescore=clip|siglip``, each frame's candidates are re-ranked by
   :mod:`baselines.neural.rescoring` (crop-sentence similarity, weight ``rescore_weight``);
3. Viterbi linking (:mod:`baselines.neural.linking`) picks one candidate per planned
   frame maximising ``sum score + link_lambda * sum IoU(previous, current)``;
4. the segment rule (:mod:`baselines.neural.segments`; ``segment_rule``,
   ``score_threshold`` tau, ``smoothing``) on the linked scores gives the half-open
   segment ``[start, end_exclusive)``, inside the input segment.

The prediction has the linked box on every planned frame (``[x1, y1, x2, y2]`` in
pixels of the annotation frame size) and that segment. A sample without planned
frames gets the input segment and no box.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stvg_bench.core.errors import OptionError

from ..neural.checkpoints import inspect_checkpoint
from ..neural.linking import link_tube
from ..neural.phrases import first_noun_phrase
from ..neural.precision import check_precision
from ..neural.segments import segment_from_scores
from ..outputs import TubeOutput
from ..runner import RunContext, Runner

QUERY_TEXTS = {"sentence": lambda sentence: sentence, "noun-phrase": first_noun_phrase}


class ZeroShotTube(Runner):
    """The recipe of the module docstring with a detector of :attr:`families`."""

    families: tuple[str, ...]

    def check(self) -> None:
        p = self.parameters
        for name, least in (("top_k", 1), ("smoothing", 1)):
            if p[name] < least:
                raise OptionError(f"{self.name}: --param {name} must be at least {least}, got {p[name]}")
        check_precision(p["precision"], self.device, self.name)
        self.detector_info = inspect_checkpoint(self.checkpoint.path, self.families, self.name)
        self.rescorer_info = None
        if p["rescore"] == "none":
            if p["rescore_checkpoint"]:
                raise OptionError(f"{self.name}: --param rescore_checkpoint needs --param rescore=clip|siglip")
            return
        from ..neural.vision_language import check_vision_language

        if not p["rescore_checkpoint"]:
            raise OptionError(f"{self.name}: --param rescore={p['rescore']} needs --param rescore_checkpoint=DIR")
        self.rescorer_info = check_vision_language(p["rescore_checkpoint"], self.name)
        if self.rescorer_info.family != p["rescore"]:
            raise OptionError(f"{self.name}: --param rescore={p['rescore']} but {p['rescore_checkpoint']} is a "
                              f"{self.rescorer_info.family} checkpoint")

    def prepare(self, context: RunContext) -> dict:
        from ..run.keys import hash_checkpoint

        fitted = {"detector": {"family": self.detector_info.family, "model_type": self.detector_info.model_type,
                               "class": self.detector_info.class_name}}
        if self.rescorer_info is not None:
            rescorer = hash_checkpoint(self.rescorer_info.path)
            fitted["rescorer"] = {"model_type": self.rescorer_info.model_type, "path": str(rescorer.path),
                                  "sha256": rescorer.sha256}
        return fitted

    def setup(self) -> None:
        from ..neural.detectors import Detector

        p = self.parameters
        self.detector = Detector.from_checkpoint(self.checkpoint.path, self.device, p["precision"], p["image_size"],
                                                 p["frames_per_batch"], self.name, self.families)
        self.rescorer = None
        if p["rescore"] != "none":
            from ..neural.rescoring import CropRescorer
            from ..neural.vision_language import VisionLanguageModel

            model = VisionLanguageModel.from_checkpoint(Path(p["rescore_checkpoint"]), self.device, p["precision"],
                                                        frames_per_batch=p["frames_per_batch"], runner=self.name)
            self.rescorer = CropRescorer(model, p["rescore_weight"])

    def predict(self, batch):
        return [self._predict_one(sample, frames) for sample, frames in batch]

    def _predict_one(self, sample, frames) -> TubeOutput:
        p = self.parameters
        start, end = sample.segment_start_frame, sample.segment_end_frame_exclusive
        if len(frames) == 0:
            return TubeOutput(start, end)
        frame_size_wh = (sample.width, sample.height)
        query = QUERY_TEXTS[p["text"]](sample.sentence)
        candidates = self.detector.detect(frames.rgb, query, frame_size_wh, p["top_k"])
        if self.rescorer is not None:
            candidates = self.rescorer.rescore(frames.rgb, candidates, sample.sentence, frame_size_wh)
        tube = link_tube([c.boxes_xyxy for c in candidates], [c.scores for c in candidates], p["link_lambda"])
        segment = segment_from_scores(frames.planned, tube.scores, start, end, p["segment_rule"],
                                      p["score_threshold"], p["smoothing"])
        return TubeOutput(*segment, np.asarray(frames.planned, dtype=np.int64), tube.boxes_xyxy)


class GdinoTube(ZeroShotTube):
    name = "gdino-tube"
    families = ("grounding-dino",)


class Owlv2Tube(ZeroShotTube):
    name = "owlv2-tube"
    families = ("owlv2",)
