"""Where a result came from: the stvg-bench version and, when run from a git checkout, its commit."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def git_commit() -> str | None:
    """The commit of the checkout stvg-bench runs from (read from ``.git``, no subprocess); None otherwise."""
    git = Path(__file__).resolve().parents[2] / ".git"
    if git.is_file():  # a worktree: ".git" names the real git directory
        text = git.read_text().strip()
        if not text.startswith("gitdir:"):
            return None
        git = (git.parent / text.removeprefix("gitdir:").strip()).resolve()
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head.removeprefix("ref:").strip()
        common = git / "commondir"
        base = (git / common.read_text().strip()).resolve() if common.is_file() else git
        for directory in (git, base):
            if (directory / ref).is_file():
                return (directory / ref).read_text().strip()
        packed = base / "packed-refs"
        for line in packed.read_text().splitlines() if packed.is_file() else ():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    except OSError:
        return None
    return None
