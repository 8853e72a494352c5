"""``stvg-bench leaderboard fetch``: download the prediction files entries give by URL (never done by a build).

Each file goes to ``<cache>/leaderboard/predictions/<sha256>`` only after its
size and sha256 matched the entry; files already there are kept.
"""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path

from ..core import atomic
from ..core.errors import InputFileError
from .entries import load_entries
from .sources import DigestMismatch, fetched_path, sha256_of


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read()
    except OSError as exc:
        raise InputFileError(f"download failed ({exc})", path=url) from None


def fetch(root: Path) -> list[tuple[str, Path, bool]]:
    """Fetch every URL source of the entries under ``root``: ``(url, path, downloaded now)`` per source."""
    out = []
    for entry in load_entries(root):
        for source in entry.predictions:
            if source.kind != "url":
                continue
            path = fetched_path(source.sha256)
            if path.is_file() and sha256_of(path) == source.sha256:
                out.append((source.location, path, False))
                continue
            data = _download(source.location)
            digest = hashlib.sha256(data).hexdigest()
            if len(data) != source.size or digest != source.sha256:
                raise DigestMismatch(f"entry {entry.dataset}/{entry.name}: {len(data)} bytes with sha256 {digest}; "
                                     f"the entry records {source.size} bytes, {source.sha256}; nothing was stored",
                                     path=source.location)
            atomic.write_bytes(path, data)
            out.append((source.location, path, True))
    return out
