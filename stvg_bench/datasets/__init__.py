"""Dataset adapters, registered by name (``stvg-bench datasets`` lists them)."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import OptionError
from .base import ActionDataset, Dataset, DatasetAdapter, DatasetInfo

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
    **options,
) -> Dataset | ActionDataset:
    """Load a split of a registered dataset (parsed once, then served from the cache).

    ``options`` are adapter-specific (GroundingYouTube: ``segments``, ``box_policy``, ``durations``).
    """
    return get_adapter(name).load(split, annotations, vidor_dir, use_cache=use_cache, progress=progress, **options)


def _register_builtin() -> None:
    from . import groundingyoutube, hcstvg, synthetic, vidstg, youcook2

    register(vidstg.ADAPTER)
    for adapter in hcstvg.ADAPTERS:
        register(adapter)
    register(groundingyoutube.ADAPTER)
    register(youcook2.ADAPTER)
    register(synthetic.ADAPTER)


_register_builtin()

__all__ = ["ActionDataset", "Dataset", "DatasetAdapter", "DatasetInfo", "REGISTRY", "get_adapter", "load_dataset", "register"]
