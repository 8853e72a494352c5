"""Dataset adapters, registered in :data:`stvg_bench.registries.DATASETS` (``stvg-bench datasets`` lists them)."""

from __future__ import annotations

from pathlib import Path


def get_adapter(name: str):
    """The adapter registered as ``name``."""
    from ..registries import DATASETS

    return DATASETS.get(name)


def load_dataset(
    name: str,
    split: str | None = None,
    annotations: str | Path | None = None,
    vidor_dir: str | Path | None = None,
    *,
    use_cache: bool = True,
    progress: bool = False,
    **options,
):
    """Load a split of a registered dataset (parsed once, then served from the cache).

    ``split`` defaults to the dataset's evaluation split. ``options`` are
    adapter-specific (GroundingYouTube: ``segments``, ``box_policy``, ``durations``).
    """
    adapter = get_adapter(name)
    split = split if split is not None else adapter.info.default_split
    return adapter.load(split, annotations, vidor_dir, use_cache=use_cache, progress=progress, **options)


__all__ = ["get_adapter", "load_dataset"]
