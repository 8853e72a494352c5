"""Dataset adapters, registered by name (``stvg-bench datasets`` lists them)."""

from __future__ import annotations

from pathlib import Path

from ..errors import OptionError
from .base import Dataset, DatasetAdapter, DatasetInfo

REGISTRY: dict[str, DatasetAdapter] = {}


def register(adapter: DatasetAdapter) -> DatasetAdapter:
    """Add ``adapter`` to the registry under its name."""
    REGISTRY[adapter.name] = adapter
    return adapter


def get_adapter(name: str) -> DatasetAdapter:
    """The adapter registered as ``name``."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise OptionError(f"unknown dataset {name!r}; choose one of {', '.join(REGISTRY)}") from None


def load_dataset(
    name: str,
    split: str = "test",
    annotations: str | Path | None = None,
    vidor_dir: str | Path | None = None,
    *,
    use_cache: bool = True,
    progress: bool = False,
) -> Dataset:
    """Load a split of a registered dataset (parsed once, then served from the cache)."""
    return get_adapter(name).load(split, annotations, vidor_dir, use_cache=use_cache, progress=progress)


def _register_builtin() -> None:
    from . import hcstvg, synthetic, vidstg

    register(vidstg.ADAPTER)
    for adapter in hcstvg.ADAPTERS:
        register(adapter)
    register(synthetic.ADAPTER)


_register_builtin()

__all__ = ["Dataset", "DatasetAdapter", "DatasetInfo", "REGISTRY", "get_adapter", "load_dataset", "register"]
