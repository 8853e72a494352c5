"""Progress bars for long work (parsing large annotations, bootstrapping), on stderr only.

Bars appear only when asked for and stderr is a terminal, so logs and
captured output stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def track(items: Iterable[T], total: int | None, description: str, enabled: bool) -> Iterator[T]:
    """Iterate ``items``, showing a transient progress bar when ``enabled`` and on a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(
        items, total=total, description=description, console=Console(stderr=True), transient=True
    )
