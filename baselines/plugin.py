"""The built-in runners, registered in :data:`stvg_bench.registries.BASELINES` by the ``stvg_bench.plugins``
entry point of this package (``pyproject.toml``). Entries are lazy: listing them imports no runner module."""

from __future__ import annotations

from .info import ParameterSpec, RunnerInfo
from .neural.batching import FRAMES_PER_BATCH
from .neural.precision import PRECISION

FRAME_PLAN = ParameterSpec(
    "frame_plan", "tubedetr", "frame-plan",
    "frames given a box, over the input segment: tubedetr (exactly the frames the tubedetr protocol "
    "scores), fps:N (TubeDETR's sampling at N fps) or every[:K] (every K-th frame)")
MAX_FRAMES = ParameterSpec(
    "max_frames", 0, "integer",
    "at most this many planned frames per sample, kept uniformly by TubeDETR's rule (0: no cap; "
    "not with tubedetr, which has its own 200)")
FIT_SPLIT = ParameterSpec(
    "fit_split", "", "text",
    "the split fitted on (default: the dataset's rule, see the README; never the scored split)")
BOX_FRACTION = ParameterSpec(
    "box_fraction", 1.0, "fraction",
    "tube boxes: a centred box of this fraction of the frame's width and height (1: the whole frame)")

ALLOW_OTHER_COMMIT = ParameterSpec(
    "allow_other_commit", False, "boolean",
    "external runners: run a --repo checkout at another commit than the pinned one (warns; the commit is "
    "in the manifest) instead of refusing it")
IMAGE_SIZE = ParameterSpec(
    "image_size", 0, "integer",
    "square model input side in pixels, a multiple of the patch size (0: the checkpoint's; frames are squashed)")
PROMPT = ParameterSpec("prompt", "{}", "text", "the text embedded for a step or sentence; {} marks where it goes")
BACKGROUND_THRESHOLD = ParameterSpec(
    "background_threshold", 0.2, "number",
    "a second whose best smoothed frame-step cosine is below this is background")
SMOOTHING = ParameterSpec("smoothing_s", 3, "integer",
                          "frame-step cosines averaged over a centred window of this many seconds (odd; 1: none)")
BOX_THRESHOLD = ParameterSpec(
    "box_threshold", 0.5, "fraction",
    "tube boxes enclose the heatmap cells at least this hot (the heatmap is min-max normalised to [0, 1])")

DETECTOR_IMAGE_SIZE = ParameterSpec("image_size", 0, "integer",
                                    "the detector's input short side in pixels (0: the checkpoint's)")
SPATIAL_OUTPUT = ParameterSpec("output", "point", "text", "point: the top box's centre; box: the box itself",
                               choices=("point", "box"))

_TUBE_PLAN = (FRAME_PLAN, MAX_FRAMES)
_MODEL = (PRECISION, FRAMES_PER_BATCH, IMAGE_SIZE, PROMPT)
_STEPS = (*_MODEL, BACKGROUND_THRESHOLD, SMOOTHING)
_NEURAL_NEEDS = ("videos", "checkpoint")


def _zero_shot_tube_parameters(score_threshold: float) -> tuple[ParameterSpec, ...]:
    """The parameters of gdino-tube and owlv2-tube (see baselines/runners/zero_shot_tubes.py)."""
    return (
        *_TUBE_PLAN,
        ParameterSpec("text", "sentence", "text", "the detector's query: the sentence, or its first noun "
                      "phrase (rule-based, from the text only)", choices=("sentence", "noun-phrase")),
        ParameterSpec("top_k", 5, "integer", "candidate boxes kept per planned frame (at least 1)"),
        ParameterSpec("link_lambda", 1.0, "number", "Viterbi linking: weight of the IoU between consecutive "
                      "boxes against the detection scores"),
        ParameterSpec("score_threshold", score_threshold, "number",
                      "segment rule threshold tau on the linked tube's smoothed scores"),
        ParameterSpec("smoothing", 5, "integer", "moving-average window over planned frames before the "
                      "segment rule (1: none)"),
        ParameterSpec("segment_rule", "max-sum", "text", "max-sum: the run maximising the sum of "
                      "score - tau; longest-run: the longest run of scores >= tau",
                      choices=("max-sum", "longest-run")),
        ParameterSpec("image_size", 0, "integer", "the detector's input short side (Grounding DINO) or "
                      "square side (OWLv2) in pixels (0: the checkpoint's)"),
        PRECISION,
        FRAMES_PER_BATCH,
        ParameterSpec("rescore", "none", "text", "re-rank each frame's candidates by crop-sentence "
                      "similarity of a CLIP or SigLIP model before linking",
                      choices=("none", "clip", "siglip")),
        ParameterSpec("rescore_checkpoint", "", "text",
                      "the CLIP or SigLIP checkpoint directory (with rescore)"),
        ParameterSpec("rescore_weight", 0.5, "fraction", "rescore: weight alpha of the detection score "
                      "(1 - alpha for the crop similarity)"),
    )


_ZERO_SHOT_TUBES = "baselines.runners.zero_shot_tubes"
_TUBES = "baselines.runners.tube_priors"
_ACTIONS = "baselines.runners.action_priors"
_EXTERNAL = "baselines.runners.external_peers"


def _external(description: str) -> RunnerInfo:
    return RunnerInfo(description=description + " (published code in its own environment: --repo, --python, "
                      "--checkpoint FILE; see the README)", version=1, task="tube-grounding", family="tubes",
                      kind="external", needs=("checkpoint",), parameters=(ALLOW_OTHER_COMMIT,),
                      default_batch_size=100_000)
_ZS_ACTIONS = "baselines.runners.zero_shot_actions"

RUNNERS: tuple[tuple[str, str, RunnerInfo], ...] = (
    ("full-frame", f"{_TUBES}:FullFrame", RunnerInfo(
        description="segment = the input segment, box = the whole frame on every planned frame",
        version=1, task="tube-grounding", family="tubes", kind="prior", needs=(), parameters=_TUBE_PLAN)),
    ("center-box", f"{_TUBES}:CenterBox", RunnerInfo(
        description="segment = the input segment, box = a centred box of the mean ground-truth box size "
        "(relative to the frame) of another split",
        version=1, task="tube-grounding", family="tubes", kind="prior", needs=("other split",),
        parameters=(*_TUBE_PLAN, FIT_SPLIT))),
    ("temporal-prior", f"{_TUBES}:TemporalPrior", RunnerInfo(
        description="segment = the mean relative position of the ground truth inside the input segment on "
        "another split, box = the whole frame",
        version=1, task="tube-grounding", family="tubes", kind="prior", needs=("other split",),
        parameters=(*_TUBE_PLAN, FIT_SPLIT))),
    ("gt-segment+full-frame", f"{_TUBES}:GtSegmentFullFrame", RunnerInfo(
        description="ORACLE: segment = the ground-truth segment, box = the whole frame",
        version=1, task="tube-grounding", family="tubes", kind="oracle", needs=(), parameters=_TUBE_PLAN)),
    ("gt-segment+center-box", f"{_TUBES}:GtSegmentCenterBox", RunnerInfo(
        description="ORACLE: segment = the ground-truth segment, box = center-box's box (fitted on another split)",
        version=1, task="tube-grounding", family="tubes", kind="oracle", needs=("other split",),
        parameters=(*_TUBE_PLAN, FIT_SPLIT))),
    ("center-point", f"{_ACTIONS}:CenterPoint", RunnerInfo(
        description="the frame's centre on every queried second",
        version=1, task="action-spatial", family="actions", kind="prior", needs=("frame sizes",))),
    ("uniform-steps", f"{_ACTIONS}:UniformSteps", RunnerInfo(
        description="the video's step pool (vid2step, in its order, without background) spread evenly "
        "over the video's seconds",
        version=1, task="action-temporal", family="actions", kind="prior", needs=())),
    ("uniform-steps+center-point", f"{_ACTIONS}:UniformStepsCenterPoint", RunnerInfo(
        description="uniform-steps' labels with the frame's centre as point, and one tube per step span "
        "(centred boxes, score 1) for video mAP",
        version=1, task="action-spatio-temporal", family="actions", kind="prior", needs=("frame sizes",),
        parameters=(BOX_FRACTION,))),
    ("tubedetr", f"{_EXTERNAL}:TubeDetr", _external("TubeDETR (CVPR 2022), antoyang/TubeDETR@d70c0ee")),
    ("stcat", f"{_EXTERNAL}:Stcat", _external("STCAT (NeurIPS 2022), jy0205/STCAT@400f548")),
    ("cg-stvg", f"{_EXTERNAL}:CgStvg", _external("CG-STVG (CVPR 2024), HengLan/CGSTVG@f062d84")),
    ("ta-stvg", f"{_EXTERNAL}:TaStvg", _external("TA-STVG (ICLR 2025), HengLan/TA-STVG@e3d7442")),
    ("gdino-tube", f"{_ZERO_SHOT_TUBES}:GdinoTube", RunnerInfo(
        description="Grounding DINO (or MM-Grounding-DINO, LLMDet) boxes per planned frame, linked into a "
        "tube by Viterbi (score + lambda IoU), the segment by a rule on the linked scores (W-GDINO recipe)",
        version=1, task="tube-grounding", family="tubes", kind="zero-shot", needs=("videos", "checkpoint"),
        parameters=_zero_shot_tube_parameters(0.3), default_batch_size=1)),
    ("owlv2-tube", f"{_ZERO_SHOT_TUBES}:Owlv2Tube", RunnerInfo(
        description="gdino-tube's recipe with OWLv2 boxes",
        version=1, task="tube-grounding", family="tubes", kind="zero-shot", needs=("videos", "checkpoint"),
        parameters=_zero_shot_tube_parameters(0.1), default_batch_size=1)),
    ("clip-heatmap", f"{_ZS_ACTIONS}:ClipHeatmap", RunnerInfo(
        description="CLIP/SigLIP patch-text cosine of each queried second's frame with its step (or sentence), "
        "min-max normalised: a heatmap (the scorer points at its argmax)",
        version=1, task="action-spatial", family="actions", kind="zero-shot",
        needs=(*_NEURAL_NEEDS, "frame sizes"), parameters=_MODEL, default_batch_size=2)),
    ("gdino-point", f"{_ZS_ACTIONS}:GdinoPoint", RunnerInfo(
        description="the top Grounding DINO box of each queried second's frame for its step (or sentence): its "
        "centre as the point (or the box)",
        version=1, task="action-spatial", family="actions", kind="zero-shot",
        needs=(*_NEURAL_NEEDS, "frame sizes"), parameters=(PRECISION, FRAMES_PER_BATCH, DETECTOR_IMAGE_SIZE, PROMPT, SPATIAL_OUTPUT), default_batch_size=2)),
    ("clip-steps", f"{_ZS_ACTIONS}:ClipSteps", RunnerInfo(
        description="CLIP/SigLIP frame cosine of every second with every step of the video's pool, smoothed; "
        "the best step, or background below a threshold",
        version=1, task="action-temporal", family="actions", kind="zero-shot", needs=_NEURAL_NEEDS,
        parameters=_STEPS, default_batch_size=2)),
    ("clip-steps+clip-heatmap", f"{_ZS_ACTIONS}:ClipStepsClipHeatmap", RunnerInfo(
        description="clip-steps' labels, each labelled second pointed at by its step's clip-heatmap argmax; one "
        "tube per run of a step, scored by its mean cosine, boxes around the hot heatmap cells",
        version=1, task="action-spatio-temporal", family="actions", kind="zero-shot",
        needs=(*_NEURAL_NEEDS, "frame sizes"), parameters=(*_STEPS, BOX_THRESHOLD), default_batch_size=2)),
)


def register(registries) -> None:
    """Add the built-in runners to ``registries.BASELINES`` (the ``stvg_bench.plugins`` hook)."""
    for name, reference, info in RUNNERS:
        registries.BASELINES.register(name, reference, info, origin="baselines")
