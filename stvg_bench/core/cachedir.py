"""Where stvg-bench keeps what it can recompute and what it downloaded: ``$STVG_BENCH_CACHE``, else
``~/.cache/stvg-bench``.

Recomputable, below it: ``parsed/`` (annotations as arrays), ``digests/`` (sha256 of annotation files by
their stat), ``bootstrap/`` (resampling counts), ``leaderboard/scores/`` and ``leaderboard/plots/``. Each is
a pure function of its key: deleting it loses nothing but time. Together they are kept under a size cap
(``$STVG_BENCH_CACHE_MAX_MB``, default 10 GB), least recently used first out
(:mod:`stvg_bench.core.cache_lru`).

Downloads: one folder per dataset for the files ``stvg-bench datasets fetch`` stores, and
``leaderboard/predictions/`` for ``stvg-bench leaderboard fetch``. They cost the network, so they are never
evicted; ``stvg-bench cache clear --kind datasets`` (or ``predictions``, or ``--all``) removes them.
:mod:`stvg_bench.core.cache_entries` knows every kind; ``stvg-bench cache list`` shows them.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_VARIABLE = "STVG_BENCH_CACHE"


def cache_root() -> Path:
    """The cache directory (not created here)."""
    root = os.environ.get(ROOT_VARIABLE)
    return Path(root) if root else Path.home() / ".cache" / "stvg-bench"
