"""``demo``: the main job end to end on the built-in synthetic dataset.

Writes a 200-sentence VidSTG-layout split (official sentences + VidOR boxes,
and TubeDETR's layout) and four prediction files of different quality, one
per format, then scores each with ``vidstg`` reading those files, as a user
would.
"""

from __future__ import annotations

from pathlib import Path

SUBMISSIONS = (
    # (file name, quality, where boxes are given, format, protocol)
    ("oracle.json", "oracle", "segment", "stvg-bench", "dense"),
    ("good-tubedetr.json.gz", "good", "tubedetr", "tubedetr", "tubedetr"),
    ("noisy-stcat.json", "noisy", "input", "stcat", "stcat"),
    ("random-parquet", "random", "sparse", "parquet", "dense"),
)


def add_commands(commands) -> None:
    demo = commands.add_parser(
        "demo", help="run the scorer on the built-in synthetic dataset",
        description="The main job end to end on the built-in synthetic dataset: writes a 200-sentence "
        "VidSTG-layout split (official sentences + VidOR boxes, and TubeDETR's layout) and four prediction files "
        "of different quality, one per format, then scores each as vidstg reading those files, as a user would.",
    )
    demo.add_argument(
        "--out", default="build/demo", help="where to write the demo files (default build/demo)"
    )
    demo.set_defaults(handler=run_demo)


def run_demo(args) -> int:
    from ..datasets import load_dataset, synthetic
    from ..formats import load_predictions, write_predictions
    from ..results.report import console as make_console
    from ..results.report import print_comparison, print_score
    from ..tasks.base import Evaluator

    console = make_console()
    out = Path(args.out)
    entries, videos = synthetic.SyntheticAdapter().generate()
    annotations, vidor_dir = synthetic.write_official(entries, videos, out / "annotations", split="test")
    synthetic.write_tubedetr(entries, videos, out / "annotations" / "test.json")
    dataset = load_dataset("vidstg", "test", annotations, vidor_dir, use_cache=False)
    console.print(f"synthetic VidSTG test split: {dataset.n_samples} sentences, files in {out}/annotations\n")

    paths = {}
    for name, quality, frames, fmt, protocol in SUBMISSIONS:
        path = out / "predictions" / name
        predictions = synthetic.make_predictions(dataset.gt, quality, seed=1, frames=frames)
        write_predictions(predictions, path, fmt, dataset)
        paths[quality] = path
        result = Evaluator(dataset, protocol).score(load_predictions(path, dataset))
        print_score(result, console, f"{path} ({fmt} format) | protocol {protocol} | {result.n_samples} samples")
        console.print()

    evaluator = Evaluator(dataset, "dense")
    comparison = evaluator.compare(load_predictions(paths["good"], dataset), load_predictions(paths["noisy"], dataset),
                                   names=(str(paths["good"]), str(paths["noisy"])))
    print_comparison(comparison, console)
    return 0
