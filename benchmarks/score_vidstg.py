"""Benchmark: scoring the full VidSTG test set (10,303 real sentences, ~1.1 M predicted boxes).

Builds the full-scale case once per run under ``build/bench/vidstg``:

* TubeDETR's ``test.json`` for the real test sentences, with boxes from the
  seeded synthetic VidOR generator (VidOR boxes are not public here);
* predictions on every TubeDETR-sampled frame, in TubeDETR's JSON format and
  as the Parquet container;

then measures, each in its own process (wall time and peak RSS from
``wait4``), the median of ``--repeats`` runs:

* a bare ``orjson.loads`` of each file (the parse floor);
* the slow reference implementation (tests/reference/slow_stvg.py, standard
  library JSON) on the same files;
* ``stvg-bench score`` cold (empty cache) and warm on the JSON file, warm on
  the Parquet container, and the in-process API on already-loaded arrays;

and prints ratios against the slow reference and against the bare parse,
checking that stvg-bench and the reference report the same numbers.

    python -m benchmarks.score_vidstg [--repeats 3] [--json results.json]      # from the repository root
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import compile_bytecode, measured

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "vidstg" / "test_annotations.json"
WORK = REPO / "build" / "bench" / "vidstg"
PROTOCOL_ARGS = ["--protocol", "tubedetr", "--no-ci"]

BARE_PARSE = """
import sys, time, orjson
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
orjson.loads(data)
print(time.perf_counter() - start)
"""

SLOW_REFERENCE = """
import json, sys, time
from tests.reference import slow_stvg
start = time.perf_counter()
layout = json.load(open(sys.argv[1]))
submission = json.load(open(sys.argv[2]))
predictions = {}
for key, value in submission["predictions"].items():
    sample, frame = key.split("_")
    predictions.setdefault(int(sample), {"boxes": {}})["boxes"][int(frame)] = value["boxes"][0]
for key, value in submission["video_predictions"].items():
    predictions.setdefault(int(key), {"boxes": {}})["segment"] = value["sted"]
_, metrics = slow_stvg.evaluate(slow_stvg.vidstg_samples_tubedetr(layout), predictions, "tubedetr")
print(json.dumps({"seconds": time.perf_counter() - start, "metrics": metrics}))
"""

API = """
import json, sys, time
import stvg_bench as sb
dataset = sb.load_dataset("vidstg", "test", sys.argv[1])
predictions = sb.load_predictions(sys.argv[2], dataset)
evaluator = sb.Evaluator(dataset, "tubedetr")
evaluator.score(predictions, ci=False)
times = []
for _ in range(5):
    start = time.perf_counter()
    evaluator.score(predictions, ci=False)
    times.append(time.perf_counter() - start)
start = time.perf_counter()
sb.load_predictions(sys.argv[2], dataset)
parse = time.perf_counter() - start
print(json.dumps({"score": min(times), "parse": parse}))
"""


def build_inputs(force: bool) -> dict[str, Path]:
    """Write the annotation and prediction files (kept between runs unless ``force``)."""
    from stvg_bench.datasets import load_dataset, synthetic
    from stvg_bench.formats import write_predictions

    paths = {
        "annotations": WORK / "test.json",
        "json": WORK / "tubedetr_predictions.json",
        "parquet": WORK / "predictions-parquet",
    }
    if not force and all(p.exists() for p in paths.values()):
        return paths
    WORK.mkdir(parents=True, exist_ok=True)
    entries = json.loads(SHARED.read_text())
    videos = synthetic.make_vidor(entries, seed=7)
    synthetic.write_tubedetr(entries, videos, paths["annotations"])
    dataset = load_dataset("vidstg", "test", paths["annotations"], use_cache=False)
    predictions = synthetic.make_predictions(dataset.gt, "good", seed=4, frames="tubedetr")
    write_predictions(predictions, paths["json"], "tubedetr", dataset)
    write_predictions(predictions, paths["parquet"], "parquet", dataset)
    return paths






def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the input files")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    python = sys.executable
    if args.build_only:
        build_inputs(args.rebuild)
        return 0
    # Inputs are built in a child process: a child's peak RSS counts what it inherits at fork,
    # so this process must stay small for the figures below to be the children's own.
    subprocess.run([python, "-m", "benchmarks.score_vidstg", "--build-only", *(["--rebuild"] if args.rebuild else [])],
                   check=True, cwd=REPO)
    compile_bytecode()
    paths = {
        "annotations": WORK / "test.json",
        "json": WORK / "tubedetr_predictions.json",
        "parquet": WORK / "predictions-parquet",
    }
    cli = [str(Path(python).with_name("stvg-bench"))]
    cache = Path(tempfile.mkdtemp(prefix="stvg-bench-bench-cache-"))
    env = {**os.environ, "STVG_BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    results_json = WORK / "results.json"

    def score_command(predictions: Path) -> list[str]:
        return [*cli, "score", str(predictions), "--dataset", "vidstg", "--annotations", str(paths["annotations"]),
                *PROTOCOL_ARGS]

    score_json, score_parquet = score_command(paths["json"]), score_command(paths["parquet"])

    def empty_cache():
        shutil.rmtree(cache, ignore_errors=True)

    figures = {
        "bare_parse_annotations": measured(
            [python, "-c", BARE_PARSE, str(paths["annotations"])], args.repeats
        ),
        "bare_parse_predictions": measured([python, "-c", BARE_PARSE, str(paths["json"])], args.repeats),
        "slow_reference": measured(
            [python, "-c", SLOW_REFERENCE, str(paths["annotations"]), str(paths["json"])], 1
        ),
        "cli_cold_json": measured([*score_json, "--out", str(results_json)], args.repeats, env, empty_cache),
        "cli_warm_json": measured(score_json, args.repeats, env),
        "cli_warm_json_with_ci": measured(score_json[:-1], args.repeats, env),
        "cli_warm_parquet": measured(score_parquet, args.repeats, env),
        "cli_warm_parquet_with_ci": measured(score_parquet[:-1], args.repeats, env),
        "api": measured([python, "-c", API, str(paths["annotations"]), str(paths["json"])], 1, env),
    }
    shutil.rmtree(cache, ignore_errors=True)

    parse_annotations = float(figures["bare_parse_annotations"]["stdout"])
    parse_predictions = float(figures["bare_parse_predictions"]["stdout"])
    slow = json.loads(figures["slow_reference"]["stdout"])
    api = json.loads(figures["api"]["stdout"])
    ours = json.loads(results_json.read_text())["metrics"]
    for group, values in slow["metrics"].items():
        for name, value in values.items():
            assert abs(ours[group][name] - value) < 1e-9, (group, name, ours[group][name], value)

    slow_seconds = figures["slow_reference"]["seconds"]
    rows = [
        (
            "orjson.loads, annotations (parse only)",
            parse_annotations,
            figures["bare_parse_annotations"]["peak_mb"],
            "",
        ),
        (
            "orjson.loads, predictions (parse only)",
            parse_predictions,
            figures["bare_parse_predictions"]["peak_mb"],
            "",
        ),
        (
            "slow reference (stdlib json + per-frame loops)",
            slow_seconds,
            figures["slow_reference"]["peak_mb"],
            "",
        ),
        ("stvg-bench: parse the prediction file (in process)", api["parse"], float("nan"), ""),
        ("(a) API on loaded arrays, tubedetr, no CIs", api["score"], float("nan"), "target <= 0.2 s"),
        (
            "(b) CLI warm cache, TubeDETR JSON",
            figures["cli_warm_json"]["seconds"],
            figures["cli_warm_json"]["peak_mb"],
            f"{figures['cli_warm_json']['seconds'] / parse_predictions:.2f}x bare parse (target <= 1.2x)",
        ),
        (
            "    same, with 95% CIs (default)",
            figures["cli_warm_json_with_ci"]["seconds"],
            figures["cli_warm_json_with_ci"]["peak_mb"],
            "",
        ),
        (
            "(c) CLI warm cache, Parquet",
            figures["cli_warm_parquet"]["seconds"],
            figures["cli_warm_parquet"]["peak_mb"],
            "target <= 1.0 s, <= 400 MB",
        ),
        (
            "(c') the same with 95% CIs (the default)",
            figures["cli_warm_parquet_with_ci"]["seconds"],
            figures["cli_warm_parquet_with_ci"]["peak_mb"],
            "target <= 0.5 s",
        ),
        (
            "(d) CLI cold cache, TubeDETR JSON",
            figures["cli_cold_json"]["seconds"],
            figures["cli_cold_json"]["peak_mb"],
            f"{figures['cli_cold_json']['seconds'] / (parse_annotations + parse_predictions):.2f}x bare parse of both "
            "(target <= 1.2x)",
        ),
    ]
    sizes = {
        k: (sum(f.stat().st_size for f in p.iterdir()) if p.is_dir() else p.stat().st_size) / 1e6
        for k, p in paths.items()
    }
    print(
        f"VidSTG test: 10,303 sentences; annotations {sizes['annotations']:.0f} MB, predictions "
        f"{sizes['json']:.0f} MB JSON / {sizes['parquet']:.0f} MB Parquet; median of {args.repeats} runs; "
        f"{os.cpu_count()} cores\n"
    )
    print(f"{'measurement':52} {'seconds':>8} {'peak MB':>8} {'vs slow':>8}  note")
    for label, seconds, peak, note in rows:
        print(f"{label:52} {seconds:8.3f} {peak:8.0f} {slow_seconds / seconds:7.1f}x  {note}")
    print("\nstvg-bench and the slow reference agree on every metric (|diff| < 1e-9).")
    if args.json:
        Path(args.json).write_text(
            json.dumps({label: {"seconds": s, "peak_mb": p, "note": n} for label, s, p, n in rows}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
