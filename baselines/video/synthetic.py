"""Synthetic videos whose frames show their own index, for tests and benchmarks (written with PyAV).

Frame ``i`` is a 4 x 4 grid of black or white blocks: block ``b`` (row-major)
is white when bit ``b`` of ``i`` is set. The blocks survive lossy coding, so
:func:`frame_index` reads the index back from any decoded frame. Presentation
times are given per frame, so constant and variable frame rates and streams
starting at an offset are all written the same way.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

GRID = 4
TIME_BASE = Fraction(1, 90000)


def index_image(index: int, width: int, height: int) -> np.ndarray:
    """The ``(height, width, 3)`` uint8 picture of ``index`` (16 bits)."""
    bits = (index >> np.arange(GRID * GRID)) & 1
    blocks = (bits.reshape(GRID, GRID) * 255).astype(np.uint8)
    rows = np.repeat(blocks, -(-height // GRID), axis=0)[:height]
    image = np.repeat(rows, -(-width // GRID), axis=1)[:, :width]
    return np.repeat(image[:, :, None], 3, axis=2)


def frame_index(rgb: np.ndarray) -> int:
    """The index a decoded :func:`index_image` shows (the centre of each block, thresholded)."""
    height, width = rgb.shape[:2]
    grey = rgb.mean(axis=2)
    value = 0
    for b in range(GRID * GRID):
        row, col = divmod(b, GRID)
        y = int((row + 0.5) * height / GRID)
        x = int((col + 0.5) * width / GRID)
        if grey[y - 1 : y + 2, x - 1 : x + 2].mean() > 127:
            value |= 1 << b
    return value


def write_video(path: str | Path, images, times_s, codec: str = "libx264", rate: int = 30,
                lossless: bool = False) -> Path:
    """A video of ``images`` (``uint8 [H, W, 3]`` RGB, one size), image ``i`` presented at ``times_s[i]``
    seconds (increasing), encoded on one thread. ``lossless`` (x264 ``qp=0``): the decoded pixels are the
    YUV 4:2:0 conversion of the images whatever the encoder decides (its lossy output was seen to differ
    between runs of one test session), so that tests pinning a model's output on them are stable."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = iter(images)
    first = next(images)
    with av.open(str(path), "w") as container:
        options = {"threads": "1", **({"qp": "0"} if lossless else {})}
        stream = container.add_stream(codec, rate=rate, options=options)
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.thread_count = 1
        for image, t in zip((first, *images), times_s, strict=True):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = round(Fraction(t).limit_denominator(10**6) / TIME_BASE)
            frame.time_base = TIME_BASE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_index_video(path: str | Path, times_s, width: int = 64, height: int = 48, codec: str = "libx264",
                      rate: int = 30, lossless: bool = False) -> Path:
    """A video whose frame ``i`` shows ``i`` and is presented at ``times_s[i]`` seconds (increasing)."""
    return write_video(path, (index_image(i, width, height) for i in range(len(times_s))), times_s, codec, rate,
                       lossless)


def constant_rate(n_frames: int, fps: float, start_s: float = 0.0) -> np.ndarray:
    return start_s + np.arange(n_frames) / fps


def variable_rate(n_frames: int, seed: int = 0, low_s: float = 0.02, high_s: float = 0.06) -> np.ndarray:
    """Irregular frame durations drawn uniformly from ``[low_s, high_s)``."""
    durations = np.random.default_rng(seed).uniform(low_s, high_s, n_frames - 1)
    return np.concatenate([[0.0], np.cumsum(durations)])
