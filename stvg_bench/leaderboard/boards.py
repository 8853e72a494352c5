"""The boards: one per dataset and task, with their metrics and how the papers' printed columns map to them.

A board is *scored* when stvg-bench has an adapter for its dataset and a
task for it: its entries with predictions are re-scored under every protocol
of the task. Other boards (datasets without an adapter, settings no protocol
reproduces) show reported numbers only.

Printed metric names are those of the papers' tables (as transcribed); each
maps to one of our result keys. The GroundingYouTube authors' "mAP" is what
their code computes: the pooled IoU > 0.3 accuracy (``iou0.3_accuracy``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import OptionError


@dataclass(frozen=True)
class Metric:
    """A column of a board: our result key, its label, the printed names that mean it, which way is better."""

    name: str
    label: str
    printed: tuple[str, ...] = ()
    higher_is_better: bool = True

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "printed": list(self.printed),
                "higher_is_better": self.higher_is_better}


@dataclass(frozen=True)
class MeanOf:
    """A printed mean that must equal the mean of printed parts (within ``tolerance`` points)."""

    mean: str
    parts: tuple[str, ...]
    tolerance: float

    def describe(self) -> str:
        return f"{self.mean} is printed as the mean of {', '.join(self.parts)}"


@dataclass(frozen=True)
class Board:
    """One leaderboard: a dataset's split, scored with one task (or a reported-only setting).

    ``groups``: the query-type groups shown (``all`` first); ``rank_metrics``: the
    metrics reproduced rows are ranked by, in order of preference (the first every
    ranked row has); ``reported_order``: the (group, metric) cells reported-only rows
    are ordered by, in order of preference.
    """

    dataset: str
    task: str
    title: str
    split: str
    groups: tuple[str, ...]
    metrics: tuple[Metric, ...]
    rank_metrics: tuple[str, ...]
    reported_order: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()
    consistency: tuple[MeanOf, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.dataset}/{self.task}"

    @property
    def slug(self) -> str:
        return self.id.replace("/", "--")

    @property
    def scored(self) -> bool:
        from ..registries import DATASETS, TASKS

        return self.dataset in DATASETS and self.task in TASKS and self.task in DATASETS.info(self.dataset).tasks

    @property
    def protocols(self) -> tuple[str, ...]:
        from ..registries import TASKS

        return TASKS.info(self.task).protocols if self.scored else ()

    def metric_for_printed(self, printed: str) -> Metric | None:
        """The board metric a printed column name means (its own name counts)."""
        return next((m for m in self.metrics if printed == m.name or printed in m.printed), None)

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.name == name)

    def to_dict(self) -> dict:
        return {"id": self.id, "slug": self.slug, "dataset": self.dataset, "task": self.task, "title": self.title,
                "split": self.split, "scored": self.scored, "groups": list(self.groups),
                "metrics": [m.to_dict() for m in self.metrics], "notes": list(self.notes),
                "consistency_checks": [c.describe() for c in self.consistency]}


TUBE_METRICS = (
    Metric("m_tIoU", "m_tIoU"),
    Metric("m_vIoU", "m_vIoU"),
    Metric("vIoU@0.3", "vIoU@0.3"),
    Metric("vIoU@0.5", "vIoU@0.5"),
    Metric("m_gt_vIoU", "m_gt_vIoU (m_sIoU)"),
)
MIXED_EVALUATORS = ("Reported numbers come from the papers' own evaluators, which differ in frame sampling "
                    "(Jin & Mu: 5 fps, at most 200 frames; CG-STVG: 64 frames, STCAT's evaluator): they are not "
                    "comparable across papers, which is why re-scored rows are ranked and reported ones are not.")
VIDEO_MAP = tuple(Metric(f"video_mAP@0.{k}", f"video mAP@0.{k}") for k in range(1, 6))
ACTION_ST_METRICS = (
    Metric("IoU+Pointing", "IoU+Pointing"),
    *VIDEO_MAP,
    Metric("video_mAP", "video mAP@0.1:0.5", printed=("video_mAP@0.1:0.5",)),
)
VIDEO_MAP_MEAN = MeanOf("video_mAP@0.1:0.5", tuple(m.name for m in VIDEO_MAP), tolerance=0.01)
GYT_MAP = ("The GroundingYouTube authors' 'mAP' column is what their code computes: the pooled accuracy of "
           "IoU > 0.3 with the ground-truth box (our iou0.3_accuracy); the class mean over step classes is our "
           "iou0.3_class_mean_accuracy.")
SPATIAL_METRICS = (
    Metric("pointing_accuracy", "pointing accuracy"),
    Metric("iou0.3_accuracy", "IoU>0.3 accuracy ('mAP')", printed=("mAP",)),
    Metric("iou0.3_class_mean_accuracy", "IoU>0.3 class-mean accuracy"),
)
NOT_REGISTERED = "stvg-bench has no adapter for this dataset: reported numbers only."
TRANSFER = ("TubeDETR and STCAT rows are VidSTG-trained checkpoints run by the What-When-Where authors on this "
            "dataset without training on it.")

UNSPECIFIED = ("Group 'unspecified': STPro's 'VidSTG' column, which states no sentence type (it equals the "
               "unweighted mean of declarative and interrogative).")
CLIPS = ("Clip-level setting (paper's Table 7, App. 9.2): 2,895 clips of one step plus equal-length context, the "
         "ground-truth step given as the query. No stvg-bench protocol scores this setting: reported numbers only.")
BACKGROUND = ("The paper does not say whether background seconds count, so these columns are not mapped to our "
              "Jaccard_no_bg / Jaccard_with_bg.")

BOARDS: tuple[Board, ...] = (
    Board("vidstg", "tube-grounding", "VidSTG: spatio-temporal video grounding", "test",
          ("all", "declarative", "interrogative", "unspecified"), TUBE_METRICS, ("m_vIoU", "m_tIoU"),
          (("declarative", "m_vIoU"), ("unspecified", "m_vIoU"), ("interrogative", "m_vIoU")),
          notes=(MIXED_EVALUATORS, UNSPECIFIED)),
    Board("hcstvg-v1", "tube-grounding", "HC-STVG v1: spatio-temporal video grounding", "test", ("all",),
          TUBE_METRICS, ("m_vIoU", "m_tIoU"), (("all", "m_vIoU"),), notes=(MIXED_EVALUATORS,)),
    Board("hcstvg-v2", "tube-grounding", "HC-STVG v2: spatio-temporal video grounding (val)", "val", ("all",),
          TUBE_METRICS, ("m_vIoU", "m_tIoU"), (("all", "m_vIoU"),),
          notes=(MIXED_EVALUATORS, "The test labels are not public: every number is on val.")),
    Board("groundingyoutube", "action-spatio-temporal",
          "GroundingYouTube: spatio-temporal action grounding in untrimmed multi-action videos", "test", ("all",),
          ACTION_ST_METRICS, ("video_mAP", "IoU+Pointing"), (("all", "video_mAP"),),
          notes=("The model chooses the query from the video's pool of action steps (paper's Table 2 setting).",),
          consistency=(VIDEO_MAP_MEAN,)),
    Board("groundingyoutube", "action-spatio-temporal-clips",
          "GroundingYouTube: spatio-temporal action grounding in single-action clips", "clips", ("all",),
          ACTION_ST_METRICS, ("video_mAP", "IoU+Pointing"), (("all", "video_mAP"),),
          notes=(CLIPS, TRANSFER),
          consistency=(VIDEO_MAP_MEAN,)),
    Board("groundingyoutube", "action-spatial", "GroundingYouTube: spatial grounding (trimmed)", "test", ("all",),
          SPATIAL_METRICS, ("pointing_accuracy",), (("all", "pointing_accuracy"),), notes=(GYT_MAP, TRANSFER)),
    Board("youcook2-interactions", "action-spatial", "YouCook2-Interactions: spatial grounding", "val", ("all",),
          SPATIAL_METRICS[:2], ("pointing_accuracy",), (("all", "pointing_accuracy"),), notes=(TRANSFER,)),
    Board("v-hico", "action-spatial", "V-HICO: spatial grounding", "test", ("all",), SPATIAL_METRICS[:2],
          ("pointing_accuracy",), (("all", "pointing_accuracy"),), notes=(NOT_REGISTERED, GYT_MAP, TRANSFER)),
    Board("daly", "action-spatial", "Daly: spatial grounding", "test", ("all",), SPATIAL_METRICS[:2],
          ("pointing_accuracy",), (("all", "pointing_accuracy"),), notes=(NOT_REGISTERED, GYT_MAP, TRANSFER)),
    Board("miningyoutube", "action-temporal", "MiningYouTube: temporal action grounding", "test", ("all",),
          (Metric("Jaccard", "Jaccard (printed 'IoU')"), Metric("IoD", "IoD")), ("Jaccard",), (("all", "Jaccard"),),
          notes=(NOT_REGISTERED, BACKGROUND)),
    Board("synthetic", "tube-grounding", "Synthetic VidSTG-layout split (examples and tests)", "test",
          ("all", "declarative", "interrogative"), TUBE_METRICS, ("m_vIoU", "m_tIoU"), (("all", "m_vIoU"),)),
)
BOARDS_BY_ID = {board.id: board for board in BOARDS}


def board(dataset: str, task: str) -> Board:
    """The board of ``dataset`` and ``task``."""
    try:
        return BOARDS_BY_ID[f"{dataset}/{task}"]
    except KeyError:
        tasks = [b.task for b in BOARDS if b.dataset == dataset]
        raise OptionError(f"no board {dataset}/{task}; {dataset} has "
                          f"{', '.join(tasks) if tasks else 'no board'}") from None


def boards_of(dataset: str) -> tuple[Board, ...]:
    return tuple(b for b in BOARDS if b.dataset == dataset)
