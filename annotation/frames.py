"""Frames to annotate: 1 per second inside the temporal segments, written as images.

Segments come in GroundingYouTube's ``seg.json`` layout: per video a list of
``{segment: [start_s, end_s] (inclusive), id, sentence}``. Second ``s`` of a
video is the first decoded frame whose timestamp is at or after ``s`` seconds
(or, for a folder of extracted frames, the image whose trailing number is
``s x frames_fps``). A margin adds seconds before and after each segment so
that annotators can also answer "not visible".
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from stvg_bench.core.errors import InputFileError
from stvg_bench.core.jsonio import read_raw

from .errors import AnnotationInputError
from .extra import require

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class Segment:
    """A temporal segment: ``[start, end]`` inclusive seconds of ``step`` in ``video``."""

    video: str
    segment_id: int
    step: str
    start: int
    end: int


@dataclass(frozen=True)
class Frame:
    """One frame to annotate, for one segment (a second in two segments is two frames)."""

    video: str
    second: int
    segment_id: int
    step: str
    path: Path
    width: int
    height: int


def read_segments(path: Path) -> dict[str, list[Segment]]:
    """Segments per video from a ``seg.json``-layout file."""
    data = read_raw(path)  # one line for a missing file, a directory, a file past the input limit
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise InputFileError(f"not valid JSON ({exc})", path=path) from None
    except RecursionError:
        raise InputFileError("not valid JSON (nested too deeply)", path=path) from None
    if not isinstance(raw, dict):
        raise AnnotationInputError("expected {video: [{segment, id, sentence}, ...]}", path=path)
    out = {}
    for video, entries in raw.items():
        segments = []
        for k, entry in enumerate(entries):
            try:
                start, end = (int(v) for v in entry["segment"])
                segments.append(Segment(video, int(entry.get("id", k)), str(entry["sentence"]), start, end))
            except (KeyError, TypeError, ValueError):
                raise AnnotationInputError(f"video {video}: entry {k} is not {{segment: [start, end], sentence}}",
                                           path=path) from None
            if end < start:
                raise AnnotationInputError(f"video {video}: segment {k} ends before it starts", path=path)
        out[video] = segments
    return out


def seconds_to_annotate(segments: list[Segment], margin: int, last_second: int | None) -> list[tuple[int, Segment]]:
    """``(second, segment)`` pairs: every second of each segment widened by ``margin``, inside the video."""
    pairs = []
    for segment in segments:
        first = max(0, segment.start - margin)
        last = segment.end + margin if last_second is None else min(segment.end + margin, last_second)
        pairs += [(second, segment) for second in range(first, last + 1)]
    return pairs


def frame_name(video: str, second: int, step: str) -> str:
    """``<video>_<second>_<step with underscores>.jpg``, the release's naming."""
    return f"{video}_{second}_{'_'.join(step.split())}.jpg"


def video_frames(source: Path, video: str, segments: list[Segment], margin: int, out_dir: Path) -> list[Frame]:
    """Decode ``source`` with PyAV and write the frames of the wanted seconds as JPEG images."""
    av = require("av")
    try:
        container = av.open(str(source))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputFileError(f"cannot decode video ({exc})", path=source) from None
    with container:
        stream = container.streams.video[0]
        duration = float(stream.duration * stream.time_base) if stream.duration else None
        last_second = int(duration) if duration is not None else None
        pairs = seconds_to_annotate(segments, margin, last_second)
        wanted = sorted({second for second, _ in pairs})
        images = {}
        next_index = 0
        for frame in container.decode(stream):
            if next_index >= len(wanted):
                break
            time = float(frame.pts * stream.time_base) if frame.pts is not None else frame.time
            while next_index < len(wanted) and time >= wanted[next_index]:
                images[wanted[next_index]] = frame.to_image()
                next_index += 1
    frames = []
    for second, segment in pairs:
        if second not in images:
            continue  # past the last decoded frame
        image = images[second]
        path = out_dir / video / frame_name(video, second, segment.step)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, quality=92)
        frames.append(Frame(video, second, segment.segment_id, segment.step, path, image.width, image.height))
    return frames


def folder_frames(source: Path, video: str, segments: list[Segment], margin: int, out_dir: Path,
                  frames_fps: float) -> list[Frame]:
    """Copy the wanted images from a folder of extracted frames (trailing number = frame index)."""
    image_module = require("PIL.Image")
    by_index = {}
    for path in sorted(source.iterdir()):
        match = _TRAILING_NUMBER.search(path.stem)
        if path.suffix.lower() in IMAGE_SUFFIXES and match:
            by_index[int(match.group(1))] = path
    if not by_index:
        raise InputFileError("no numbered images (.jpg, .jpeg, .png) in the frame folder", path=source)
    last_second = int(max(by_index) / frames_fps)
    frames = []
    for second, segment in seconds_to_annotate(segments, margin, last_second):
        original = by_index.get(round(second * frames_fps))
        if original is None:
            continue
        path = out_dir / video / frame_name(video, second, segment.step)
        path.parent.mkdir(parents=True, exist_ok=True)
        with image_module.open(original) as image:
            width, height = image.size
            if original.suffix.lower() in (".jpg", ".jpeg"):
                shutil.copyfile(original, path)
            else:
                image.convert("RGB").save(path, quality=92)
        frames.append(Frame(video, second, segment.segment_id, segment.step, path, width, height))
    return frames
