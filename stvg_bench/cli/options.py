"""Options shared by several commands, and turning them into loaded objects."""

from __future__ import annotations

import argparse
import sys

from ..datasets import REGISTRY, Dataset, load_dataset


def add_dataset_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument("--dataset", required=required, help=f"one of: {', '.join(REGISTRY)}")
    group.add_argument("--split", default="test", help="split (default: test)")
    group.add_argument(
        "--annotations", help="annotation file (or directory, for datasets stored as several files)"
    )
    group.add_argument("--vidor-dir", help="VidOR annotation directory (VidSTG official layout)")
    group.add_argument(
        "--no-cache", action="store_true", help="parse the annotations even if a cached parse exists"
    )


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
        choices=("error", "zero"),
        help="samples without a prediction: error (default) or score them 0",
    )
    group.add_argument(
        "--interpolate",
        action="store_true",
        help="compat protocols: interpolate frames without a predicted box instead of failing",
    )


def dataset_from(args: argparse.Namespace) -> Dataset:
    """Load the dataset named by the options, with a progress bar on a terminal."""
    return load_dataset(
        args.dataset,
        args.split,
        args.annotations,
        args.vidor_dir,
        use_cache=not args.no_cache,
        progress=sys.stderr.isatty(),
    )
