"""Options shared by several commands, and turning them into loaded objects."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import OptionError
from ..datasets import REGISTRY, ActionDataset, Dataset, get_adapter, load_dataset
from ..evaluate import Evaluator
from ..evaluate_actions import ActionEvaluator
from ..formats import load_predictions
from ..formats.actions import load_action_predictions


def add_dataset_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument("--dataset", required=required, help=f"one of: {', '.join(REGISTRY)}")
    group.add_argument("--split", help="split (default: test; val for youcook2-interactions)")
    group.add_argument(
        "--annotations", help="annotation file (or directory, for datasets stored as several files)"
    )
    group.add_argument("--vidor-dir", help="VidOR annotation directory (VidSTG official layout)")
    group.add_argument(
        "--no-cache", action="store_true", help="parse the annotations even if a cached parse exists"
    )
    group.add_argument(
        "--segments",
        choices=("ground_seg", "seg"),
        help="GroundingYouTube temporal GT (default ground_seg; seg.json is an earlier variant)",
    )
    group.add_argument(
        "--box-policy", help="GroundingYouTube box defects: drop-inverted (default), drop-defective, clip-to-frame"
    )
    group.add_argument("--durations", help="GroundingYouTube: JSON {video: last second}, else the last annotated")


def add_scoring_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scoring")
    group.add_argument("--protocol", default="dense", help="dense (default), tubedetr or stcat")
    group.add_argument(
        "--format", default="auto", help="auto (default), stvg-bench, tubedetr, stcat or parquet"
    )
    group.add_argument(
        "--thresholds", default="0.3,0.5", help="vIoU@R thresholds, comma-separated (default 0.3,0.5)"
    )
    group.add_argument(
        "--missing",
        default="error",
        choices=("error", "zero", "skip"),
        help="samples without a prediction: error (default), score them 0, or (spatial action tasks) skip them",
    )
    group.add_argument(
        "--interpolate",
        action="store_true",
        help="compat protocols: interpolate frames without a predicted box instead of failing",
    )
    group.add_argument(
        "--task",
        choices=("spatial", "temporal", "spatio-temporal"),
        help="action datasets: the task the predictions answer (VidSTG / HC-STVG: spatio-temporal)",
    )
    group.add_argument(
        "--mask-threshold", type=float, help="action datasets: heatmap value from which a pixel is in the mask"
    )
    group.add_argument("--tube-iou", default="voxel", choices=("voxel", "act"), help="video mAP tube overlap")
    group.add_argument("--frame-map", action="store_true",
                       help="spatio-temporal task: also COCO-style frame mAP of the tube boxes (pycocotools)")


def dataset_from(args: argparse.Namespace) -> Dataset | ActionDataset:
    """Load the dataset named by the options, with a progress bar on a terminal."""
    options = {name: getattr(args, name) for name in ("segments", "box_policy", "durations")
               if getattr(args, name, None) is not None}
    split = args.split if args.split is not None else get_adapter(args.dataset).info.splits[-1]
    return load_dataset(
        args.dataset,
        split,
        args.annotations,
        args.vidor_dir,
        use_cache=not args.no_cache,
        progress=sys.stderr.isatty(),
        **options,
    )


def evaluator_from(args: argparse.Namespace, dataset):
    """The evaluator the options ask for: VidSTG / HC-STVG protocols, or an action task."""
    if isinstance(dataset, ActionDataset):
        if args.task is None:
            raise OptionError(f"{dataset.name}: choose --task ({', '.join(dataset.adapter.info.tasks)})")
        if args.protocol != "dense" or args.interpolate:
            raise OptionError(f"{dataset.name}: --protocol and --interpolate apply to VidSTG and HC-STVG only")
        return ActionEvaluator(dataset, args.task, args.missing, args.mask_threshold, args.tube_iou, args.frame_map)
    if args.task not in (None, "spatio-temporal"):
        raise OptionError(f"{dataset.name} has the spatio-temporal task only")
    if args.missing == "skip":
        raise OptionError("--missing skip applies to the spatial action tasks only")
    return Evaluator(dataset, args.protocol, args.thresholds, args.missing, args.interpolate)


def predictions_from(path: str, dataset, fmt: str):
    """Read a prediction file for ``dataset`` (action formats for the action datasets)."""
    if isinstance(dataset, ActionDataset):
        return load_action_predictions(path, dataset, fmt)
    return load_predictions(path, dataset, fmt)
