"""Numbers written in ASCII: what every numeric option and parameter accepts.

Python's ``int()`` and ``float()`` also take other scripts' digits (``'٣'``,
fullwidth ``'３'``), ``_`` separators and surrounding blanks, and ``int()``
spends quadratic time on thousands of digits; these parsers take ASCII digits
only, in bounded length, and raise ValueError otherwise. ``nan`` and ``inf``
parse as numbers: the commands refuse them by name (range checks).
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")
_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]{1,18}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?|[+-]?(?:nan|inf|infinity)",
                     re.IGNORECASE)
MAX_NUMBER_CHARACTERS = 64


def ascii_integer(text: str) -> int:
    """A non-negative integer written in at most 18 ASCII digits; ValueError otherwise."""
    if not _DIGITS.fullmatch(text):
        raise ValueError("must be a non-negative integer (ASCII digits)")
    return int(text)


def ascii_number(text: str) -> float:
    """A decimal number in ASCII (``nan`` and ``inf`` too); ValueError otherwise."""
    if len(text) > MAX_NUMBER_CHARACTERS or not _NUMBER.fullmatch(text):
        raise ValueError("must be a decimal number (ASCII)")
    return float(text)


def integer(text: str) -> int:
    """argparse type: an integer, optionally signed, in at most 18 ASCII digits (ranges are the command's)."""
    if not _SIGNED_DIGITS.fullmatch(text):
        raise ValueError(text)
    return int(text)


def number(text: str) -> float:
    """argparse type: :func:`ascii_number` (ranges, NaN and infinity are the command's to refuse)."""
    return ascii_number(text)
