"""Cache of parsed annotations, keyed by the sha256 of the annotation files (see :mod:`stvg_bench.core.cachedir`).

Parsing a large annotation JSON costs seconds; reading its arrays back costs
milliseconds. An entry lives in ``<cache root>/parsed/<adapter>-<split>-<key>``
where ``key`` hashes the adapter name and version, the cache format and the
sha256 (or signature) of every input, so a changed file is never served from
a stale entry. A hit refreshes the entry's last use and a new entry may evict
old ones (:mod:`stvg_bench.core.cache_lru`); an entry removed while it is read
is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..core import atomic, cache_lru
from ..core.cachedir import cache_root
from ..core.errors import InputFileError
from ..core.jsonio import decompress, read_head, read_raw
from ..core.progress import step
from ..data import tubes as groundtruth
from ..data.tubes import GroundTruth

log = logging.getLogger("stvg_bench")


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, streamed."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _stat_entry(path: Path) -> Path:
    stat = path.stat()
    signature = f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}\0{stat.st_dev}"
    return cache_root() / "digests" / hashlib.sha256(signature.encode()).hexdigest()


def remembered_sha256(path: str | Path, compute: Callable[[], str] | None = None) -> str:
    """sha256 of an annotation file, recomputed only when its size, mtime, inode or device change.

    Annotation files are read-only inputs of hundreds of MB; hashing one on every run would cost more
    than scoring. The digest is kept under ``<cache>/digests/``, keyed by the file's resolved path and
    stat signature. ``compute`` gives the digest when it is not remembered (default: hash the file).
    """
    path = Path(path)
    entry = _stat_entry(path)
    try:
        digest = entry.read_text().strip()
        if len(digest) == 64:
            cache_lru.used(entry)
            return digest
    except OSError:
        pass
    digest = compute() if compute is not None else file_sha256(path)
    try:
        atomic.write_bytes(entry, digest.encode())
    except OSError:
        return digest  # a read-only cache: hash every time
    cache_lru.stored(entry)
    return digest


class AnnotationFile:
    """One annotation input, read at most once.

    A regular file is recognised from its first bytes and identified by its remembered sha256, so a warm
    run never reads it whole. Anything else (a pipe, ``<(...)`` in a shell) is read once, and its sha256
    is that of the bytes read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.regular = stat.S_ISREG(os.stat(self.path).st_mode)
        except FileNotFoundError:
            raise InputFileError("no such file", path=self.path) from None
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror or exc}", path=self.path) from None
        if stat.S_ISDIR(os.stat(self.path).st_mode):
            raise InputFileError("is a directory, expected a file", path=self.path)
        self._data: bytes | None = None
        self._sha256: str | None = None

    def _read(self) -> None:
        if self._data is None:
            raw = read_raw(self.path)
            self._data, self._sha256 = decompress(raw, self.path), hashlib.sha256(raw).hexdigest()

    def head(self) -> bytes:
        """The first 64 KiB of the (gunzipped) content."""
        if self.regular and self._data is None:
            return read_head(self.path)
        self._read()
        return self._data[: 1 << 16]

    def data(self) -> bytes:
        """The whole (gunzipped) content."""
        self._read()
        return self._data

    def record(self) -> dict:
        """Its path and sha256 (of the bytes as stored), for results and cache keys."""
        if self.regular:
            def digest() -> str:
                self._read()
                return self._sha256

            return {"path": str(self.path), "sha256": remembered_sha256(self.path, digest)}
        self._read()
        return {"path": str(self.path), "sha256": self._sha256}


def directory_signature(paths: list[Path], root: Path) -> str:
    """sha256 over (relative path, size, mtime) of ``paths``: cheap identity of a large tree."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def input_record(path: str | Path | None, sha256: str | None = None, signature: str | None = None) -> dict:
    """How results and cache keys name an input that is not one file (a directory's signature, generated
    data's sha256). Files are recorded by :meth:`AnnotationFile.record`."""
    record = {"path": None if path is None else str(path)}
    record.update({"signature": signature} if signature is not None else {"sha256": sha256})
    return record


def identity(inputs: dict[str, dict]) -> dict[str, str]:
    """The content identity of ``inputs``: digests and signatures only, never paths."""
    return {name: record.get("sha256") or record["signature"] for name, record in inputs.items()}


def cached_groundtruth(
    adapter_name: str,
    adapter_version: int,
    split: str,
    inputs: dict[str, dict],
    build: Callable[[], GroundTruth],
    use_cache: bool = True,
) -> tuple[GroundTruth, Path | None]:
    """Return the parsed ground truth for ``inputs`` and its cache entry (None when not cached),
    building and storing it on a miss."""
    parsing = f"Parsing the {adapter_name} {split} annotations"
    if not use_cache:
        with step(parsing):
            return build(), None
    key_material = json.dumps(
        {
            "adapter": adapter_name,
            "adapter_version": adapter_version,
            "cache_format": groundtruth.CACHE_FORMAT_VERSION,
            "split": split,
            "inputs": identity(inputs),
        },
        sort_keys=True,
    )
    key = hashlib.sha256(key_material.encode()).hexdigest()
    entry = cache_root() / "parsed" / f"{adapter_name}-{split}-{key[:32]}"
    meta_path = entry / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            gt = groundtruth.load(entry, meta)
            cache_lru.used(entry)
            return gt, entry
    except (OSError, ValueError, KeyError):
        pass  # missing, damaged, or removed by another process while read: built below
    with step(parsing):
        gt = build()
    try:
        groundtruth.save(gt, entry, {"key": key, "inputs": identity(inputs)})
    except OSError as exc:
        log.warning("cannot write the annotation cache (%s)", exc)
        return gt, None
    cache_lru.stored(entry)
    return gt, entry
