"""Build the boards from the entries, and check that what is committed is what a build gives.

``build`` reads ``<root>/entries``, scores what the cache does not hold, and
writes, deterministically (the same inputs give the same bytes):
``README.md``, ``site/index.html``, ``site/leaderboard.json`` and
``site/plots/*.svg``. Stale plots of boards that no longer exist are removed.

``check`` builds into a temporary directory and compares: every generated
file must be committed with the same bytes and nothing else may be under
``site/``. It also fails on an invalid entry or a prediction file whose sha256
or size differs from its entry (:class:`CheckFailed`, exit code 1).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..core import atomic
from ..core.errors import StvgBenchError
from ..datasets.cache import identity
from .boards import BOARDS
from .entries import EntryError, load_entries
from .model import board_document, document
from .scoring import Scorer
from .sources import DigestMismatch

GENERATED_DIRS = ("site",)


class CheckFailed(StvgBenchError):
    """``leaderboard check`` found a difference, an invalid entry or a wrong sha256 (``problems``: one per line)."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BuildReport:
    files: dict[str, bytes]
    scored: int
    cached: int
    seconds: float


def collect(root: Path, data_dir: Path) -> tuple[dict, Scorer]:
    """The leaderboard document of the entries under ``root``, scored on the annotations in ``data_dir``."""
    entries = load_entries(root)
    scorer = Scorer(Path(data_dir), Path(root))
    boards = []
    for board in BOARDS:
        members = [e for e in entries if e.dataset == board.dataset and (
            e.predictions_for(board.task) is not None or any(r.task == board.task for r in e.reported))]
        if not members:
            continue
        scores = {e.name: scorer.score_entry(e, e.predictions_for(board.task)) for e in members
                  if e.predictions_for(board.task) is not None}
        annotations = identity(scorer.dataset(board.dataset).inputs) if scores else None
        boards.append(board_document(board, members, scores, annotations))
    return document(boards), scorer


def render(doc: dict) -> dict[str, bytes]:
    """Every generated file, by path relative to the ``leaderboards/`` folder."""
    from . import html, markdown, plots

    files = {"README.md": markdown.render(doc).encode(),
             "site/index.html": html.render(doc).encode(),
             "site/leaderboard.json": (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()}
    files.update({f"site/{name}": content for name, content in plots.render(doc).items()})
    return files


def write(files: dict[str, bytes], out: Path) -> None:
    """Write ``files`` under ``out`` and remove generated files that are no longer produced."""
    out = Path(out)
    for name, content in files.items():
        path = out / name
        if not path.is_file() or path.read_bytes() != content:
            atomic.write_bytes(path, content)
    for stale in committed_generated(out) - set(files):
        (out / stale).unlink()


def committed_generated(root: Path) -> set[str]:
    """Files under the generated folders (``site/``), relative to ``root``."""
    return {str(p.relative_to(root)) for d in GENERATED_DIRS for p in (Path(root) / d).rglob("*") if p.is_file()}


def build(root: Path, data_dir: Path, out: Path | None = None) -> BuildReport:
    """Build the boards of ``root`` into ``out`` (default: ``root`` itself)."""
    started = time.perf_counter()
    doc, scorer = collect(root, data_dir)
    files = render(doc)
    write(files, Path(out) if out is not None else Path(root))
    return BuildReport(files=files, scored=scorer.misses, cached=scorer.hits, seconds=time.perf_counter() - started)


def differences(root: Path, files: dict[str, bytes]) -> list[str]:
    """What differs between ``files`` and what is committed under ``root``, one line per file."""
    out = []
    for name, content in sorted(files.items()):
        path = Path(root) / name
        if not path.is_file():
            out.append(f"{path}: missing (run `stvg-bench leaderboard build`)")
        elif path.read_bytes() != content:
            out.append(f"{path}: differs from a fresh build (run `stvg-bench leaderboard build`)")
    for extra in sorted(committed_generated(root) - set(files)):
        out.append(f"{Path(root) / extra}: not produced by a build (stale; remove it or rebuild)")
    return out


def check(root: Path, data_dir: Path) -> BuildReport:
    """Rebuild into a temporary directory; raise :class:`CheckFailed` naming every file that differs."""
    temporary = Path(tempfile.mkdtemp(prefix="stvg-bench-leaderboard-check-"))
    try:
        try:
            report = build(root, data_dir, out=temporary)
        except (EntryError, DigestMismatch) as exc:
            raise CheckFailed([str(exc)]) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    found = differences(root, report.files)
    if found:
        raise CheckFailed(found)
    return report
