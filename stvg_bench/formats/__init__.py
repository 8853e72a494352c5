"""Prediction formats of both families, in one registry (:data:`stvg_bench.registries.FORMATS`).

``stvg-bench`` (canonical JSON of either family), ``tubedetr``, ``stcat``,
``parquet`` (tubes) and ``gyt-clicks`` (actions, read only); JSON files may be
gzip-compressed. :func:`load_predictions` detects the format among those of
the dataset's family; :func:`write_predictions` writes any writable one.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import FormatError, OptionError
from ..core.jsonio import loads_exact
from ..core.progress import step
from .base import read_document


def get_format(name: str, family: str | None = None):
    """The format registered as ``name``; with ``family``, refuse one that does not carry it."""
    from ..registries import FORMATS

    fmt = FORMATS.get(name)
    if family is not None and family not in FORMATS.info(name).families:
        choices = [n for n, info in FORMATS.items() if family in info.families]
        raise OptionError(f"the {name} format holds no {family} predictions; choose one of {', '.join(choices)}")
    return fmt


def load_predictions(path: str | Path, dataset=None, format: str = "auto"):
    """Read predictions from ``path`` in ``format`` (``auto`` detects it).

    ``dataset`` decides the family detected among, and is needed by formats that
    number samples their own way (stcat) or match by step (gyt-clicks).
    """
    path = Path(path)
    with step(f"Reading {path.name}"):
        return _load(path, dataset, format)


def _load(path: Path, dataset, format: str):
    from ..registries import FORMATS

    family = dataset.family if dataset is not None else None
    if format != "auto":
        return get_format(format, family).read(path, dataset)
    if path.is_dir():
        return get_format("parquet", family).read(path, dataset)
    data, sha256 = read_document(path)
    candidates = [n for n, info in FORMATS.items() if family is None or family in info.families]
    for name in candidates:
        fmt = FORMATS.get(name)
        if fmt.sniff(data):
            return fmt.read_bytes(data, path, sha256, dataset)
    loads_exact(data, path)  # a file that is not JSON at all gets a syntax error with its position
    raise FormatError(f"cannot tell the prediction format (not {', '.join(candidates)}); pass --format", path=path)


def write_predictions(predictions, path: str | Path, format: str = "stvg-bench", dataset=None) -> None:
    """Write ``predictions`` to ``path`` in ``format``, atomically."""
    get_format(format, predictions.family).write(predictions, Path(path), dataset)


__all__ = ["get_format", "load_predictions", "write_predictions"]
