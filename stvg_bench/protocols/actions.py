"""The protocol of the action-grounding tasks (GroundingYouTube, YouCook2-Interactions; docs/METRICS.md §7).

Its fields are the thresholds and rules of the spatial, temporal and
spatio-temporal tasks; every field is read by the task that scores with it.
Choices a user makes per run (the heatmap mask threshold, what to do with
missing predictions, frame mAP, the dataset's box policy) are explicit
options recorded beside the protocol in every result, not protocol fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import THRESHOLD_RULES, ProtocolFields, check_choice

MASK_RULES = THRESHOLD_RULES
TUBE_IOUS = ("voxel", "act")


@dataclass(frozen=True)
class ActionProtocol(ProtocolFields):
    """One named, versioned way of scoring action-grounding predictions.

    Attributes:
        iou_threshold, iou_rule: a predicted box or mask is correct when its IoU
            with the GT box passes the threshold (``"greater"``: IoU > 0.3).
        mask_rule: a heatmap thresholded at ``--mask-threshold t`` keeps the
            pixels with value ``>= t`` (``"greater_equal"``, the GroundingYouTube
            authors' code) or ``> t`` (``"greater"``, as VideoGEM).
        map_thresholds, map_rule: video mAP is computed at each tube-IoU
            threshold θ; a detection is a true positive when its IoU passes θ
            (``"greater_equal"``: IoU >= θ, as the action-detection references).
        tube_iou: ``"voxel"`` (summed box intersections over summed unions) or
            ``"act"`` (temporal IoU x mean per-second IoU, ACT-style).
    """

    family = "actions"

    name: str
    version: int
    description: str
    reproduces: str | None
    iou_threshold: float
    iou_rule: str
    mask_rule: str
    map_thresholds: tuple[float, ...]
    map_rule: str
    tube_iou: str

    def __post_init__(self) -> None:
        check_choice(self.name, "iou_rule", self.iou_rule, THRESHOLD_RULES)
        check_choice(self.name, "mask_rule", self.mask_rule, MASK_RULES)
        check_choice(self.name, "map_rule", self.map_rule, THRESHOLD_RULES)
        check_choice(self.name, "tube_iou", self.tube_iou, TUBE_IOUS)

    def with_tube_iou(self, tube_iou: str) -> ActionProtocol:
        """This protocol with another tube IoU (``--tube-iou``), named ``<name>+tube_iou=<kind>``."""
        check_choice(self.name, "tube_iou", tube_iou, TUBE_IOUS)
        return self.derive(f"tube_iou={tube_iou}", tube_iou=tube_iou)


GYT = ActionProtocol(
    name="gyt",
    version=1,
    description="GroundingYouTube authors' conventions: IoU > 0.3, heatmap masks keep values >= the threshold, "
    "video mAP at tube IoU >= 0.1..0.5 (voxel tube IoU)",
    reproduces="brian7685/GroundingYouTube evaluation code (spatial task); docs/METRICS.md §3-5 otherwise",
    iou_threshold=0.3,
    iou_rule="greater",
    mask_rule="greater_equal",
    map_thresholds=(0.1, 0.2, 0.3, 0.4, 0.5),
    map_rule="greater_equal",
    tube_iou="voxel",
)
