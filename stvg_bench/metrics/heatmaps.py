"""Heatmaps: bilinear upsampling to the frame (align_corners = false), argmax, masks (METRICS.md §3).

Along each axis, output pixel ``i`` of ``out`` samples the ``n``-cell grid at
``src = (i + 0.5) * n / out - 0.5``, clamped to ``[0, n - 1]``; with ``a =
floor(src)``, ``b = min(a + 1, n - 1)`` and ``t = src - a`` its value is
``lerp(lerp(G[a_y, a_x], G[b_y, a_x], t_y), lerp(G[a_y, b_x], G[b_y, b_x], t_y), t_x)``
where ``lerp(u, v, t) = u + t * (v - u)`` (a constant region stays exactly
constant). The argmax is the first maximal pixel in row-major order; the
point it gives is ``(x, y) = (column, row)`` in pixels, as the peers use it.

The upsampled map is linear in each axis between consecutive grid centres,
so its maximum over the pixel grid is attained at a corner of one of those
cells' pixel blocks; the first maximal pixel in row-major order is one of
those corners too. :func:`argmax_points` therefore evaluates only those
corner pixels (at most ``(2h + 2) x (2w + 2)`` per map) with exactly the
arithmetic above, instead of the whole frame.
"""

from __future__ import annotations

import numpy as np


def axis_weights(n_cells: int, n_pixels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, t)`` per output pixel along one axis (see the module docstring)."""
    src = (np.arange(n_pixels, dtype=np.float64) + 0.5) * (n_cells / n_pixels) - 0.5
    src = np.clip(src, 0.0, n_cells - 1)
    a = np.floor(src).astype(np.int64)
    b = np.minimum(a + 1, n_cells - 1)
    return a, b, src - a


def _lerp(u, v, t):
    return u + t * (v - u)


def upsample(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """The full ``(height, width)`` upsampled map of one ``(h, w)`` grid."""
    grid = np.asarray(grid, dtype=np.float64)
    ay, by, ty = axis_weights(grid.shape[0], height)
    ax, bx, tx = axis_weights(grid.shape[1], width)
    left = _lerp(grid[ay][:, ax], grid[by][:, ax], ty[:, None])
    right = _lerp(grid[ay][:, bx], grid[by][:, bx], ty[:, None])
    return _lerp(left, right, tx[None, :])


def _corner_pixels(a: np.ndarray) -> np.ndarray:
    """First and last pixel of each run of equal ``a`` (the cells' pixel blocks), sorted."""
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    ends = np.r_[starts[1:] - 1, len(a) - 1]
    return np.unique(np.r_[starts, ends])


def argmax_point(grid: np.ndarray, height: int, width: int) -> tuple[int, int]:
    """``(x, y)`` of the first maximal pixel of ``grid`` upsampled to ``height x width``."""
    grid = np.asarray(grid, dtype=np.float64)
    ay, by, ty = axis_weights(grid.shape[0], height)
    ax, bx, tx = axis_weights(grid.shape[1], width)
    rows = _corner_pixels(ay)
    cols = _corner_pixels(ax)
    ya, yb, yt = ay[rows], by[rows], ty[rows][:, None]
    xa, xb, xt = ax[cols], bx[cols], tx[cols][None, :]
    left = _lerp(grid[ya][:, xa], grid[yb][:, xa], yt)
    right = _lerp(grid[ya][:, xb], grid[yb][:, xb], yt)
    values = _lerp(left, right, xt)
    best = np.flatnonzero(values == values.max())[0]  # row-major: first row, then first column
    return int(cols[best % len(cols)]), int(rows[best // len(cols)])


def argmax_points(grids: list[np.ndarray], heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """``(n, 2)`` argmax points (x, y) of each grid upsampled to its frame."""
    out = np.empty((len(grids), 2), dtype=np.float64)
    for i, (grid, h, w) in enumerate(zip(grids, heights.tolist(), widths.tolist())):
        out[i] = argmax_point(grid, h, w)
    return out


def mask(grid: np.ndarray, height: int, width: int, threshold: float) -> np.ndarray:
    """Binary ``(height, width)`` mask: upsampled value >= ``threshold``."""
    return upsample(grid, height, width) >= threshold
