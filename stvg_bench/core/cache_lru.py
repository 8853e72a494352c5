"""The size cap of the recomputable cache, and least-recently-used eviction under it.

Last use is an entry's mtime (atime is not kept on relatime or noatime mounts): writing an entry sets it,
and every cache hit refreshes it through :func:`used`. Downloads are not touched when read; their last use
is when they were fetched, and they are never evicted.

After a new entry is written, :func:`stored` removes the least recently used recomputable entries until
their total is at most the cap. It never removes an entry this process has used or written (its arrays
may be memory-mapped), so the cap can be exceeded by what the running process holds. Entries other
processes are reading can go: every reader takes a vanished entry as a cache miss.

The cap is ``$STVG_BENCH_CACHE_MAX_MB`` megabytes of 10^6 bytes, a decimal number (default 10000, 10 GB);
``0`` keeps only what the running process uses; ``none`` never evicts.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

from .cache_entries import KINDS, CacheEntry, entries, remove
from .errors import OptionError, quote

MAX_MB_VARIABLE = "STVG_BENCH_CACHE_MAX_MB"
DEFAULT_MAX_MB = 10_000
BYTES_PER_MB = 1_000_000

_in_use: set[str] = set()


def max_bytes() -> int | None:
    """The cap in bytes (None: no cap), from ``$STVG_BENCH_CACHE_MAX_MB``; unset or empty is the default."""
    text = os.environ.get(MAX_MB_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_MB * BYTES_PER_MB
    if text.lower() == "none":
        return None
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise OptionError(f"${MAX_MB_VARIABLE} must be a size in MB (10^6 bytes, e.g. {DEFAULT_MAX_MB}) or none, "
                          f"got {quote(text)}")
    return int(Decimal(text) * BYTES_PER_MB)


def used(path: Path) -> None:
    """Record a hit on the entry at ``path``: its last use is now, and this process keeps it."""
    _in_use.add(os.path.abspath(path))
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache (or another user's), or an entry another process just removed


def in_use(entry: CacheEntry) -> bool:
    """Whether this process has used or written ``entry``."""
    return any(os.path.abspath(path) in _in_use for path in entry.paths)


def stored(path: Path) -> list[CacheEntry]:
    """Record that the entry at ``path`` was just written, then evict over the cap; return what was evicted."""
    _in_use.add(os.path.abspath(path))
    return evict()


def evict(root: Path | None = None) -> list[CacheEntry]:
    """Remove least recently used recomputable entries not in use here until their total is within the cap."""
    cap = max_bytes()
    if cap is None:
        return []
    candidates = [entry for kind in KINDS if kind.recomputable for entry in entries(kind, root)]
    total_bytes = sum(entry.size_bytes for entry in candidates)
    evicted = []
    for entry in sorted(candidates, key=lambda e: (e.last_use_unix_seconds, e.kind, e.name)):
        if total_bytes <= cap:
            break
        if in_use(entry):
            continue
        try:
            if remove(entry):
                evicted.append(entry)
        except OSError:
            continue  # not ours to remove (a shared cache): it still counts
        total_bytes -= entry.size_bytes
    return evicted
