"""Imports of the optional dependencies, with one clear error when the extra is missing."""

from __future__ import annotations

import importlib

from stvg_bench.core.errors import StvgBenchError

INSTALL = "pip install 'stvg-bench[annotation]'"


class ExtraMissing(StvgBenchError):
    """The ``annotation`` extra is not installed."""


def require(module: str):
    """Import ``module`` or raise ExtraMissing saying how to install the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExtraMissing(f"the annotation extra is not installed ({module} is missing): {INSTALL}") from None
