"""Where an entry's prediction file is, and the proof that it is the file the entry names.

Three kinds (``PredictionSource.kind``):

* ``path``: a small file committed under ``leaderboards/`` (at most :data:`MAX_COMMITTED_BYTES`);
* ``url``: a large file, fetched only by ``stvg-bench leaderboard fetch`` into the cache
  (``<cache>/leaderboard/predictions/<sha256>``), never at build time;
* ``release``: a file of a dataset's public release inside the data directory (the
  GroundingYouTube human baseline is the release's aggregated clicks).

Every file's size and sha256 are checked against the entry before it is read; a
prediction file is parsed as data only, by the registered formats.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..core.errors import InputFileError, StvgBenchError
from .data_dir import release_path
from .entries import Entry, PredictionSource

MAX_COMMITTED_BYTES = 16 * 1024 * 1024


class DigestMismatch(StvgBenchError):
    """A prediction file whose size or sha256 is not the one its entry records."""


def fetched_path(sha256: str) -> Path:
    """Where ``stvg-bench leaderboard fetch`` keeps the URL source of this sha256."""
    from ..core.cachedir import cache_root

    return cache_root() / "leaderboard" / "predictions" / sha256


def local_path(entry: Entry, source: PredictionSource, root: Path, data_dir: Path) -> Path:
    """The file on disk holding ``source`` (not yet checked)."""
    if source.kind == "path":
        path = Path(root) / source.location
        if not path.is_file():
            raise InputFileError(f"entry {entry.dataset}/{entry.name}: prediction file not found", path=path)
        return path
    if source.kind == "url":
        path = fetched_path(source.sha256)
        if not path.is_file():
            raise InputFileError(f"entry {entry.dataset}/{entry.name}: {source.location} has not been fetched; run "
                                 "`stvg-bench leaderboard fetch` (nothing is downloaded at build time)", path=path)
        return path
    return release_path(data_dir, source.location)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify(entry: Entry, source: PredictionSource, path: Path) -> None:
    """Refuse a file whose size or sha256 differs from the entry, or a committed file over the size cap."""
    size = path.stat().st_size
    if source.kind == "path" and size > MAX_COMMITTED_BYTES:
        raise DigestMismatch(f"committed prediction files are capped at {MAX_COMMITTED_BYTES} bytes ({size}); "
                             "host it and give url, sha256 and size", path=path)
    if size != source.size:
        raise DigestMismatch(f"entry {entry.dataset}/{entry.name} records {source.size} bytes, the file has {size}",
                             path=path)
    digest = sha256_of(path)
    if digest != source.sha256:
        raise DigestMismatch(f"entry {entry.dataset}/{entry.name} records sha256 {source.sha256}, the file has "
                             f"{digest}", path=path)


def checked_path(entry: Entry, source: PredictionSource, root: Path, data_dir: Path) -> Path:
    """The verified file of ``source``."""
    path = local_path(entry, source, root, data_dir)
    verify(entry, source, path)
    return path
