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

from ..core import atomic
from ..core.cachedir import cache_root
from ..core.errors import AnnotationError, InputFileError, OptionError, quote
from .cache import file_sha256

VIDSTG_COMMIT = "126d87fa8efe1e5b5dfc1c303258c9bfef18f5fb"
VIDSTG_BASE = f"https://raw.githubusercontent.com/Guaranteer/VidSTG-Dataset/{VIDSTG_COMMIT}/annotations"
GYT_CODE = "https://raw.githubusercontent.com/brian7685/GroundingYouTube"
GYT_SITE = "https://raw.githubusercontent.com/brian7685/STG"


@dataclass(frozen=True)
class RemoteFile:
    """One released file: where it lives and what its bytes hash to."""

    name: str
    url: str
    sha256: str
    size: int


def _release(base: str, files: tuple[tuple[str, str, str, int], ...]) -> tuple[RemoteFile, ...]:
    """RemoteFiles from ``(name, path under base, sha256, size)`` rows."""
    return tuple(RemoteFile(name, f"{base}/{path}", sha256, size) for name, path, sha256, size in files)


GYT_ANNOTATIONS = "ba23021ba49256db03be3a2a8cc45fda79e36092/data/GroundingYouTube/grounding_anno"
GYT_MINING = "d5af1111bc3701e315cde83b77edaf83cd6cec2b/mining_anno"

RELEASES: dict[str, tuple[RemoteFile, ...]] = {
    "vidstg": _release(VIDSTG_BASE, (
        ("test_annotations.json", "test_annotations.json",
         "ef769b9823ce2a4da8ff190ab69ccc77b8965181c58384fadc1f81e96fc4f2a7", 3639962),
        ("val_annotations.json", "val_annotations.json",
         "b62a86e7c6c215a82a756fcb3a906809380f4d8807a8cffbdfd84822ece163c6", 3263900),
        ("test_files.json", "test_files.json",
         "a52d4e0d07ee2ae71e4626560311b1c317c503ddda5cfd65f22f9a25b1f09984", 10444),
        ("val_files.json", "val_files.json",
         "453d62b5b332bcb2e775e9821f0d7ee4c08c398ba336d26b5cc1fe54b94814ec", 8700),
        ("train_files.json", "train_files.json",
         "e213644c4d7fd35fa20f7f97eea3362199dd1ff90bb7a80fed031847d1693c5c", 78334),
    )),
    "groundingyoutube": _release(GYT_SITE, (
        ("box_anno.json", "5413121a5eaba1e3681a85e2ff709d724ea241b0/docs/annotations/box_anno.json",
         "6f0f806cf2af35c0de4427a79f8638ff1d16c381f61ec583b89b0bee0221afc1", 1248565),
        ("GoundingYouTubeBox.json", "3c28cefb2e101b5e52333467d536138182a9c636/annotations/GoundingYouTubeBox.json",
         "d0c54512a3d1fe688d7d3d48949b919f92db24c691fffe0f249ca19f9f9170f8", 1023456),
    )) + _release(GYT_CODE, (
        ("ground_seg.json", f"{GYT_ANNOTATIONS}/ground_seg.json",
         "9d4b4c23e7bb7ec87f230ce06ec0b393618699e9ffa6c2cb2114f7ae02d42c04", 303704),
        ("id2wh_new.json", f"{GYT_ANNOTATIONS}/id2wh_new.json",
         "5846cb7e68cd67fca57a9747a90ad7671ba112603ca3fb3be6b587bacc0afb1c", 13252),
        ("seg.json", f"{GYT_MINING}/seg.json",
         "96f4bb854b8faa67acbb0f514217a3516cac0e5c07f68020f6a074c162356149", 310489),
        ("vid2step.json", f"{GYT_MINING}/vid2step.json",
         "af5c893bd363df556e092d6167d82c72880c2f2a83f8b82e8ed1883159006de0", 38400),
        ("pumpkin_youtube_FPS_21k_annotation_full_agg_p.json",
         "bd11b90b849f9e796627b10e8c2c544b6f580f6a/pumpkin_youtube_FPS_21k_annotation_full_agg_p.json",
         "528305c0ad9d68d0a3e2fd9e7eb1d4212e8ae2a563b5878888d25a0f8cb5e0db", 4039234),
    )),
}


def fetch(dataset: str, mirror: str | Path | None = None, cache_dir: str | Path | None = None) -> list[Path]:
    """Store the pinned files of ``dataset`` under ``cache_dir/<dataset>/``; return their paths.

    Files already present with the right sha256 are kept. With ``mirror`` the
    files are copied from that directory (searched recursively by name).
    Raises AnnotationError when a file's sha256 differs from the pinned one.
    """
    if dataset not in RELEASES:
        raise OptionError(f"no pinned release for {quote(dataset)}; fetchable: {', '.join(RELEASES)}")
    if mirror is not None and not str(mirror).strip():
        raise OptionError("--from is empty: name the mirror directory (an empty path would search the working one)")
    if mirror is not None and not Path(mirror).is_dir():
        raise InputFileError("mirror directory not found", path=mirror)
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
