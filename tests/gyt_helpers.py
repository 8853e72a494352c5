"""Small GroundingYouTube-layout directories and prediction documents for tests."""

from __future__ import annotations

import json
from pathlib import Path

from stvg_bench.datasets import load_dataset


def write_gyt(directory: Path, videos: dict, sizes: dict | None = None, pools: dict | None = None) -> Path:
    """``videos``: ``{video: {"segments": [(step, start, end)], "boxes": {second: (box, step)}}}``."""
    directory.mkdir(parents=True, exist_ok=True)
    boxes = {v: [{"second": s, "box": list(b), "step_name": step} for s, (b, step) in sorted(spec["boxes"].items())]
             for v, spec in videos.items()}
    segments = {v: [{"segment": [a, b], "id": k, "sentence": step} for k, (step, a, b) in enumerate(spec["segments"])]
                for v, spec in videos.items()}
    (directory / "box_anno.json").write_text(json.dumps(boxes))
    (directory / "ground_seg.json").write_text(json.dumps(segments))
    (directory / "vid2step.json").write_text(json.dumps(pools or {v: ["background"] for v in videos}))
    (directory / "id2wh_new.json").write_text(json.dumps(sizes or {v: [640, 480] for v in videos}))
    return directory


def load_gyt(directory: Path, **options):
    return load_dataset("groundingyoutube", "test", directory, **options)


def document(task: str, predictions: dict, dataset: str = "groundingyoutube", split: str = "test") -> dict:
    return {"format": "stvg-bench/action-grounding", "version": 1, "dataset": dataset, "split": split,
            "task": task, "method": {"name": "test"}, "predictions": predictions}


def write_document(path: Path, task: str, predictions: dict, **envelope) -> Path:
    path.write_text(json.dumps(document(task, predictions, **envelope)))
    return path
