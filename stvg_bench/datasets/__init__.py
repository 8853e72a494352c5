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
    split_hint: tuple[str, str] | None = None,
    **options,
):
    """Load a split of a registered dataset (parsed once, then served from the cache).

    The split of the annotation file is inferred where it can be: from its name (``test_annotations.json``)
    and, for VidSTG, from the official video lists (``<split>_files.json`` beside it or fetched). A ``split``
    that contradicts it is an error naming the file; without ``split`` the inferred one is used (the
    returned dataset's ``split_inferred_from`` says from what), else ``split_hint`` (``(split, where it was
    read)``: the split a prediction file declares), else the dataset's evaluation split.
    ``options`` are adapter-specific (GroundingYouTube: ``segments``, ``box_policy``, ``durations``).
    """
    from ..core.errors import DatasetMismatchError

    adapter = get_adapter(name)
    named = adapter.split_named_by(annotations)
    if split is not None and named is not None and named != split:
        adapter.check_split(split)  # a split the dataset does not have is an option error, quoted
        raise DatasetMismatchError(f"its name says split {named}, not {split}", path=annotations)
    hinted = split_hint[0] if split_hint is not None and split_hint[0] in adapter.info.splits else None
    chosen = split or named or hinted or adapter.info.default_split
    dataset = adapter.load(chosen, annotations, vidor_dir, use_cache=use_cache, progress=progress, **options)
    if len(adapter.info.splits) == 1:  # nothing to infer
        return dataset
    listed = adapter.split_listed_for(dataset, annotations)
    if listed is not None and listed[0] != chosen:
        if split is not None or named is not None:
            raise DatasetMismatchError(f"its videos are those of {listed[1].name} (split {listed[0]}), not of "
                                       f"split {chosen}", path=annotations)
        return dataset.with_split(listed[0], f"its videos, listed in {listed[1]}")
    if split is None and named is not None:
        return dataset.with_split(named, f"its name {Path(annotations).name}")
    if split is None and listed is not None:
        return dataset.with_split(chosen, f"its videos, listed in {listed[1]}")
    if split is None and hinted is not None:
        return dataset.with_split(hinted, split_hint[1])
    return dataset


__all__ = ["get_adapter", "load_dataset"]
