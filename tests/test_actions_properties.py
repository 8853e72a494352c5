"""Invariants on random releases: a perfect prediction scores 1, points outside every box score 0."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.formats import load_predictions
from stvg_bench.tasks.base import Evaluator

from .gyt_helpers import load_gyt, write_document, write_gyt

STEPS = ("chop onion", "fry onion", "add salt")


def release(rng):
    """Non-overlapping segments, a box on most seconds, never touching the frame's top-left corner."""
    videos = {}
    for v in range(int(rng.integers(1, 5))):
        segments, boxes, t = [], {}, int(rng.integers(0, 5))
        for _ in range(int(rng.integers(1, 5))):
            start, end = t, t + int(rng.integers(0, 6))
            step = str(rng.choice(STEPS))
            segments.append((step, start, end))
            for s in range(start, end + 1):
                if rng.random() < 0.8:
                    x, y = rng.uniform(5, 400), rng.uniform(5, 300)
                    boxes[s] = ((round(x, 1), round(y, 1), round(x + rng.uniform(10, 200), 1),
                                 round(y + rng.uniform(10, 150), 1)), step)
            t = end + 1 + int(rng.integers(0, 4))
        videos[f"v{v}"] = {"segments": segments, "boxes": boxes}
    if not any(spec["boxes"] for spec in videos.values()):  # the spatial task needs one boxed second
        videos[f"v{v}"]["boxes"][start] = ((10.0, 10.0, 50.0, 50.0), step)
    return videos


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_perfect_and_disjoint_predictions(seed, tmp_path_factory):
    rng = np.random.default_rng(seed)
    videos = release(rng)
    tmp = tmp_path_factory.mktemp("prop")
    dataset = load_gyt(write_gyt(tmp / "gyt", videos, pools={v: [*STEPS, "background"] for v in videos}))

    centre = {v: {str(s): {"point": [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]} for s, (b, _) in spec["boxes"].items()}
              for v, spec in videos.items()}
    corner = {v: {s: {"point": [0.0, 0.0]} for s in per} for v, per in centre.items()}
    exact = {v: {str(s): {"box": list(b)} for s, (b, _) in spec["boxes"].items()} for v, spec in videos.items()}

    def spatial(predictions):
        path = write_document(tmp / "s.json", "spatial", predictions)
        return Evaluator(dataset, task="spatial").score(load_predictions(path, dataset), ci=False)

    assert spatial(centre).metrics["all"]["pointing_accuracy"] == 1.0
    assert spatial(corner).metrics["all"]["pointing_accuracy"] == 0.0
    boxed = spatial(exact).metrics["all"]
    assert boxed["iou0.3_accuracy"] == 1.0 and boxed["iou0.3_class_mean_accuracy"] == 1.0

    labels = {v: {str(s): step for step, a, b in spec["segments"] for s in range(a, b + 1)}
              for v, spec in videos.items()}
    path = write_document(tmp / "t.json", "temporal", labels)
    temporal = Evaluator(dataset, task="temporal").score(load_predictions(path, dataset), ci=False)
    assert all(value == pytest.approx(1.0) for value in temporal.metrics["all"].values())

    tubes, _ = dataset.gt.instances()
    predictions = {}
    for v in videos:
        seconds = {s: {"step": step, "point": centre[v].get(s, {"point": [0.0, 0.0]})["point"]}
                   for s, step in labels[v].items()}
        predictions[v] = {"seconds": seconds, "tubes": []}
    for k in range(len(tubes)):
        rows = tubes.box_tube == k
        predictions[str(dataset.gt.video_ids[tubes.video[k]])]["tubes"].append(
            {"step": dataset.gt.steps[tubes.step[k]], "score": float(rng.random()),
             "boxes": dict(zip(map(str, tubes.box_second[rows].tolist()), tubes.box_xyxy[rows].tolist()))})
    path = write_document(tmp / "st.json", "spatio-temporal", predictions)
    for kind in ("voxel", "act"):
        m = Evaluator(dataset, task="spatio-temporal", tube_iou=kind).score(
            load_predictions(path, dataset), ci=False).metrics["all"]
        assert m["IoU+Pointing"] == pytest.approx(1.0)
        assert m["video_mAP"] == pytest.approx(1.0)
