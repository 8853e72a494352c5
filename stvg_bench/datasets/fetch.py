"""Fetching the official public annotation files, pinned by URL and sha256.

``stvg-bench datasets fetch vidstg`` stores the files in the cache directory
(``$STVG_BENCH_CACHE/<dataset>/``), where adapters look when no
``--annotations`` is given. ``--from DIR`` copies from a local mirror instead of
the network (and is how this is tested offline). Every file is checked
against its pinned sha256 before it is moved into place; nothing is ever
fetched at scoring time.
"""

from __future__ import annotations

import hashlib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..errors import AnnotationError, InputFileError, OptionError
from .cache import cache_root, file_sha256

VIDSTG_COMMIT = "126d87fa8efe1e5b5dfc1c303258c9bfef18f5fb"
VIDSTG_BASE = f"https://raw.githubusercontent.com/Guaranteer/VidSTG-Dataset/{VIDSTG_COMMIT}/annotations"


@dataclass(frozen=True)
class RemoteFile:
    """One released file: where it lives and what its bytes hash to."""

    name: str
    url: str
    sha256: str
    size: int


RELEASES: dict[str, tuple[RemoteFile, ...]] = {
    "vidstg": (
        RemoteFile(
            "test_annotations.json",
            f"{VIDSTG_BASE}/test_annotations.json",
            "ef769b9823ce2a4da8ff190ab69ccc77b8965181c58384fadc1f81e96fc4f2a7",
            3639962,
        ),
        RemoteFile(
            "val_annotations.json",
            f"{VIDSTG_BASE}/val_annotations.json",
            "b62a86e7c6c215a82a756fcb3a906809380f4d8807a8cffbdfd84822ece163c6",
            3263900,
        ),
        RemoteFile(
            "test_files.json",
            f"{VIDSTG_BASE}/test_files.json",
            "a52d4e0d07ee2ae71e4626560311b1c317c503ddda5cfd65f22f9a25b1f09984",
            10444,
        ),
        RemoteFile(
            "val_files.json",
            f"{VIDSTG_BASE}/val_files.json",
            "453d62b5b332bcb2e775e9821f0d7ee4c08c398ba336d26b5cc1fe54b94814ec",
            8700,
        ),
        RemoteFile(
            "train_files.json",
            f"{VIDSTG_BASE}/train_files.json",
            "e213644c4d7fd35fa20f7f97eea3362199dd1ff90bb7a80fed031847d1693c5c",
            78334,
        ),
    ),
}


def fetch(dataset: str, mirror: str | Path | None = None, cache_dir: str | Path | None = None) -> list[Path]:
    """Store the pinned files of ``dataset`` under ``cache_dir/<dataset>/``; return their paths.

    Files already present with the right sha256 are kept. With ``mirror`` the
    files are copied from that directory (searched recursively by name).
    Raises AnnotationError when a file's sha256 differs from the pinned one.
    """
    if dataset not in RELEASES:
        raise OptionError(f"no pinned release for {dataset!r}; fetchable: {', '.join(RELEASES)}")
    target_dir = Path(cache_dir) if cache_dir is not None else cache_root()
    target_dir = target_dir / dataset
    paths = []
    for remote in RELEASES[dataset]:
        target = target_dir / remote.name
        if target.is_file() and file_sha256(target) == remote.sha256:
            paths.append(target)
            continue
        data = _from_mirror(Path(mirror), remote) if mirror is not None else _download(remote)
        digest = hashlib.sha256(data).hexdigest()
        if digest != remote.sha256:
            raise AnnotationError(
                f"sha256 mismatch for {remote.name} ({len(data)} bytes, pinned {remote.size}): expected "
                f"{remote.sha256}, got {digest}; nothing was written",
                path=Path(mirror) / remote.name if mirror is not None else remote.url,
            )
        atomic.write_bytes(target, data)
        paths.append(target)
    return paths


def _from_mirror(mirror: Path, remote: RemoteFile) -> bytes:
    if not mirror.is_dir():
        raise InputFileError("mirror directory not found", path=mirror)
    candidates = sorted(mirror.rglob(remote.name))
    if not candidates:
        raise InputFileError(f"{remote.name} not found in the mirror", path=mirror)
    return candidates[0].read_bytes()


def _download(remote: RemoteFile) -> bytes:  # pragma: no cover - needs the network; tests use a mirror
    try:
        with urllib.request.urlopen(remote.url, timeout=60) as response:
            return response.read()
    except OSError as exc:
        raise InputFileError(
            f"download failed ({exc}); use --from DIR with a local copy", path=remote.url
        ) from None
