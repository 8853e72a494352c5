"""``score``, ``validate`` and ``compare``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import OptionError
from .options import (
    add_dataset_options,
    add_scoring_options,
    annotation_inputs,
    dataset_from,
    evaluator_from,
    plan_from,
    predictions_from,
)
from .outputs import DIRECTORY, Output, check_outputs


def add_commands(commands) -> None:
    score = commands.add_parser("score", help="score a prediction file", description="Score a prediction file.")
    score.add_argument("predictions", help="prediction file (.json, .json.gz) or Parquet directory")
    add_dataset_options(score)
    add_scoring_options(score)
    score.add_argument("--ci", action=argparse.BooleanOptionalAction, default=True,
                       help="95%% bootstrap intervals (default: on; --no-ci skips them)")
    score.add_argument("--out", help="write the results here (stvg-bench/results version 2, JSON)")
    score.add_argument("--per-sample", help="write one row per query here (.csv or .parquet): VidSTG / HC-STVG "
                       "sentences with segments, tIoU, vIoU; action spatial (video, second, step) with point, box, "
                       "hit, IoU; per video for the temporal action tasks")
    score.add_argument("--per-frame", help="tube tasks: write one row per scored ground-truth frame here (.csv or "
                       ".parquet): both boxes and their IoU")
    score.add_argument("--plot", metavar="DIR", help="write the result's plots here, SVG and PNG (the plot extra: "
                       "matplotlib)")
    score.set_defaults(handler=run_score)

    validate = commands.add_parser("validate", help="check a prediction file without scoring it",
                                   description="Check a prediction file against a dataset, task and protocol.")
    validate.add_argument("predictions")
    add_dataset_options(validate)
    add_scoring_options(validate)
    validate.set_defaults(handler=run_validate)

    compare = commands.add_parser("compare", help="paired bootstrap comparison of two prediction files",
                                  description="Compare A and B on the same samples (paired bootstrap of A - B).")
    compare.add_argument("a")
    compare.add_argument("b")
    add_dataset_options(compare)
    add_scoring_options(compare)
    compare.add_argument("--out", help="write the comparison (JSON) here")
    compare.epilog = ("--missing skip compares only the samples (videos, for the action tasks) both submissions "
                      "predicted, and says how many were left out")
    compare.set_defaults(handler=run_compare)


def run_score(args) -> int:
    from ..results.io import check_table_path, result_document, write_json, write_per_frame, write_per_sample
    from ..results.report import console, print_score

    plan = plan_from(args)
    check_outputs({"predictions": args.predictions, **annotation_inputs(args)}, [
        Output("--out", args.out), Output("--per-sample", args.per_sample), Output("--per-frame", args.per_frame),
        Output("--plot", args.plot, DIRECTORY)])
    for option, path in (("--per-sample", args.per_sample), ("--per-frame", args.per_frame)):
        if path:
            check_table_path(path, option)
    if args.per_frame and not plan.task.per_frame_columns:
        raise OptionError(f"--per-frame: the {plan.task.name} task has no frame-level scores (tube tasks only)")
    if args.plot:
        from ..results.plotting import require_matplotlib

        require_matplotlib("--plot", "plot")
    dataset = dataset_from(args, (args.predictions,))
    evaluator = evaluator_from(args, dataset)
    predictions = predictions_from(args.predictions, dataset, args.format)
    result = evaluator.score(predictions, ci=args.ci).with_provenance(command=args.command_line)
    if args.per_frame and result.per_frame is None:
        raise OptionError(f"--per-frame: {dataset.name} {dataset.split} has no ground-truth boxes here, so no "
                          "frame-level scores")
    if args.out:
        write_json(result_document(result), args.out)
    if args.per_sample:
        write_per_sample(result, args.per_sample)
    if args.per_frame:
        write_per_frame(result, args.per_frame)
    if args.plot:
        from ..core.progress import step
        from ..results.plots import write_plots

        with step(f"Writing plots into {args.plot}"):
            write_plots(result, args.plot)
    print_score(result, console())
    return 0


def run_validate(args) -> int:
    plan_from(args)
    dataset = dataset_from(args, (args.predictions,))
    evaluator = evaluator_from(args, dataset)
    predictions = predictions_from(args.predictions, dataset, args.format)
    result = evaluator.score(predictions, ci=False)
    print(f"{args.predictions}: valid {predictions.meta.format} predictions for {dataset.name} {dataset.split} "
          f"({result.task}, protocol {evaluator.protocol.name} scores {result.n_samples} {result.unit})")
    for name, count in result.warnings.items():
        print(f"warning: {name}: {count}")
    return 0


def submission_names(a, b, path_a: str, path_b: str) -> tuple[str, str]:
    """How A and B are called: their methods' names, or their file names when those do not tell them apart."""
    names = (a.meta.method.get("name"), b.meta.method.get("name"))
    if all(isinstance(n, str) and n for n in names) and names[0] != names[1]:
        return names
    return (Path(path_a).name, Path(path_b).name) if Path(path_a).name != Path(path_b).name else (path_a, path_b)


def run_compare(args) -> int:
    from ..results.io import comparison_document, write_json
    from ..results.report import console, print_comparison

    common_only = args.missing == "skip"
    if common_only:  # compare's own meaning: only the units both submissions predicted
        args.missing = "zero"
    plan_from(args)
    check_outputs({"A": args.a, "B": args.b, **annotation_inputs(args)}, [Output("--out", args.out)])
    dataset = dataset_from(args, (args.a, args.b))
    evaluator = evaluator_from(args, dataset)
    a = predictions_from(args.a, dataset, args.format)
    b = predictions_from(args.b, dataset, args.format)
    comparison = evaluator.compare(a, b, names=submission_names(a, b, args.a, args.b), common_only=common_only)
    if args.out:
        write_json(comparison_document(comparison), args.out)
    print_comparison(comparison, console())
    return 0
