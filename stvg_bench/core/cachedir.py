"""Where stvg-bench keeps what it can recompute: ``$STVG_BENCH_CACHE``, else ``~/.cache/stvg-bench``.

Below it: ``parsed/`` (annotations as arrays), ``digests/`` (sha256 of annotation files by their stat),
``bootstrap/`` (resampling counts), and the files ``stvg-bench datasets fetch`` stores, one folder per dataset.
Everything there is a pure function of its key: deleting the directory loses nothing but time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The cache directory (not created here)."""
    root = os.environ.get("STVG_BENCH_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "stvg-bench"
