"""What the cache holds, kind by kind, and removing an entry while other processes may be reading it.

Every kind has a folder under the cache root (:func:`stvg_bench.core.cachedir.cache_root`); :data:`KINDS`
is the table ``stvg-bench cache list`` prints. Recomputable: ``parsed/`` (annotations as arrays, with their
protocol tables), ``digests/``, ``bootstrap/``, ``leaderboard/scores/``, ``leaderboard/plots/``. Downloads:
``leaderboard/predictions/`` and one folder per dataset directly under the root (:data:`DATASET_FOLDERS`).

Recomputable kinds are a pure function of their key and live under the size cap
(:mod:`stvg_bench.core.cache_lru`); downloads cost the network and are removed only when asked for.

An *entry* is what is used, listed and removed as one: a directory under ``parsed/`` and a dataset's
folder, the files sharing a name up to the first dot under ``leaderboard/scores/`` (``<key>.json`` and
``<key>.npz``), one file elsewhere. Names starting with a dot are writes (or removals) in progress, never
entries. An entry's last use is its mtime (the newest of its files' for a group); sizes are file sizes in
bytes (not disk blocks); symbolic links count as themselves and are never followed, so removing one never
touches what it points to. Anything else under the root is not stvg-bench's and is left alone.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .cachedir import cache_root

DATASET_FOLDERS = ("vidstg", "groundingyoutube", "hcstvg-v1", "hcstvg-v2", "youcook2_interactions")


@dataclass(frozen=True)
class CacheKind:
    """One kind of entry: its name (``cache clear --kind``), its folder under the cache root ("" for the
    root itself, where ``only`` names the entries that are of this kind), what it holds, whether it is
    recomputable (evicted under the size cap) or a download, and whether the files of one entry are
    grouped by the name before their first dot."""

    name: str
    folder: str
    holds: str
    recomputable: bool
    grouped_by_stem: bool = False
    only: tuple[str, ...] | None = None


_IN_FOLDERS = (
    CacheKind("parsed", "parsed", "annotations as arrays, with their protocol tables", True),
    CacheKind("digests", "digests", "sha256 of annotation files, by their stat", True),
    CacheKind("bootstrap", "bootstrap", "bootstrap resampling counts", True),
    CacheKind("scores", "leaderboard/scores", "leaderboard scores and their resamples", True, grouped_by_stem=True),
    CacheKind("plots", "leaderboard/plots", "leaderboard plots (SVG)", True),
    CacheKind("predictions", "leaderboard/predictions", "prediction files `leaderboard fetch` stored", False),
)
KINDS: tuple[CacheKind, ...] = _IN_FOLDERS + (
    CacheKind("datasets", "", "annotation files `datasets fetch` stored", False, only=DATASET_FOLDERS),
)
_CLAIMED = frozenset(kind.folder.split("/")[0] for kind in _IN_FOLDERS) | frozenset(DATASET_FOLDERS)


@dataclass(frozen=True)
class CacheEntry:
    """One entry: its kind, its name inside the kind's folder, its files or directory, size and last use."""

    kind: str
    name: str
    paths: tuple[Path, ...]
    size_bytes: int
    last_use_unix_seconds: float


def _visible_names(directory: Path) -> list[str]:
    try:
        return sorted(name for name in os.listdir(directory) if not name.startswith("."))
    except OSError:
        return []  # absent (or unreadable): no entries


def _tree_bytes(directory: str) -> int:
    total = 0
    try:
        with os.scandir(directory) as items:
            for item in items:
                try:
                    is_tree = item.is_dir(follow_symlinks=False)
                    total += _tree_bytes(item.path) if is_tree else item.stat(follow_symlinks=False).st_size
                except OSError:
                    pass  # removed while we looked
    except OSError:
        pass
    return total


def _measured(path: Path) -> tuple[int, float] | None:
    """``(size in bytes, mtime)`` of a file or directory tree; None when it is gone."""
    try:
        status = path.lstat()
    except OSError:
        return None
    is_tree = path.is_dir() and not path.is_symlink()
    return (_tree_bytes(str(path)) if is_tree else status.st_size), status.st_mtime


def entries(kind: CacheKind, root: Path | None = None) -> list[CacheEntry]:
    """The entries of ``kind`` under ``root`` (default: the cache root), by name."""
    directory = (cache_root() if root is None else Path(root)) / kind.folder
    groups: dict[str, list[Path]] = {}
    for name in _visible_names(directory):
        if kind.only is None or name in kind.only:
            groups.setdefault(name.partition(".")[0] if kind.grouped_by_stem else name, []).append(directory / name)
    found = []
    for name, paths in groups.items():
        measured = [m for m in map(_measured, paths) if m is not None]
        if measured:
            found.append(CacheEntry(kind.name, name, tuple(paths), sum(size for size, _ in measured),
                                    max(mtime for _, mtime in measured)))
    return found


def unclaimed_names(root: Path | None = None) -> list[str]:
    """Names directly under the root that no kind claims (left alone by every command)."""
    return [name for name in _visible_names(cache_root() if root is None else Path(root)) if name not in _CLAIMED]


def _remove_path(path: Path) -> bool:
    if path.is_dir() and not path.is_symlink():
        import secrets

        # Renamed first: a reader sees the whole entry or none of it, never half a directory.
        trash = path.with_name(f".{path.name}.removed-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def remove(entry: CacheEntry) -> bool:
    """Remove ``entry``; False when another process removed it first. Readers take a vanished entry as a
    miss; on POSIX, arrays they memory-mapped stay readable until they are done with them."""
    removed = False
    for path in entry.paths:
        removed = _remove_path(path) or removed
    return removed
