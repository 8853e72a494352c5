"""Array idioms used throughout the scorer, written once.

* :func:`concat_ranges`: the values of many integer ranges, flattened, with their owner;
* :func:`lookup_sorted`: where keys sit in a sorted key array, and whether they are there.
"""

from __future__ import annotations

import numpy as np


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``range(starts[i], starts[i] + lengths[i])`` for all i (negative lengths count as 0).

    Returns ``(owner, value)``: the index ``i`` each value came from, and the value.
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.maximum(np.asarray(lengths, dtype=np.int64), 0)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    first_row = np.cumsum(lengths) - lengths
    value = np.arange(int(lengths.sum()), dtype=np.int64) - first_row[owner] + starts[owner]
    return owner, value


def take(values: np.ndarray, index: np.ndarray, found: np.ndarray, fill) -> np.ndarray:
    """``values[index]`` where ``found``, ``fill`` elsewhere (rows of ``values``; safe when it is empty)."""
    values = np.asarray(values)
    out = np.full((len(index), *values.shape[1:]), fill, dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
    out[found] = values[index[found]]
    return out


def lookup_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(index, found)``: ``sorted_keys[index[i]] == keys[i]`` where ``found[i]``.

    ``sorted_keys`` must be ascending; where a key is absent ``found`` is False and
    ``index`` is a valid but meaningless position (0 when ``sorted_keys`` is empty).
    """
    keys = np.asarray(keys)
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    index = np.minimum(at, len(sorted_keys) - 1)
    return index, (at < len(sorted_keys)) & (sorted_keys[index] == keys)
