"""Options shared by several commands, and turning them into loaded objects through the registries.

Nothing is imported from the scoring code until a command runs, so that
``--help`` and the listing commands stay fast.
"""

from __future__ import annotations

import argparse
import sys

from ..core.numbers import number

TASK_OPTIONS = ("thresholds", "missing", "interpolate", "mask_threshold", "tube_iou", "frame_map")


def add_dataset_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument("--dataset", required=required, help="a registered dataset ('stvg-bench datasets' lists "
                       "them: vidstg, hcstvg-v1, hcstvg-v2, groundingyoutube, youcook2-interactions, synthetic)")
    add_annotation_options(group)


def add_annotation_options(group) -> None:
    """Where a dataset's annotations are and how they are read (``score``, ``convert``, ``datasets check``)."""
    group.add_argument("--split", help="split (default: the dataset's evaluation split: test for vidstg, "
                       "hcstvg-v1 and groundingyoutube; val for hcstvg-v2 and youcook2-interactions)")
    group.add_argument("--annotations", help="annotation file (or directory, for datasets stored as several "
                       "files); a pipe works, e.g. --annotations <(zcat test.json.gz)")
    group.add_argument("--vidor-dir", help="VidOR annotation directory (VidSTG official layout)")
    group.add_argument("--no-cache", action="store_true", help="parse the annotations even if a cached parse exists")
    group.add_argument("--segments", choices=("ground_seg", "seg"),
                       help="GroundingYouTube temporal GT (default ground_seg; seg.json is an earlier variant)")
    group.add_argument("--box-policy", help="GroundingYouTube box defects: drop-inverted (default), drop-defective, "
                       "clip-to-frame")
    group.add_argument("--durations", help="GroundingYouTube: JSON {video: last second}, else the last annotated")
    group.add_argument("--max-input-mb", type=number, help="refuse any input (or gzip content) larger than this "
                       "many MB, checked while reading (default 4096)")


def annotation_inputs(args: argparse.Namespace) -> dict:
    """The annotation inputs given on the command line, by option (for the output checks)."""
    return {option: getattr(args, option[2:].replace("-", "_"), None)
            for option in ("--annotations", "--vidor-dir", "--durations")}


def add_scoring_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scoring")
    group.add_argument("--task", help="the task the predictions answer: spatio-temporal (VidSTG, HC-STVG; the "
                       "default there), or spatial, temporal, spatio-temporal (action datasets); "
                       "'stvg-bench tasks' lists them")
    group.add_argument("--protocol", help="a registered protocol (default: the task's: dense for VidSTG and "
                       "HC-STVG, gyt for the action datasets; 'stvg-bench protocols' lists them)")
    group.add_argument("--format", default="auto",
                       help="auto (default), stvg-bench, tubedetr, stcat, parquet or gyt-clicks")
    group.add_argument("--thresholds", help="VidSTG / HC-STVG: vIoU@R thresholds, comma-separated (default 0.3,0.5)")
    group.add_argument("--missing", help="samples (videos, queries) without a prediction: error (default), zero "
                       "(scored 0, counted), or skip (spatial action task: left out, counted)")
    group.add_argument("--interpolate", action="store_true",
                       help="VidSTG / HC-STVG compat protocols: interpolate frames without a predicted box "
                       "(a derived protocol, <name>+interpolate)")
    group.add_argument("--mask-threshold", type=number,
                       help="spatial action task: heatmap value from which a pixel is in the mask")
    group.add_argument("--tube-iou", help="spatio-temporal action task: video mAP tube overlap, voxel (the "
                       "protocol's) or act (a derived protocol)")
    group.add_argument("--frame-map", action="store_true",
                       help="spatio-temporal action task: also COCO-style frame mAP of the tube boxes (pycocotools)")


def dataset_from(args: argparse.Namespace, predictions: tuple = ()):
    """Load the dataset named by the options, with a progress bar on a terminal. An inferred split is printed
    on stdout, before the results (stderr carries nothing but an error's one line). Without ``--split`` and
    without a split the annotations tell, the one the ``predictions`` files declare (all the same) is used."""
    from ..datasets import load_dataset

    options = {name: getattr(args, name) for name in ("segments", "box_policy", "durations")
               if getattr(args, name, None) is not None}
    dataset = load_dataset(args.dataset, args.split, args.annotations, args.vidor_dir, use_cache=not args.no_cache,
                           progress=sys.stderr.isatty(), split_hint=declared_split_of(predictions), **options)
    if dataset.split_inferred_from is not None:
        print(f"split {dataset.split} (inferred from {dataset.split_inferred_from})")
    return dataset


def declared_split_of(predictions: tuple) -> tuple[str, str] | None:
    """``(split, where)`` when every prediction file declares the same split, else None."""
    if not predictions:
        return None
    from ..formats.envelope import declared_split

    declared = {declared_split(path) for path in predictions}
    if len(declared) != 1 or None in declared:
        return None
    names = " and ".join(str(p) for p in predictions)
    return declared.pop(), f"the predictions' envelope ({names})"


def task_options(args: argparse.Namespace) -> dict:
    """The task options given on the command line (flags not given are left to the task's defaults)."""
    given = {name: getattr(args, name) for name in TASK_OPTIONS}
    return {name: value for name, value in given.items() if value is not None and value is not False}


def plan_from(args: argparse.Namespace):
    """The task, options and protocol asked for, checked before any file is read."""
    from ..tasks.base import ScoringPlan

    return ScoringPlan.resolve(args.dataset, args.protocol, args.task, **task_options(args))


def evaluator_from(args: argparse.Namespace, dataset):
    """The evaluator of the task, protocol and options asked for (each refuses what does not apply to it)."""
    from ..tasks.base import Evaluator

    return Evaluator(dataset, args.protocol, args.task, **task_options(args))


def predictions_from(path: str, dataset, fmt: str):
    """Read a prediction file for ``dataset`` (formats of the dataset's family)."""
    from ..formats import load_predictions

    return load_predictions(path, dataset, fmt)
