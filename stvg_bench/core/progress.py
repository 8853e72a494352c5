"""Progress bars and spinners for work that can take over a second, on stderr only.

They show only when switched on (the CLI does, when stderr is a terminal: :func:`show_on_terminal`) or asked
for by a caller, so that logs, pipes and captured output stay clean. Both are transient: nothing remains on
the terminal once a step is done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_shown = {"on": False}


def show_on_terminal() -> None:
    """Show progress from now on when stderr is a terminal (the CLI calls this once)."""
    _shown["on"] = sys.stderr.isatty()


def _enabled(asked: bool | None) -> bool:
    return (_shown["on"] if asked is None else asked) and sys.stderr.isatty()


def track(items: Iterable[T], total: int | None, description: str, enabled: bool | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar (``enabled``: None follows :func:`show_on_terminal`)."""
    if not _enabled(enabled):
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(
        items, total=total, description=description, console=Console(stderr=True), transient=True
    )


@contextmanager
def step(description: str, enabled: bool | None = None):
    """A spinner naming a step that cannot count its progress (parsing one large file)."""
    if not _enabled(enabled):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(description, spinner="dots"):
        yield
