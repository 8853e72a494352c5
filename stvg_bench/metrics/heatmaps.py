"""Heatmaps: bilinear upsampling to the frame (align_corners = false), argmax and masks (docs/METRICS.md §3.5).

Along each axis, output pixel ``i`` of ``out`` samples the ``n``-cell grid at
``src = (i + 0.5) * n / out - 0.5``, clamped to ``[0, n - 1]``; with ``a =
floor(src)``, ``b = min(a + 1, n - 1)`` and ``t = src - a`` its value is
``lerp(lerp(G[a_y, a_x], G[b_y, a_x], t_y), lerp(G[a_y, b_x], G[b_y, b_x], t_y), t_x)``
where ``lerp(u, v, t) = u + t * (v - u)`` (a constant region stays exactly
constant). :func:`upsample` computes the whole map; everything else here gives
the same answers as that map without building it, for many heatmaps of one
size at once.

Pixels with equal ``(a_y, a_x)`` form a *block*. Within a block, for a fixed
row, the value is ``L + t_x * (R - L)`` with ``L`` and ``R`` fixed: it rounds
monotonically in ``t_x``, which increases with the column. So each row of a
block is monotone, which gives

* the **argmax** (the first maximal pixel in row-major order; the point is
  ``(x, y) = (column, row)``, as the peers use it): in exact arithmetic a
  block's maximum lies at one of its corners; in floating point a block whose
  four grid values differ can exceed its corners by rounding (a saddle whose
  diagonal is a plateau), so :func:`argmax_points` evaluates every block's
  corners, then inside the blocks that could hold the maximum (corner maximum
  within ``1e-9`` of the best, relatively) each row's two ends, and the first
  row holding the block's maximum in full. A block whose four grid values are
  equal is exactly constant (``u + t * 0``): its first pixel is its first
  maximum;
* the **mask** (pixels whose value passes the threshold, ``>=`` or ``>``): in
  each row of each block it is a run of columns (a prefix when the row
  decreases, a suffix when it increases), whose end a binary search finds with
  the exact arithmetic above; :func:`mask_box_ious` counts mask pixels inside a
  box's pixel rectangle from those runs.
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


def mask(grid: np.ndarray, height: int, width: int, threshold: float, rule: str) -> np.ndarray:
    """The full binary ``(height, width)`` mask: upsampled value ``>= threshold`` (``"greater_equal"``) or ``>``."""
    return passes(upsample(grid, height, width), threshold, rule)


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


def _block_rows(grids: np.ndarray, image, a_y, b_y, a_x, b_x, t_y: np.ndarray):
    """``L`` and ``R`` of each row of pixel blocks (one per entry of ``image``; ``t_y`` is ``(blocks, rows)``):
    in a block the grid rows ``a_y, b_y`` and columns ``a_x, b_x`` are fixed, so four grid values serve all its
    rows, combined exactly as :func:`upsample` combines them."""
    corner = [grids[image, y, x][:, None] for y, x in ((a_y, a_x), (b_y, a_x), (a_y, b_x), (b_y, b_x))]
    return _lerp(corner[0], corner[1], t_y), _lerp(corner[2], corner[3], t_y)


def argmax_points(grids: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(n, 2)`` points ``(x, y)``: the first maximal pixel of each ``(h, w)`` grid upsampled to the frame."""
    grids = np.asarray(grids, dtype=np.float64)
    n = len(grids)
    ay, by, ty, row_start, row_end = _axis(grids.shape[1], height)
    ax, bx, tx, col_start, col_end = _axis(grids.shape[2], width)
    rows, cols = np.concatenate([row_start, row_end]), np.concatenate([col_start, col_end])
    corner = _lerp(_lerp(grids[:, ay[rows]][:, :, ax[cols]], grids[:, by[rows]][:, :, ax[cols]], ty[rows][:, None]),
                   _lerp(grids[:, ay[rows]][:, :, bx[cols]], grids[:, by[rows]][:, :, bx[cols]], ty[rows][:, None]),
                   tx[cols])
    n_rb, n_cb = len(row_start), len(col_start)
    block_max = np.maximum.reduce([corner[:, :n_rb, :n_cb], corner[:, :n_rb, n_cb:],
                                   corner[:, n_rb:, :n_cb], corner[:, n_rb:, n_cb:]])
    top = block_max.reshape(n, -1).max(axis=1)
    image, i, j = np.nonzero(block_max >= (top - 1e-9 * np.maximum(1.0, np.abs(top)))[:, None, None])
    r0, c0 = row_start[i], col_start[j]
    cell = np.stack([grids[image, ay[r0], ax[c0]], grids[image, by[r0], ax[c0]],
                     grids[image, ay[r0], bx[c0]], grids[image, by[r0], bx[c0]]], axis=1)
    value, row, col = cell[:, 0].copy(), r0.copy(), c0.copy()  # constant blocks: their first pixel
    varies = np.flatnonzero((cell != cell[:, :1]).any(axis=1))
    if len(varies):
        p_image, p_i, p_j = image[varies], i[varies], j[varies]
        height_of = row_end[p_i] - row_start[p_i] + 1
        offsets = np.arange(height_of.max())
        block_rows = np.minimum(row_start[p_i][:, None] + offsets, row_end[p_i][:, None])  # padded by the last row
        left, right = _block_rows(grids, p_image, ay[row_start[p_i]], by[row_start[p_i]], ax[col_start[p_j]],
                                  bx[col_start[p_j]], ty[block_rows])
        row_max = np.maximum(_lerp(left, right, tx[col_start[p_j]][:, None]),
                             _lerp(left, right, tx[col_end[p_j]][:, None]))
        k = np.argmax(row_max, axis=1)  # padding repeats the last row, so the first maximum is a real row
        width_of = col_end[p_j] - col_start[p_j] + 1
        block_cols = np.minimum(col_start[p_j][:, None] + np.arange(width_of.max()), col_end[p_j][:, None])
        picked = np.arange(len(varies))
        line = _lerp(left[picked, k][:, None], right[picked, k][:, None], tx[block_cols])
        value[varies] = row_max[picked, k]
        row[varies] = block_rows[picked, k]
        col[varies] = block_cols[picked, np.argmax(line, axis=1)]
    # The first maximal pixel of each image: largest value, then smallest row, then smallest column.
    order = np.lexsort((col, row, -value, image))
    first = order[np.flatnonzero(np.diff(image[order], prepend=-1))]
    out = np.empty((n, 2), dtype=np.float64)
    out[image[first], 0] = col[first]
    out[image[first], 1] = row[first]
    return out


def argmax_point(grid: np.ndarray, height: int, width: int) -> tuple[int, int]:
    """``(x, y)`` of the first maximal pixel of one grid upsampled to ``height x width``."""
    x, y = argmax_points(np.asarray(grid, dtype=np.float64)[None], height, width)[0]
    return int(x), int(y)


def mask_box_ious(grids: np.ndarray, height: int, width: int, threshold: float, rule: str,
                  box_pixels: np.ndarray) -> np.ndarray:
    """IoU of each grid's mask (value ``>= threshold`` or ``>``, by ``rule``) with a rectangle of pixels.

    ``box_pixels`` is ``(n, 4)`` ``[x0, y0, x1, y1)``: the columns and rows a box covers (half-open). The
    counts are exact: those of :func:`mask` over the full frame. A pixel block whose corners all pass (or all
    fail) by more than ``1e-9`` (relative: far beyond rounding) is decided whole, as is a block whose four
    grid values are equal (exactly constant); the others are counted row by row (see the module docstring).
    """
    grids = np.asarray(grids, dtype=np.float64)
    n = len(grids)
    ay, by, ty, row_start, row_end = _axis(grids.shape[1], height)
    ax, bx, tx, col_start, col_end = _axis(grids.shape[2], width)
    n_rb, n_cb = len(row_start), len(col_start)
    rows, cols = np.concatenate([row_start, row_end]), np.concatenate([col_start, col_end])
    corner = _lerp(_lerp(grids[:, ay[rows]][:, :, ax[cols]], grids[:, by[rows]][:, :, ax[cols]], ty[rows][:, None]),
                   _lerp(grids[:, ay[rows]][:, :, bx[cols]], grids[:, by[rows]][:, :, bx[cols]], ty[rows][:, None]),
                   tx[cols])
    corners = np.stack([corner[:, :n_rb, :n_cb], corner[:, :n_rb, n_cb:], corner[:, n_rb:, :n_cb],
                        corner[:, n_rb:, n_cb:]])
    low_corner, high_corner = corners.min(axis=0), corners.max(axis=0)  # (n, row blocks, column blocks)
    cell = grids[:, ay[row_start]][:, :, ax[col_start]], grids[:, by[row_start]][:, :, bx[col_start]]
    constant = (cell[0] == cell[1]) & (grids[:, ay[row_start]][:, :, bx[col_start]] == cell[0]) & (
        grids[:, by[row_start]][:, :, ax[col_start]] == cell[0])
    margin = 1e-9 * np.maximum.reduce([np.ones_like(low_corner), np.abs(low_corner), np.abs(high_corner),
                                       np.full_like(low_corner, abs(threshold))])
    passing = np.where(constant, passes(cell[0], threshold, rule), passes(low_corner - margin, threshold, rule))
    failing = np.where(constant, ~passing, ~passes(high_corner + margin, threshold, rule))
    x0, y0, x1, y1 = (box_pixels[:, k] for k in range(4))
    block_rows = row_end - row_start + 1
    block_cols = col_end - col_start + 1
    rows_in_box = np.clip(np.minimum(row_end + 1, y1[:, None]) - np.maximum(row_start, y0[:, None]), 0, None)
    cols_in_box = np.clip(np.minimum(col_end + 1, x1[:, None]) - np.maximum(col_start, x0[:, None]), 0, None)
    area = (passing * block_rows[:, None] * block_cols).sum(axis=(1, 2))
    intersection = (passing * rows_in_box[:, :, None] * cols_in_box[:, None, :]).sum(axis=(1, 2))
    image, rb, cb = np.nonzero(~passing & ~failing)
    if len(image):
        run_area, run_inside = _runs_of_blocks(grids, image, rb, cb, threshold, rule, (ay, by, ty, row_start,
                                               row_end), (ax, bx, tx, col_start, col_end), box_pixels)
        area = area + np.bincount(image, weights=run_area, minlength=n)
        intersection = intersection + np.bincount(image, weights=run_inside, minlength=n)
    union = area + (x1 - x0) * (y1 - y0) - intersection
    iou = np.zeros(n)
    np.divide(intersection, union, out=iou, where=union > 0)
    return iou


def _runs_of_blocks(grids, image, rb, cb, threshold, rule, row_axis, col_axis, box_pixels):
    """Mask pixels of the pixel blocks ``(image, row block rb, column block cb)``, counted row by row: in all and
    inside each image's box rectangle. Each row of a block passes everywhere, nowhere, or (where its two ends
    disagree) on a prefix or a suffix, whose end a binary search finds."""
    ay, by, ty, row_start, row_end = row_axis
    ax, bx, tx, col_start, col_end = col_axis
    height_of = row_end[rb] - row_start[rb] + 1
    offsets = np.arange(height_of.max())
    real = offsets < height_of[:, None]
    rows = np.minimum(row_start[rb][:, None] + offsets, row_end[rb][:, None])  # (P, block height), padded
    left, right = _block_rows(grids, image, ay[row_start[rb]], by[row_start[rb]], ax[col_start[cb]],
                              bx[col_start[cb]], ty[rows])
    span = right - left
    first_col, last_col = col_start[cb][:, None], col_end[cb][:, None]
    first = passes(left + tx[first_col] * span, threshold, rule)
    last = passes(left + tx[last_col] * span, threshold, rule)
    run_start = np.where(first & last, first_col, 0)
    run_end = np.where(first & last, last_col + 1, 0)
    mixed = np.nonzero((first != last) & real)
    if len(mixed[0]):
        block = cb[mixed[0]]
        left_m, span_m, first_m = left[mixed], span[mixed], first[mixed]
        start, end = col_start[block], col_end[block]

        def differs(column):  # the verdict of ``column`` is not that of the block's first column
            return passes(left_m + tx[column] * span_m, threshold, rule) != first_m

        # Where the row crosses the threshold in exact arithmetic (t = (threshold - L) / (R - L) on the cell's
        # axis, src = t + a, column = (src + 0.5) * width / cells - 0.5), then the exact verdicts correct it.
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = ((threshold - left_m) / span_m + ax[start] + 0.5) * (len(tx) / grids.shape[2]) - 0.5
        low = np.clip(np.nan_to_num(np.ceil(crossing), nan=0.0, posinf=0.0, neginf=0.0).astype(np.int64),
                      start + 1, end)
        while True:  # low: the first column in (start, end] whose verdict differs
            back = (low > start + 1) & differs(np.maximum(low - 1, 0))
            ahead = (low < end) & ~back & ~differs(low)
            if not (back.any() or ahead.any()):
                break
            low = low - back + ahead
        run_start[mixed] = np.where(first_m, col_start[block], low)
        run_end[mixed] = np.where(first_m, low, col_end[block] + 1)
    run_start, run_end = np.where(real, run_start, 0), np.where(real, run_end, 0)
    x0, y0, x1, y1 = (box_pixels[image, k][:, None] for k in range(4))
    inside = np.clip(np.minimum(run_end, x1) - np.maximum(run_start, x0), 0, None) * ((rows >= y0) & (rows < y1))
    return (run_end - run_start).sum(axis=1), inside.sum(axis=1)
