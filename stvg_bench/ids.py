"""Decimal ids written as JSON object keys ("12", "0012", "12_345"), parsed in bulk.

Keys are normalised to integers, so "7" and "007" are the same id: callers
check for duplicates after this normalisation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_ID = r"\d{1,18}"
_IDS = re.compile(rf"(?:{_ID}\n)*{_ID}")
_PAIRS = re.compile(rf"(?:{_ID}_{_ID}\n)*{_ID}_{_ID}")
_ONE_ID = re.compile(_ID)
_ONE_PAIR = re.compile(rf"{_ID}_{_ID}")


def parse_ids(keys: Sequence[str]) -> np.ndarray | None:
    """Integers of decimal keys, or None if any key is not a non-negative decimal integer."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    joined = "\n".join(keys)
    if not _IDS.fullmatch(joined):
        return None
    return np.array(joined.split("\n"), dtype=np.int64) if len(keys) < 64 else _bulk(joined, len(keys))


def parse_id_pairs(keys: Sequence[str]) -> np.ndarray | None:
    """``(n, 2)`` integers of ``"<a>_<b>"`` keys, or None if any key has another form."""
    if not keys:
        return np.zeros((0, 2), dtype=np.int64)
    joined = "\n".join(keys)
    if not _PAIRS.fullmatch(joined):
        return None
    return _bulk(joined.replace("_", "\n"), 2 * len(keys)).reshape(-1, 2)


def first_invalid(keys: Sequence[str], pairs: bool = False) -> str:
    """The first key that :func:`parse_ids` / :func:`parse_id_pairs` refuses."""
    pattern = _ONE_PAIR if pairs else _ONE_ID
    return next(k for k in keys if not pattern.fullmatch(k))


def _bulk(joined: str, count: int) -> np.ndarray:
    # Every token was validated as 1-18 decimal digits, so this parses them all.
    values = np.fromstring(joined.replace("\n", " "), dtype=np.int64, sep=" ")
    assert len(values) == count
    return values
