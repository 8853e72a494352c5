"""Frame-accurate decoding with PyAV: presentation timestamps, keyframe seek, decode forward."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stvg_bench.core.errors import InputFileError

from .frames import NearestFrames, unique_arrays

SEEK_MARGIN_S = 2.0  # seek to the keyframe at or before this long before the first planned time


class PyAVReader:
    """One open video file; ``read`` gives the decoded frames nearest to planned times (see :mod:`.frames`)."""

    backend = "pyav"

    def __init__(self, path: Path, video_id: str) -> None:
        import av

        self._av = av
        self.path = path
        self.video_id = video_id
        try:
            self.container = av.open(str(path))
        except (av.error.FFmpegError, OSError) as exc:
            raise InputFileError(f"video {video_id}: cannot be read ({exc})", path=path) from None
        if not self.container.streams.video:
            self.container.close()
            raise InputFileError(f"video {video_id}: the file has no video stream", path=path)
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self._first_pts: int | None = None

    def frame_count(self) -> int | None:
        """Frames the container declares (None when it does not say)."""
        return int(self.stream.frames) or None

    def frame_size(self) -> tuple[int, int]:
        return int(self.stream.codec_context.width), int(self.stream.codec_context.height)

    def _decoded(self):
        """Decoded frames in presentation order; a decoder error names the video."""
        av = self._av
        try:
            for frame in self.container.decode(self.stream):
                if frame.pts is not None:
                    yield frame
        except (av.error.FFmpegError, OSError) as exc:
            raise InputFileError(f"video {self.video_id}: decoding failed ({exc}): unreadable or truncated",
                                 path=self.path) from None

    def _first(self) -> int:
        """The presentation timestamp of the first frame: time 0 of the annotation."""
        if self._first_pts is None:
            first = next(self._decoded(), None)
            if first is None:
                raise InputFileError(f"video {self.video_id}: no frame can be decoded", path=self.path)
            self._first_pts = first.pts
        return self._first_pts

    def read(self, targets_s: np.ndarray, planned: np.ndarray, tolerance_s: float) -> tuple[np.ndarray, list]:
        """``(frame_time_s, rgb arrays)`` for sorted ``targets_s`` (seconds from the first frame)."""
        first_pts = self._first()
        time_base = self.stream.time_base
        start_s = max(float(targets_s[0]) - SEEK_MARGIN_S, 0.0) if len(targets_s) else 0.0
        try:  # the first frame was read already, so always seek (to it, or nearer the plan)
            self.container.seek(first_pts + int(start_s / time_base), stream=self.stream, backward=True)
        except self._av.error.FFmpegError as exc:
            raise InputFileError(f"video {self.video_id}: cannot seek ({exc})", path=self.path) from None
        chooser = NearestFrames(targets_s)
        for frame in self._decoded():
            chooser.offer(float((frame.pts - first_pts) * time_base), frame)
            if chooser.done:
                break
        times, handles = chooser.finish(tolerance_s, self.video_id, self.path, planned)
        return times, unique_arrays(handles, lambda frame: frame.to_ndarray(format="rgb24"))

    def close(self) -> None:
        self.container.close()
