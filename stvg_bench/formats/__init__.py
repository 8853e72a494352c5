"""Prediction formats, registered by name, with auto-detection.

``stvg-bench`` (canonical JSON), ``tubedetr``, ``stcat`` and ``parquet``; JSON
files may be gzip-compressed. :func:`load_predictions` and
:func:`write_predictions` are the entry points.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..core.errors import FormatError, OptionError
from ..core.jsonio import decompress, loads_exact, read_raw
from ..data.tubes import Predictions
from ..datasets.base import Dataset
from .base import JsonPredictionFormat, PredictionFormat

REGISTRY: dict[str, PredictionFormat] = {}


def register(fmt: PredictionFormat) -> PredictionFormat:
    REGISTRY[fmt.name] = fmt
    return fmt


def get_format(name: str) -> PredictionFormat:
    try:
        return REGISTRY[name]
    except KeyError:
        raise OptionError(
            f"unknown format {name!r}; choose one of {', '.join(['auto', *REGISTRY])}"
        ) from None


def load_predictions(path: str | Path, dataset: Dataset | None = None, format: str = "auto") -> Predictions:
    """Read predictions from ``path`` in ``format`` (``auto`` detects it).

    ``dataset`` is needed by formats that number samples their own way (stcat).
    """
    path = Path(path)
    if format != "auto":
        return get_format(format).read(path, dataset)
    if path.is_dir():
        return REGISTRY["parquet"].read(path, dataset)
    raw = read_raw(path)
    data = decompress(raw, path)
    for fmt in REGISTRY.values():
        if isinstance(fmt, JsonPredictionFormat) and fmt.sniff(data):
            return fmt.read_bytes(data, path, hashlib.sha256(raw).hexdigest(), dataset)
    loads_exact(data, path)  # a file that is not JSON at all gets a syntax error with its position
    raise FormatError(
        "cannot tell the prediction format (not stvg-bench, tubedetr or stcat); pass --format", path=path
    )


def write_predictions(
    predictions: Predictions, path: str | Path, format: str = "stvg-bench", dataset: Dataset | None = None
) -> None:
    """Write ``predictions`` to ``path`` in ``format``, atomically."""
    get_format(format).write(predictions, Path(path), dataset)


def _register_builtin() -> None:
    from . import canonical, parquet, stcat, tubedetr

    for module in (canonical, tubedetr, stcat, parquet):
        register(module.FORMAT_OBJECT)


_register_builtin()
