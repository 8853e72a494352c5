"""Runner parameters: ``--param name=value`` parsed against a runner's declared specs, and their hash.

Values are parsed by the spec's ``kind`` (:data:`VALUE_KINDS`); every parameter
gets its default unless given. The hash is the sha256 of the canonical JSON of
the full parameter dict (defaults included), part of a run's key.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from stvg_bench.core.errors import OptionError, quote
from stvg_bench.core.numbers import ascii_integer, ascii_number

from .info import ParameterSpec


def _integer(text: str) -> int:
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise ValueError("must be a non-negative integer")
    return ascii_integer(text)


def _number(text: str) -> float:
    value = ascii_number(text)
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise ValueError("must be a number in (0, 1]")
    return value


def _frame_plan(text: str) -> str:
    from .plans import parse_rule

    parse_rule(text)  # raises ValueError with the reason
    return text.strip()


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


VALUE_KINDS: dict[str, Callable[[str], Any]] = {
    "integer": _integer,
    "number": _number,
    "fraction": _fraction,
    "text": str,
    "boolean": _boolean,
    "frame-plan": _frame_plan,
}


def parse_parameters(runner: str, specs: Iterable[ParameterSpec], given: Iterable[str]) -> dict[str, Any]:
    """Every parameter of ``specs`` (in declaration order), with ``given`` ``name=value`` strings applied.

    An unknown name, a malformed item, a name given twice or a bad value is an
    :class:`~stvg_bench.core.errors.OptionError` naming the runner and parameter.
    """
    specs = {spec.name: spec for spec in specs}
    values = {name: spec.default for name, spec in specs.items()}
    seen: set[str] = set()
    for item in given:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise OptionError(f"--param expects name=value, got {quote(item)}")
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise OptionError(f"{runner} has no parameter {quote(name)} (its parameters: {known})")
        if name in seen:
            raise OptionError(f"--param {name} is given twice")
        seen.add(name)
        spec = specs[name]
        try:
            value = VALUE_KINDS[spec.kind](text)
        except ValueError as exc:
            raise OptionError(f"{runner}: --param {name}={quote(text)}: {exc}") from None
        if spec.choices and value not in spec.choices:
            raise OptionError(f"{runner}: --param {name} must be one of {', '.join(spec.choices)}, got {quote(text)}")
        values[name] = value
    return values


def parameters_sha256(parameters: dict[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of ``parameters``."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
