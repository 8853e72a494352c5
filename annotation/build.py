"""Building an annotation job: frames on disk, Label Studio tasks, and a manifest.

A *build* directory holds ``tasks.json`` (Label Studio tasks) and
``manifest.json`` (what was built, with which parameters; every later step
reads it). Its frames, ``<video>/<video>_<second>_<step>.jpg``, go to
``<document root>/<build name>/``: Label Studio's local-files storage serves
them from its document root, the one folder it serves, which holds frames and
nothing else (by default ``frames/`` beside the build directory); tasks name
frames relative to it. The build directory itself is never served.

Tasks hold one frame, or a *work package* of up to N frames of one segment
shown as pages (``<Image valueList>``); either way the query text (the step)
is shown with the frames, and every task carries a stable ``key`` so that
pushing twice never duplicates a task.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError, OptionError
from stvg_bench.core.jsonio import dumps_pretty
from stvg_bench.data.actions import normalise_step

from .errors import AnnotationInputError
from .frames import Frame, Segment, folder_frames, read_segments, video_frames

MANIFEST = "manifest.json"
TASKS = "tasks.json"
MANIFEST_FORMAT = "stvg-bench/annotation-build"
MANIFEST_VERSION = 2
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".avi", ".mov")


@dataclass(frozen=True)
class Build:
    """A build read back from its manifest."""

    directory: Path
    document_root: Path
    frames_directory: Path
    package_size: int
    segments: dict[str, list[Segment]]
    frames: list[Frame]
    tasks: list[dict]

    def frame_url(self, frame: Frame) -> str:
        return local_files_url(frame.path, self.document_root)


def local_files_url(path: Path, document_root: Path) -> str:
    """The URL Label Studio's local-files storage serves ``path`` at."""
    return "/data/local-files/?d=" + quote(str(Path(path).resolve().relative_to(document_root.resolve())))


def display(step: str) -> str:
    """The step as annotators read it: underscores as spaces."""
    return " ".join(step.replace("_", " ").split())


def frame_key(video: str, second: int, step: str) -> str:
    return f"{video}/{second}/{normalise_step(step)}"


def make_tasks(frames: list[Frame], document_root: Path, package_size: int) -> list[dict]:
    """Label Studio tasks: one frame each, or packages of up to ``package_size`` frames of a segment."""
    if package_size == 1:
        return [
            {"data": {"image": local_files_url(f.path, document_root), "query": display(f.step), "video": f.video,
                      "second": f.second, "step": f.step, "segment_id": f.segment_id,
                      "key": frame_key(f.video, f.second, f.step)}}
            for f in frames
        ]
    by_segment: dict[tuple[str, int], list[Frame]] = {}
    for frame in frames:
        by_segment.setdefault((frame.video, frame.segment_id), []).append(frame)
    tasks = []
    for (video, segment_id), members in by_segment.items():
        for chunk, first in enumerate(range(0, len(members), package_size)):
            page = members[first : first + package_size]
            tasks.append({"data": {
                "frames": [local_files_url(f.path, document_root) for f in page],
                "query": display(page[0].step), "video": video, "segment_id": segment_id,
                "items": [{"second": f.second, "step": f.step} for f in page],
                "key": f"{video}/segment {segment_id}/{chunk}",
            }})
    return tasks


def _source_of(sources: Path, video: str) -> Path:
    if sources.is_file():
        return sources
    for suffix in VIDEO_SUFFIXES:
        if (sources / f"{video}{suffix}").is_file():
            return sources / f"{video}{suffix}"
    if (sources / video).is_dir():
        return sources / video
    raise InputFileError(f"no video file or frame folder for video {video}", path=sources)


def build(
    source: Path,
    segments_path: Path,
    out_dir: Path,
    video_id: str | None = None,
    margin: int = 0,
    package_size: int = 1,
    frames_fps: float = 1.0,
    document_root: Path | None = None,
) -> Build:
    """Extract the frames of every segmented video under ``source`` and write tasks and manifest.

    ``source`` is a video file (then ``video_id`` names it), a frame folder, or a
    directory of ``<video>.<ext>`` files / ``<video>/`` frame folders. Frames go to
    ``document_root/<name of out_dir>`` (``document_root``: ``frames/`` beside ``out_dir`` by default).
    """
    if package_size < 1 or margin < 0 or not (math.isfinite(frames_fps) and frames_fps > 0):
        raise OptionError("--package-size must be >= 1, --margin >= 0 and --frames-fps > 0")
    source, out_dir = Path(source), Path(out_dir).resolve()
    document_root = Path(document_root if document_root is not None else out_dir.parent / "frames").resolve()
    frames_directory = document_root / out_dir.name
    if out_dir.is_relative_to(document_root) or document_root.is_relative_to(out_dir):
        raise OptionError(f"the build directory {out_dir} and the document root {document_root} overlap: the "
                          "document root is served to annotators and holds frames only")
    segments = read_segments(segments_path)
    if video_id is not None:
        segments = {video_id: segments.get(video_id, [])}
        if not segments[video_id]:
            raise AnnotationInputError(f"no segment for video {video_id}", path=segments_path)
    elif source.is_file():
        raise OptionError("a single video file needs --video-id (its key in the segments file)")
    frames: list[Frame] = []
    for video, video_segments in segments.items():
        origin = source if video_id else _source_of(source, video)
        if origin.is_dir():
            frames += folder_frames(origin, video, video_segments, margin, frames_directory, frames_fps)
        else:
            frames += video_frames(origin, video, video_segments, margin, frames_directory)
    if not frames:
        n_segments = sum(len(s) for s in segments.values())
        raise AnnotationInputError(
            f"no frame selected: the {n_segments} segments of {len(segments)} videos cover no second the sources "
            "have (check that the segments' seconds fit the videos' lengths, --frames-fps for a frame folder, or "
            "widen --margin)", path=segments_path)
    tasks = make_tasks(frames, document_root, package_size)
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "document_root": str(document_root),
        "frames_directory": frames_directory.name,
        "margin": margin,
        "package_size": package_size,
        "frames_fps": frames_fps,
        "segments": {v: [s.__dict__ for s in segs] for v, segs in segments.items()},
        "frames": [{**f.__dict__, "path": str(f.path.resolve().relative_to(document_root))} for f in frames],
    }
    atomic.write_bytes(out_dir / TASKS, dumps_pretty(tasks))
    atomic.write_bytes(out_dir / MANIFEST, dumps_pretty(manifest))
    return load(out_dir)


def load(directory: Path) -> Build:
    """Read a build directory's manifest and tasks (every field checked: a damaged manifest is one error)."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
        tasks = json.loads((directory / TASKS).read_text())
    except FileNotFoundError:
        raise InputFileError(f"not a build directory (no {MANIFEST} or {TASKS}); run `stvg-bench annotate build`",
                             path=directory) from None
    except (OSError, ValueError, RecursionError) as exc:
        raise InputFileError(f"damaged build ({exc})", path=directory) from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise AnnotationInputError("not an stvg-bench annotation build", path=manifest_path)
    if manifest.get("version") != MANIFEST_VERSION:
        raise AnnotationInputError(f"a build of version {manifest.get('version')!r}; this stvg-bench reads "
                                   f"version {MANIFEST_VERSION} (frames apart from the build): build again",
                                   path=manifest_path)
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict)
                                              and "key" in t["data"] for t in tasks):
        raise AnnotationInputError("damaged tasks: expected a list of tasks with data and a key",
                                   path=directory / TASKS)
    try:
        root = Path(manifest["document_root"])
        frames_directory = root / manifest["frames_directory"]
        package_size = int(manifest["package_size"])
        segments = {str(v): [Segment(**s) for s in segs] for v, segs in manifest["segments"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AnnotationInputError(f"damaged manifest ({type(exc).__name__}: {exc})",
                                   path=manifest_path) from None
    frames = [_frame(entry, k, root, manifest_path) for k, entry in enumerate(manifest.get("frames") or [])]
    return Build(directory, root, frames_directory, package_size, segments, frames, tasks)


def _frame(entry: dict, position: int, root: Path, manifest_path: Path) -> Frame:
    where = {"path": manifest_path, "position": f"frame {position}"}
    try:
        frame = Frame(video=str(entry["video"]), second=int(entry["second"]), segment_id=int(entry["segment_id"]),
                      step=str(entry["step"]), path=root / entry["path"], width=int(entry["width"]),
                      height=int(entry["height"]))
    except KeyError as exc:
        raise AnnotationInputError(f"damaged manifest: the frame lacks {exc}", **where) from None
    except (TypeError, ValueError) as exc:
        raise AnnotationInputError(f"damaged manifest: {exc}", **where) from None
    if frame.width < 1 or frame.height < 1:
        raise AnnotationInputError(f"damaged manifest: a frame of {frame.width}x{frame.height} px", **where)
    return frame
