"""Heatmaps: bilinear upsampling to the frame (align_corners = false), argmax, masks (docs/METRICS.md §3.5).

Along each axis, output pixel ``i`` of ``out`` samples the ``n``-cell grid at
``src = (i + 0.5) * n / out - 0.5``, clamped to ``[0, n - 1]``; with ``a =
floor(src)``, ``b = min(a + 1, n - 1)`` and ``t = src - a`` its value is
``lerp(lerp(G[a_y, a_x], G[b_y, a_x], t_y), lerp(G[a_y, b_x], G[b_y, b_x], t_y), t_x)``
where ``lerp(u, v, t) = u + t * (v - u)`` (a constant region stays exactly
constant). The argmax is the first maximal pixel in row-major order; the
point it gives is ``(x, y) = (column, row)`` in pixels, as the peers use it.

The upsampled map is bilinear on each cell's block of pixels (a run of equal
``a`` along both axes), so in exact arithmetic a block's maximum lies at one of
its four corner pixels. In floating point a block whose corners are not all
equal can exceed its corners by rounding (a saddle whose diagonal is a
plateau, say), so :func:`argmax_point` evaluates the corner pixels of every
block, then looks inside the blocks that could hold the maximum (corner
maximum within ``1e-9`` of the best, relatively), with exactly the arithmetic
of :func:`upsample`. Inside a block every row is monotone in the column (for
fixed ``u`` and ``d = v - u``, ``u + t * d`` rounds monotonically in ``t``), so a
row's maximum is at one of its ends: each row is evaluated at its two ends,
and only the first row holding the block's maximum in full, for the first
column that reaches it. A block whose four grid values are equal is exactly
constant (``u + t * 0``): its first pixel is its first maximum. The result is
the full map's first maximal pixel, at a fraction of the cost.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..protocols.base import passes


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


@cache
def _axis(n_cells: int, n_pixels: int) -> tuple[np.ndarray, ...]:
    """``(a, b, t, block starts, block ends)`` along one axis; maps of one size share them (read only)."""
    a, b, t = axis_weights(n_cells, n_pixels)
    starts = np.flatnonzero(np.diff(a, prepend=-1))
    ends = np.append(starts[1:] - 1, n_pixels - 1)
    arrays = (a, b, t, starts, ends)
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _values(grid, ay, by, ty, ax, bx, tx, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The upsampled values at ``rows`` x ``cols``, with the arithmetic of :func:`upsample`."""
    ya, yb, yt = ay[rows], by[rows], ty[rows][:, None]
    xa, xb, xt = ax[cols], bx[cols], tx[cols][None, :]
    left = _lerp(grid[ya][:, xa], grid[yb][:, xa], yt)
    right = _lerp(grid[ya][:, xb], grid[yb][:, xb], yt)
    return _lerp(left, right, xt)


def argmax_point(grid: np.ndarray, height: int, width: int) -> tuple[int, int]:
    """``(x, y)`` of the first maximal pixel of ``grid`` upsampled to ``height x width`` (row-major ties)."""
    grid = np.asarray(grid, dtype=np.float64)
    ay, by, ty, row_start, row_end = _axis(grid.shape[0], height)
    ax, bx, tx, col_start, col_end = _axis(grid.shape[1], width)
    weights = (ay, by, ty, ax, bx, tx)
    corners = _values(grid, *weights, np.concatenate([row_start, row_end]), np.concatenate([col_start, col_end]))
    n_rows, n_cols = len(row_start), len(col_start)
    block_max = np.maximum.reduce([corners[:n_rows, :n_cols], corners[:n_rows, n_cols:],
                                   corners[n_rows:, :n_cols], corners[n_rows:, n_cols:]])
    top = block_max.max()
    best = (-np.inf, 0, 0)  # (value, -row, -col): the largest is the first maximal pixel
    for i, j in zip(*np.nonzero(block_max >= top - 1e-9 * max(1.0, abs(top)))):
        r0, r1, c0, c1 = row_start[i], row_end[i], col_start[j], col_end[j]
        cell = grid[[ay[r0], by[r0]]][:, [ax[c0], bx[c0]]]
        if (cell == cell[0, 0]).all():
            best = max(best, (cell[0, 0], -r0, -c0))
            continue
        rows = np.arange(r0, r1 + 1)
        left = _lerp(grid[ay[rows], ax[c0]], grid[by[rows], ax[c0]], ty[rows])
        right = _lerp(grid[ay[rows], bx[c0]], grid[by[rows], bx[c0]], ty[rows])
        row_max = np.maximum(_lerp(left, right, tx[c0]), _lerp(left, right, tx[c1]))
        k = int(np.argmax(row_max))
        row = _lerp(left[k], right[k], tx[c0 : c1 + 1])
        best = max(best, (row_max[k], -(r0 + k), -(c0 + int(np.argmax(row)))))
    return int(-best[2]), int(-best[1])


def mask(grid: np.ndarray, height: int, width: int, threshold: float, rule: str) -> np.ndarray:
    """Binary ``(height, width)`` mask: upsampled value ``>= threshold`` (``rule="greater_equal"``) or ``>``."""
    return passes(upsample(grid, height, width), threshold, rule)
