"""A small leaderboards folder on the synthetic split: near-identical rows (a tie), a worse one, an oracle,
and a reported number far outside its re-scored CI."""

from __future__ import annotations

from pathlib import Path

import stvg_bench as sb
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.leaderboard.sources import sha256_of
from stvg_bench.leaderboard.submit import entry_path, write_entry

PAPER = {"title": "A synthetic method", "venue": "test", "year": 2024}
SOURCE = {"paper-a": {"citation": "A. Author. A synthetic method. Test 2024"}}
# name -> (quality, seed, supervision)
ROWS = {
    "good-a": ("good", 0, "fully"),
    "good-b": ("good", 3, "weakly"),  # seed 3 cannot be told apart from seed 0 (p = 0.94 on m_vIoU)
    "noisy": ("noisy", 0, "weakly"),
    "oracle": ("oracle", 0, "oracle"),
}


def write_predictions(root: Path, dataset, name: str, quality: str, seed: int) -> tuple[str, Path]:
    relative = f"submissions/synthetic/{name}/predictions.json.gz"
    predictions = make_predictions(dataset.gt, quality, seed, frames="input")
    sb.write_predictions(predictions, root / relative, "stvg-bench", dataset)
    return relative, root / relative


def synthetic_root(directory: Path) -> Path:
    """``directory/leaderboards`` with the entries of :data:`ROWS` (plus a reported block on ``good-a``)."""
    root = Path(directory) / "leaderboards"
    dataset = sb.load_dataset("synthetic")
    for name, (quality, seed, supervision) in ROWS.items():
        relative, path = write_predictions(root, dataset, name, quality, seed)
        document = {"schema_version": 1, "name": name, "method": f"Method {name}", "dataset": "synthetic",
                    "supervision": supervision, "paper": PAPER,
                    "predictions": [{"task": "tube-grounding", "path": relative, "format": "stvg-bench",
                                     "sha256": sha256_of(path), "size": path.stat().st_size,
                                     "produced_by": {"runner": "synthetic", "version": quality}}]}
        if name == "good-a":
            document["sources"] = SOURCE
            document["reported"] = [{"source": "paper-a", "table": "Table 1", "task": "tube-grounding",
                                     "split": "test", "query_type": "all", "printed_as": "A",
                                     "values": {"m_vIoU": "99.0", "m_tIoU": "12.5"}}]
        write_entry(entry_path(root, "synthetic", name), document)
    reported_only = {"schema_version": 1, "name": "printed", "method": "Printed only", "dataset": "synthetic",
                     "supervision": "zero-shot", "paper": PAPER, "sources": SOURCE,
                     "reported": [{"source": "paper-a", "table": "Table 2", "task": "tube-grounding",
                                   "split": "test", "query_type": "declarative", "printed_as": "P",
                                   "values": {"m_vIoU": "40.0"}}]}
    write_entry(entry_path(root, "synthetic", "printed"), reported_only)
    return root
