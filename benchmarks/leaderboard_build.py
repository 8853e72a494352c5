"""Leaderboard build time: from an empty cache (every entry x protocol x CIs) and with nothing changed.

Each build is a whole ``stvg-bench leaderboard build`` process (median of 3,
peak RSS from wait4) on the committed entries and ``../shared/data``, written
into a temporary directory so the committed files are not touched. "Cold"
empties the cache directory before each run (the annotation parse, every
score, every bootstrap and every plot are redone); "warm" reuses it.

    python -m benchmarks.leaderboard_build [--data ../shared/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import compile_bytecode, measured

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 60.0, "warm": 5.0}
BUILD = ("import sys; from stvg_bench.leaderboard.build import build; "
         "r = build(sys.argv[1], sys.argv[2], out=sys.argv[3]); print(r.scored, r.cached, len(r.files))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="stvg-bench-leaderboard-bench-"))
    cache, out = work / "cache", work / "out"
    env = {**os.environ, "STVG_BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", BUILD, str(REPO / "leaderboards"), args.data, str(out)]
    try:
        cold = measured(command, args.repeats, env, prepare=lambda: shutil.rmtree(cache, ignore_errors=True))
        warm = measured(command, args.repeats, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| build | seconds | peak MB | scored / cached / files | target | ratio to target |")
    print("|---|---:|---:|---|---:|---:|")
    for name, result in (("cold (empty cache)", cold), ("warm (nothing changed)", warm)):
        target = TARGETS[name.split()[0]]
        scored, cached, files = result["stdout"].split()
        print(f"| {name} | {result['seconds']:.2f} | {result['peak_mb']:.0f} | {scored} / {cached} / {files} | "
              f"≤ {target:g} s | {result['seconds'] / target:.2f} |")


if __name__ == "__main__":
    main()
