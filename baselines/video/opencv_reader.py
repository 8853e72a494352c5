"""The fallback decoder, OpenCV (for hosts without PyAV): pts-based times, sequential grabbing.

OpenCV's FFmpeg backend reports ``CAP_PROP_POS_MSEC`` from the presentation
timestamp of the frame just grabbed, relative to the stream's start, so the
nearest-frame rule of :mod:`.frames` applies unchanged. Frames are grabbed from
the start (OpenCV's seeking is not frame-accurate). OpenCV can only retrieve
the frame grabbed last, so a frame is retrieved when it may be kept (the next
target lies within about one frame interval of it); a kept frame that was not
retrieved (irregular timestamps) is fetched in a second pass by its index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stvg_bench.core.errors import InputFileError

from .frames import NearestFrames


@dataclass
class _Grabbed:
    index: int
    rgb: np.ndarray | None


class OpenCVReader:
    backend = "opencv"

    def __init__(self, path: Path, video_id: str) -> None:
        import cv2

        self._cv2 = cv2
        self.path = path
        self.video_id = video_id
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise InputFileError(f"video {video_id}: cannot be read (OpenCV cannot open it)", path=path)

    def frame_count(self) -> int | None:
        return int(self.capture.get(self._cv2.CAP_PROP_FRAME_COUNT)) or None

    def frame_size(self) -> tuple[int, int]:
        cv2 = self._cv2
        return int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT))

    def _retrieve(self) -> np.ndarray:
        ok, image = self.capture.retrieve()
        if not ok:
            raise InputFileError(f"video {self.video_id}: a frame cannot be decoded: unreadable or truncated",
                                 path=self.path)
        return np.ascontiguousarray(image[:, :, ::-1])

    def _restart(self) -> None:
        self.capture.release()
        self.capture = self._cv2.VideoCapture(str(self.path))

    def read(self, targets_s: np.ndarray, planned: np.ndarray, tolerance_s: float) -> tuple[np.ndarray, list]:
        cv2 = self._cv2
        chooser = NearestFrames(targets_s)
        index, before_s, interval_s = 0, None, None
        while not chooser.done and self.capture.grab():
            time_s = self.capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if before_s is not None:
                interval_s = time_s - before_s
            may_keep = interval_s is None or chooser.next_target_s <= time_s + 1.5 * interval_s
            chooser.offer(time_s, _Grabbed(index, self._retrieve() if may_keep else None))
            before_s, index = time_s, index + 1
        times, handles = chooser.finish(tolerance_s, self.video_id, self.path, planned)
        missing = sorted({h.index for h in handles if h.rgb is None})
        if missing:
            self._fetch(missing, {id(h): h for h in handles if h.rgb is None}.values())
        self._restart()
        return times, [h.rgb for h in handles]

    def _fetch(self, indices: list[int], handles) -> None:
        """Second pass: retrieve the frames at ``indices`` by grabbing from the start."""
        self._restart()
        by_index = {}
        for handle in handles:
            by_index.setdefault(handle.index, []).append(handle)
        for index in range(indices[-1] + 1):
            if not self.capture.grab():
                raise InputFileError(f"video {self.video_id}: frame {index} cannot be read again", path=self.path)
            if index in by_index:
                rgb = self._retrieve()
                for handle in by_index[index]:
                    handle.rgb = rgb

    def close(self) -> None:
        self.capture.release()
