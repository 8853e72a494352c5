"""Decimal ids written as JSON object keys ("12", "0012", "12_345"), parsed in bulk.

Keys are normalised to integers, so "7" and "007" are the same id: callers
check for duplicates after this normalisation. Ids have at most 18 digits.

The bulk path checks the shape of all keys at once (delete the digits, compare
with the expected separators), parses them with one C call, and verifies that
the values account for every digit; anything unusual (leading zeros, very
long ids, stray characters) takes the per-key regular-expression path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_ID = r"[0-9]{1,18}"  # ASCII digits only: no other Unicode digit, no fullwidth form
_IDS = re.compile(rf"(?:{_ID}\n)*{_ID}")
_PAIRS = re.compile(rf"(?:{_ID}_{_ID}\n)*{_ID}_{_ID}")
_DIGITS = str.maketrans("", "", "0123456789")
_POWERS_OF_TEN = 10 ** np.arange(19, dtype=np.int64)
_LIMIT = 10**18


def parse_ids(keys: Sequence[str]) -> np.ndarray | None:
    """Integers of decimal keys, or None if any key is not a non-negative decimal integer."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    joined = "\n".join(keys)
    n = len(keys)
    values = _bulk(joined, "\n" * (n - 1), n, ("\n\n",))
    if values is not None:
        return values
    if not _IDS.fullmatch(joined):
        return None
    return np.array([int(k) for k in keys], dtype=np.int64)


def parse_id_pairs(keys: Sequence[str]) -> np.ndarray | None:
    """``(n, 2)`` integers of ``"<a>_<b>"`` keys, or None if any key has another form."""
    if not keys:
        return np.zeros((0, 2), dtype=np.int64)
    joined = "\n".join(keys)
    n = len(keys)
    values = _bulk(joined, "_\n" * (n - 1) + "_", 2 * n, ("\n_", "_\n", "__"))
    if values is not None:
        return values.reshape(-1, 2)
    if not _PAIRS.fullmatch(joined):
        return None
    return np.array([[int(p) for p in k.split("_")] for k in keys], dtype=np.int64).reshape(-1, 2)


def _bulk(joined: str, skeleton: str, count: int, forbidden: tuple[str, ...]) -> np.ndarray | None:
    """Parse ``count`` digit runs separated as in ``skeleton``, or None to take the slow path."""
    if joined.translate(_DIGITS) != skeleton or joined[:1] in "_\n" or joined[-1:] in "_\n":
        return None
    if any(f in joined for f in forbidden):
        return None
    values = np.fromstring(joined.replace("_", " ").replace("\n", " "), dtype=np.int64, sep=" ")
    if len(values) != count or values.max() >= _LIMIT:
        return None
    digits = np.maximum(np.searchsorted(_POWERS_OF_TEN, values, side="right"), 1)
    if int(digits.sum()) != len(joined) - len(skeleton):  # a leading zero: let the slow path normalise it
        return None
    return values


def is_decimal(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` also accepts other scripts' digits)."""
    return text.isascii() and text.isdigit()
