"""``convert``: between prediction formats."""

from __future__ import annotations

from ..core.errors import OptionError
from ..datasets import ActionDataset
from ..evaluate import check_against_dataset
from ..formats import REGISTRY, get_format, load_predictions, write_predictions
from ..formats.actions import load_action_predictions, write_action_predictions
from .options import add_dataset_options, dataset_from


def add_commands(commands) -> None:
    convert = commands.add_parser(
        "convert",
        help="convert predictions between formats",
        description="Convert predictions between formats. Sample ids are resolved against --dataset where the "
        "source or target numbers samples its own way (stcat) or must name its dataset (stvg-bench, parquet).",
    )
    convert.add_argument("source")
    convert.add_argument(
        "--from", dest="from_format", default="auto", help=f"auto or one of {', '.join(REGISTRY)}"
    )
    convert.add_argument("--to", dest="to_format", required=True, help=f"one of {', '.join(REGISTRY)}")
    convert.add_argument("--out", required=True, help="output file (.json / .json.gz) or directory (parquet)")
    add_dataset_options(convert, required=False)
    convert.set_defaults(handler=run_convert)


def run_convert(args) -> int:
    dataset = dataset_from(args) if args.dataset else None
    if args.from_format == "gyt-clicks" or isinstance(dataset, ActionDataset):
        return _convert_actions(args, dataset)
    target = get_format(args.to_format)
    if args.from_format != "auto":
        get_format(args.from_format)
    predictions = load_predictions(args.source, dataset, args.from_format)
    if dataset is not None:
        check_against_dataset(dataset, predictions)
    write_predictions(predictions, args.out, target.name, dataset)
    print(f"{args.out}: {predictions.n_samples} samples, {predictions.n_boxes} boxes ({target.name})")
    return 0


def _convert_actions(args, dataset) -> int:
    """Action-grounding predictions (or GroundingYouTube clicks) to the canonical action format."""
    if args.to_format != "stvg-bench":
        raise OptionError("action-grounding predictions convert to --to stvg-bench only")
    predictions = load_action_predictions(args.source, dataset, args.from_format)
    write_action_predictions(predictions, args.out, dataset)
    rows = len(predictions.spatial_group) if predictions.task == "spatial" else len(predictions.label_video)
    print(f"{args.out}: {predictions.task} predictions, {len(predictions.videos)} groups, {rows} seconds (stvg-bench)")
    return 0
