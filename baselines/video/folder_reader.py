"""A folder of extracted frames: one image per frame, its number the frame index.

An image named ``<anything><N>.<jpg|jpeg|png>`` is frame ``N - index_base``
(``index_base`` 1 for ffmpeg's ``%06d.jpg``, which counts from 1). Frame
``k`` is at ``k / fps``: the annotation's fps for tube datasets, the folder's
``frames_fps`` for action datasets. Images are read with Pillow, or OpenCV
where Pillow is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from stvg_bench.core.errors import InputFileError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


def _pillow(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _opencv(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError("OpenCV cannot decode it")
    return np.ascontiguousarray(image[:, :, ::-1])


def _image_loader():
    for module, loader in (("PIL", _pillow), ("cv2", _opencv)):
        try:
            __import__(module)
        except ImportError:
            continue
        return loader
    raise InputFileError("reading a frame folder needs Pillow or OpenCV: pip install pillow")


class FolderReader:
    backend = "frames"

    def __init__(self, path: Path, video_id: str, fps: float | None, index_base: int = 0) -> None:
        self.path = path
        self.video_id = video_id
        self.fps = fps
        self.images: dict[int, Path] = {}
        for image in path.iterdir():
            match = _TRAILING_NUMBER.search(image.stem)
            if image.suffix.lower() in IMAGE_SUFFIXES and match:
                self.images[int(match.group(1)) - index_base] = image
        if not self.images:
            raise InputFileError(f"video {video_id}: no numbered images (.jpg, .jpeg, .png) in the frame folder",
                                 path=path)
        self._load = _image_loader()

    def frame_count(self) -> int | None:
        return len(self.images)

    def frame_size(self) -> tuple[int, int]:
        rgb = self._load(self.images[min(self.images)])
        return int(rgb.shape[1]), int(rgb.shape[0])

    def read(self, targets_s: np.ndarray, planned: np.ndarray, tolerance_s: float) -> tuple[np.ndarray, list]:
        if self.fps is None:
            raise InputFileError(f"video {self.video_id}: a frame folder of an action dataset needs --frames-fps",
                                 path=self.path)
        indices = np.rint(np.asarray(targets_s) * self.fps).astype(np.int64)
        arrays = []
        for frame, index in zip(planned.tolist(), indices.tolist()):
            image = self.images.get(index)
            if image is None:
                raise InputFileError(f"video {self.video_id}: the frame folder has no image of frame {index} "
                                     f"(planned {frame}): the video is shorter than the annotation", path=self.path)
            try:
                arrays.append(self._load(image))
            except OSError as exc:
                raise InputFileError(f"video {self.video_id}: unreadable frame image ({exc})", path=image) from None
        return indices / self.fps, arrays

    def close(self) -> None:
        pass
