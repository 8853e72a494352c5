"""``cache list | clear``: what the cache holds, kind by kind, and removing it.

``clear`` without ``--kind`` removes the recomputable kinds only; downloads go only when named with
``--kind`` (or with ``--all``). Nothing here imports numpy or the scoring code.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time

from ..core.errors import OptionError, quote

AGE_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
AGE_PART = re.compile(r"([0-9]{1,9})([smhdw])")  # at most 999,999,999 of a unit: int() stays cheap
SHOWN_AGE_UNITS = ("d", "h", "m", "s")
SIZE_UNITS = ("kB", "MB", "GB", "TB")
log = logging.getLogger("stvg_bench")


def age_seconds(text: str) -> int:
    """``7d``, ``12h``, ``30m``, ``1d12h`` (units s, m, h, d, w) in seconds; argparse's type for --older-than."""
    if not re.fullmatch(f"(?:{AGE_PART.pattern})+", text):
        raise argparse.ArgumentTypeError(f"expected an age such as 7d, 12h or 30m (units s, m, h, d, w), "
                                         f"got {quote(text)}")
    return sum(int(count) * AGE_UNIT_SECONDS[unit] for count, unit in AGE_PART.findall(text))


def shown_size(size_bytes: int) -> str:
    """Bytes below 1 kB, else one decimal in SI units (1 kB = 1000 B, as the cap's MB)."""
    if size_bytes < 1000:
        return f"{size_bytes} B"
    value = float(size_bytes)
    for unit in SIZE_UNITS:
        value /= 1000
        if value < 999.95:
            break
    return f"{value:.1f} {unit}"


def shown_age(seconds: float) -> str:
    """How long ago, in its two largest units (``3d 4h``, ``12m 5s``); ``now`` under a second."""
    remaining, parts = max(int(seconds), 0), []
    for unit in SHOWN_AGE_UNITS:
        length = AGE_UNIT_SECONDS[unit]
        if remaining >= length or parts:
            parts.append(f"{remaining // length}{unit}")
            remaining %= length
    return " ".join(parts[:2]) + " ago" if parts else "now"


def add_commands(commands) -> None:
    from ..core.cache_entries import KINDS

    cache = commands.add_parser("cache", help="list or clear the cache ($STVG_BENCH_CACHE)",
                                description="What the cache holds, kind by kind, and removing it.")
    cache.set_defaults(handler=run_list)
    sub = cache.add_subparsers(dest="cache_command", parser_class=type(cache))
    listing = sub.add_parser("list", help="entries, size and last use of each kind (the default)")
    listing.set_defaults(handler=run_list)
    clear = sub.add_parser("clear", help="remove entries (default: every recomputable kind, no downloads)")
    which = clear.add_mutually_exclusive_group()
    which.add_argument("--kind", action="append", choices=[kind.name for kind in KINDS],
                       help="a kind to clear (repeatable); downloads (predictions, datasets) only this way")
    which.add_argument("--all", action="store_true", help="every kind, downloads included")
    clear.add_argument("--older-than", type=age_seconds, metavar="AGE",
                       help="only entries last used more than AGE ago: 7d, 12h, 30m, 1d12h (units s, m, h, d, w)")
    clear.add_argument("--dry-run", action="store_true", help="say what would be removed; remove nothing")
    clear.set_defaults(handler=run_clear)


def _cap_line() -> str:
    from ..core import cache_lru

    cap, variable = cache_lru.max_bytes(), cache_lru.MAX_MB_VARIABLE
    given = os.environ.get(variable, "").strip()
    source = f"${variable}={given}" if given else f"the default, ${variable} unset"
    if cap is None:
        return f"size cap: none ({source}): nothing is evicted"
    return (f"size cap: {shown_size(cap)} of recomputable entries ({source}; MB of 10^6 bytes), least recently "
            "used evicted first")


def _root_line(root) -> str:
    from ..core.cachedir import ROOT_VARIABLE

    source = f"${ROOT_VARIABLE}" if os.environ.get(ROOT_VARIABLE) else f"the default, ${ROOT_VARIABLE} unset"
    return f"cache root: {root} ({source})"


def _folder(kind, found) -> str:
    if kind.folder:
        return f"{kind.folder}/"
    return ", ".join(f"{entry.name}/" for entry in found) or "<dataset>/"


def _checked_root():
    """The cache root; refused if something other than a directory is there."""
    from ..core.cachedir import ROOT_VARIABLE, cache_root

    root = cache_root()
    if root.exists() and not root.is_dir():
        raise OptionError(f"the cache root {root} (${ROOT_VARIABLE} or its default) is not a directory")
    return root


def run_list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from ..core.cache_entries import KINDS, entries, unclaimed_names

    cap_line, root, now = _cap_line(), _checked_root(), time.time()
    table = Table(title_justify="left")
    for column, justify in (("kind", "left"), ("recomputable", "left"), ("entries", "right"), ("size", "right"),
                            ("oldest use", "right"), ("newest use", "right"), ("path (under the root)", "left")):
        table.add_column(column, justify=justify, no_wrap=column != "path (under the root)")
    total_bytes = 0
    for kind in KINDS:
        found = entries(kind, root)
        uses = [entry.last_use_unix_seconds for entry in found]
        size_bytes = sum(entry.size_bytes for entry in found)
        total_bytes += size_bytes if kind.recomputable else 0
        table.add_row(kind.name, "yes" if kind.recomputable else "no (download)", str(len(found)),
                      shown_size(size_bytes), shown_age(now - min(uses)) if uses else "-",
                      shown_age(now - max(uses)) if uses else "-", _folder(kind, found))
    print(_root_line(root))
    print(cap_line)
    Console(highlight=False, width=None if sys.stdout.isatty() else 120).print(table)
    print(f"recomputable total: {shown_size(total_bytes)}")
    unclaimed = unclaimed_names(root)
    if unclaimed:
        print(f"not stvg-bench's, left alone: {', '.join(unclaimed)}")
    return 0


def _removed(chosen: list, dry_run: bool) -> list:
    """The entries of ``chosen`` removed (all of them on a dry run); those that cannot be are warned about."""
    from ..core.cache_entries import remove

    if dry_run:
        return chosen
    removed = []
    for entry in chosen:
        try:
            remove(entry)
        except OSError as exc:
            log.warning("cannot remove %s (%s)", entry.paths[0], exc.strerror or exc)
            continue
        removed.append(entry)
    return removed


def _counted(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def run_clear(args) -> int:
    from ..core.cache_entries import KINDS, entries

    if args.kind:
        kinds = [kind for kind in KINDS if kind.name in args.kind]
    else:
        kinds = [kind for kind in KINDS if args.all or kind.recomputable]
    cutoff = None if args.older_than is None else time.time() - args.older_than
    root, verb = _checked_root(), "would remove" if args.dry_run else "removed"
    everything = []
    for kind in kinds:
        chosen = [entry for entry in entries(kind, root) if cutoff is None or entry.last_use_unix_seconds < cutoff]
        removed = _removed(chosen, args.dry_run)
        if removed:
            print(f"{kind.name}: {verb} {_counted(len(removed))}, {shown_size(sum(e.size_bytes for e in removed))}")
        everything += removed
    print(f"{root}: {verb} {_counted(len(everything))}, {shown_size(sum(e.size_bytes for e in everything))}")
    return 0
