"""Timing child processes for the benchmarks: wall time, peak RSS, bytecode compiled first.

Each measurement runs in its own process; peak RSS comes from ``wait4`` (the
child's own high-water mark). The package's bytecode is compiled before
anything is timed, as a regular install does: otherwise, with
``PYTHONDONTWRITEBYTECODE`` set or after an edit, every run would also compile
the package's sources (about 0.3 s on this machine).
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "stvg_bench"


def compile_bytecode() -> None:
    """Write ``__pycache__`` for every module of the package (py_compile ignores PYTHONDONTWRITEBYTECODE)."""
    if not compileall.compile_dir(PACKAGE, quiet=1):
        raise SystemExit(f"could not compile {PACKAGE}")


def run_once(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, from wait4) and stdout of one process, run in the repository root
    (so that ``python -c`` children import ``tests.reference`` as a package, with no path tricks)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                               cwd=REPO)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, command))}\n{stderr}")
    return wall, usage.ru_maxrss / 1024, stdout


def measured(command: list[str], repeats: int, env: dict | None = None, prepare=None) -> dict:
    """Median wall time and peak RSS over ``repeats`` runs (``prepare()`` before each), and the last stdout."""
    walls, peaks, out = [], [], ""
    for _ in range(repeats):
        if prepare is not None:
            prepare()
        wall, peak, out = run_once(command, env)
        walls.append(wall)
        peaks.append(peak)
    return {"seconds": statistics.median(walls), "peak_mb": statistics.median(peaks), "stdout": out}
