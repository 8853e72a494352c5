"""Patch–text similarity grids as heatmaps, their argmax point and the box around their hot cells.

A frame's ``h x w`` patch grid covers it evenly (the ``squash`` rule of
:mod:`baselines.neural.images`): cell ``(i, j)`` (row, column) spans columns
``[j * W / w, (j + 1) * W / w)`` and rows ``[i * H / h, (i + 1) * H / h)`` in
pixels of the ``W x H`` frame.

* :func:`similarity_heatmap`: the cosine of each (normalised) patch embedding
  with the (normalised) text embedding, min-max normalised to ``[0, 1]``:
  ``(s - min) / (max - min)``, so the best cell is 1 and the worst 0; a constant
  grid (no cell preferred) is all ones. Non-negative, as the prediction format
  requires.
* :func:`argmax_point`: the centre ``(column, row)`` in pixels,
  ``((j + 0.5) * W / w, (i + 0.5) * H / h)``, of the first maximal cell in
  row-major order.
* :func:`hot_box`: the pixel rectangle ``[x1, y1, x2, y2]`` enclosing every cell
  whose value is at least ``threshold`` (the argmax cell always is: its value is 1).
"""

from __future__ import annotations

import numpy as np


def similarity_heatmap(patches: np.ndarray, text: np.ndarray) -> np.ndarray:
    """``float64 [h, w]`` in ``[0, 1]`` from ``patches`` ``[h, w, D]`` and ``text`` ``[D]`` (both normalised)."""
    cosine = np.asarray(patches, dtype=np.float64) @ np.asarray(text, dtype=np.float64)
    low, high = cosine.min(), cosine.max()
    if high <= low:
        return np.ones_like(cosine)
    return (cosine - low) / (high - low)


def argmax_point(grid: np.ndarray, frame_width: int, frame_height: int) -> tuple[float, float]:
    """``(x, y)`` pixels: the centre of the first maximal cell of ``grid`` (row-major)."""
    h, w = grid.shape
    row, column = divmod(int(np.argmax(grid)), w)
    return (column + 0.5) * frame_width / w, (row + 0.5) * frame_height / h


def hot_box(grid: np.ndarray, frame_width: int, frame_height: int, threshold: float) -> list[float]:
    """``[x1, y1, x2, y2]`` pixels enclosing the cells of ``grid`` whose value is ``>= threshold``."""
    h, w = grid.shape
    hot = grid >= min(threshold, float(grid.max()))
    rows, columns = np.flatnonzero(hot.any(axis=1)), np.flatnonzero(hot.any(axis=0))
    return [columns[0] * frame_width / w, rows[0] * frame_height / h,
            (columns[-1] + 1) * frame_width / w, (rows[-1] + 1) * frame_height / h]
