"""Cache of parsed annotations, keyed by the sha256 of the annotation files (see :mod:`stvg_bench.core.cachedir`).

Parsing a large annotation JSON costs seconds; reading its arrays back costs
milliseconds. An entry lives in ``<cache root>/parsed/<adapter>-<split>-<key>``
where ``key`` hashes the adapter name and version, the cache format and the
sha256 (or signature) of every input, so a changed file is never served from
a stale entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from ..core import atomic
from ..core.cachedir import cache_root
from ..data import tubes as groundtruth
from ..data.tubes import GroundTruth

log = logging.getLogger("stvg_bench")


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, streamed."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def remembered_sha256(path: str | Path) -> str:
    """sha256 of an annotation file, recomputed only when its size, mtime, inode or device change.

    Annotation files are read-only inputs of hundreds of MB; hashing one on every run would cost more
    than scoring. The digest is kept under ``<cache>/digests/``, keyed by the file's resolved path and
    stat signature.
    """
    path = Path(path)
    stat = path.stat()
    signature = f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}\0{stat.st_dev}"
    entry = cache_root() / "digests" / hashlib.sha256(signature.encode()).hexdigest()
    try:
        digest = entry.read_text().strip()
        if len(digest) == 64:
            return digest
    except OSError:
        pass
    digest = file_sha256(path)
    try:
        atomic.write_bytes(entry, digest.encode())
    except OSError:
        pass  # a read-only cache: hash every time
    return digest


def directory_signature(paths: list[Path], root: Path) -> str:
    """sha256 over (relative path, size, mtime) of ``paths``: cheap identity of a large tree."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def input_record(path: str | Path | None, sha256: str | None = None, signature: str | None = None) -> dict:
    """How results and cache keys name one annotation input: its path and its sha256 (or a signature)."""
    record = {"path": None if path is None else str(path)}
    if signature is not None:
        record["signature"] = signature
    else:
        record["sha256"] = sha256 if sha256 is not None else remembered_sha256(path)
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
    if not use_cache:
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
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
            if meta.get("key") == key:
                return groundtruth.load(entry, meta), entry
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is rebuilt below
    gt = build()
    try:
        groundtruth.save(gt, entry, {"key": key, "inputs": identity(inputs)})
    except OSError as exc:
        log.warning("cannot write the annotation cache (%s)", exc)
        return gt, None
    return gt, entry
