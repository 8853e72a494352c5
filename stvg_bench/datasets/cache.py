"""Cache of parsed annotations, keyed by the sha256 of the annotation files.

Parsing a large annotation JSON costs seconds; reading its arrays back costs
milliseconds. An entry lives in ``<cache root>/parsed/<adapter>-<split>-<key>``
where ``key`` hashes the adapter name and version, the cache format and the
sha256 (or signature) of every input, so a changed file is never served from
a stale entry. The root is ``$STVG_BENCH_CACHE`` or ``~/.cache/stvg-bench``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..data import tubes as groundtruth
from ..data.tubes import GroundTruth


def cache_root() -> Path:
    """Directory holding fetched annotation files and parsed-annotation entries."""
    root = os.environ.get("STVG_BENCH_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "stvg-bench"


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, streamed."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def directory_signature(paths: list[Path], root: Path) -> str:
    """sha256 over (relative path, size, mtime) of ``paths``: cheap identity of a large tree."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def cached_groundtruth(
    adapter_name: str,
    adapter_version: int,
    split: str,
    inputs: dict[str, str],
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
            "inputs": inputs,
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
        groundtruth.save(gt, entry, {"key": key, "inputs": inputs})
    except OSError as exc:
        print(f"stvg-bench: warning: cannot write the annotation cache ({exc})", file=sys.stderr)
        return gt, None
    return gt, entry
