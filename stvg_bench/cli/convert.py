"""``convert``: between prediction formats (of the same family)."""

from __future__ import annotations

from ..core.errors import OptionError
from .options import add_dataset_options, annotation_inputs, dataset_from
from .outputs import DIRECTORY, FILE, Output, check_outputs


def add_commands(commands) -> None:
    convert = commands.add_parser(
        "convert",
        help="convert predictions between formats",
        description="Convert predictions between formats of one family: tubes (stvg-bench, tubedetr, stcat, "
        "parquet) or actions (stvg-bench; gyt-clicks is read only). Sample ids are resolved against --dataset "
        "where the source or target numbers samples its own way (stcat), matches by step (gyt-clicks) or must "
        "name its dataset (stvg-bench, parquet).",
    )
    convert.add_argument("source")
    convert.add_argument("--from", dest="from_format", default="auto",
                         help="auto (default), stvg-bench, tubedetr, stcat, parquet or gyt-clicks")
    convert.add_argument("--to", dest="to_format", required=True, help="stvg-bench, tubedetr, stcat or parquet")
    convert.add_argument("--out", required=True, help="output file (.json / .json.gz) or directory (parquet)")
    add_dataset_options(convert, required=False)
    convert.set_defaults(handler=run_convert)


def run_convert(args) -> int:
    from ..formats import get_format, load_predictions, write_predictions
    from ..registries import FORMATS
    from ..tasks.base import Evaluator

    target = FORMATS.info(args.to_format)  # an unknown target is refused before anything is read
    if not target.writes:
        raise OptionError(f"--to {args.to_format}: that format is read only")
    kind = DIRECTORY if args.to_format == "parquet" else FILE
    check_outputs({"source": args.source, **annotation_inputs(args)}, [Output("--out", args.out, kind)])
    dataset = dataset_from(args, (args.source,)) if args.dataset else None
    predictions = load_predictions(args.source, dataset, args.from_format)
    get_format(args.to_format, predictions.family)  # a target of another family is refused before writing
    if dataset is not None:
        Evaluator(dataset, task=getattr(predictions, "task", None)).check(predictions)
    write_predictions(predictions, args.out, args.to_format, dataset)
    print(f"{args.out}: {predictions.describe()} ({args.to_format})")
    return 0
