"""Where each dataset's evaluation annotations are inside a ``--data`` directory.

The layout is the one ``stvg-bench datasets fetch`` creates under the cache
directory (the default), and the one of the project's shared test data:
``<data>/vidstg/test_annotations.json``, ``<data>/groundingyoutube/`` (the
release directory), ``<data>/youcook2_interactions/youcook2_interactions.json``,
``<data>/hcstvg-v1/test.json``, ``<data>/hcstvg-v2/val.json``. The synthetic
dataset is generated in memory and needs none.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputFileError

ANNOTATIONS: dict[str, str | None] = {
    "vidstg": "vidstg/test_annotations.json",
    "hcstvg-v1": "hcstvg-v1/test.json",
    "hcstvg-v2": "hcstvg-v2/val.json",
    "groundingyoutube": "groundingyoutube",
    "youcook2-interactions": "youcook2_interactions/youcook2_interactions.json",
    "synthetic": None,
}


def default_data_dir() -> Path:
    """The datasets fetched with ``stvg-bench datasets fetch`` (the stvg-bench cache directory)."""
    from ..core.cachedir import cache_root

    return cache_root()


def annotations_path(data_dir: Path, dataset: str) -> Path | None:
    """The annotation file or directory of ``dataset`` under ``data_dir`` (None: the dataset needs none)."""
    relative = ANNOTATIONS.get(dataset)
    if relative is None:
        return None
    path = Path(data_dir) / relative
    if not path.exists():
        raise InputFileError(f"{dataset} annotations not found (expected {relative} under the data directory; "
                             "pass --data DIR or run `stvg-bench datasets fetch`)", path=path)
    return path


def release_path(data_dir: Path, relative: str) -> Path:
    """A file of a dataset release under ``data_dir`` (e.g. GroundingYouTube's aggregated clicks)."""
    path = Path(data_dir) / relative
    if not path.is_file():
        raise InputFileError("release file not found under the data directory", path=path)
    return path
