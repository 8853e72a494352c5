"""VidOR box annotations: one JSON per video, boxes per frame as ``{tid, bbox}``.

VidSTG's sentences point into these trajectories (``target_id`` is a VidOR
``tid``). The directory may be nested as released
(``<split>/<group>/<vid>.json``) or flat (``<vid>.json``).
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np

from ..core.errors import AnnotationError, InputFileError
from ..core.jsonio import gc_paused, read_bytes
from .base import check_box_values


class _BBox(msgspec.Struct, gc=False):
    xmin: float
    ymin: float
    xmax: float
    ymax: float


class _FrameObject(msgspec.Struct, gc=False):
    tid: int
    bbox: _BBox


class _VidorVideo(msgspec.Struct, gc=False):
    frame_count: int
    fps: float
    width: int
    height: int
    trajectories: list[list[_FrameObject]]


_DECODER = msgspec.json.Decoder(_VidorVideo)


def index_directory(vidor_dir: Path) -> dict[str, Path]:
    """Map video id (file stem) to its JSON file anywhere below ``vidor_dir``."""
    if not vidor_dir.is_dir():
        raise InputFileError("VidOR annotation directory not found", path=vidor_dir)
    index: dict[str, Path] = {}
    for path in vidor_dir.rglob("*.json"):
        if path.stem in index:
            raise AnnotationError(
                f"video {path.stem} appears twice ({index[path.stem]} and {path})", path=vidor_dir
            )
        index[path.stem] = path
    return index


def read_trajectories(path: Path, wanted_tids: set[int], frame_count: int) -> dict[int, np.ndarray]:
    """Boxes of ``wanted_tids`` on every frame of one video: ``{tid: (frame_count, 4)}``, NaN where absent.

    Raises AnnotationError if the file is malformed or disagrees with the
    sentence annotation's ``frame_count``.
    """
    try:
        with gc_paused():
            video = _DECODER.decode(read_bytes(path))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise AnnotationError(f"invalid VidOR annotation: {exc}", path=path) from None
    except RecursionError:
        raise AnnotationError("invalid VidOR annotation: JSON nested too deeply", path=path) from None
    if video.frame_count != frame_count or len(video.trajectories) != frame_count:
        raise AnnotationError(
            f"VidOR says {video.frame_count} frames ({len(video.trajectories)} trajectory entries), "
            f"the sentence annotation says {frame_count}",
            path=path,
        )
    rows = [
        (frame, obj.tid, obj.bbox.xmin, obj.bbox.ymin, obj.bbox.xmax, obj.bbox.ymax)
        for frame, objects in enumerate(video.trajectories)
        for obj in objects
        if obj.tid in wanted_tids
    ]
    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    check_box_values(table[:, 2:], path, lambda row: path.stem, "bbox")
    out = {}
    for tid in wanted_tids:
        mine = table[table[:, 1] == tid]
        boxes = np.full((frame_count, 4), np.nan)
        boxes[mine[:, 0].astype(np.int64)] = mine[:, 2:]
        out[tid] = boxes
    return out
