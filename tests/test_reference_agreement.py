"""The vectorised scorer agrees with the slow reference written from docs/METRICS.md, on random data.

Cases cover what the protocols treat differently: 29.97/25/10 fps, input
segments longer than 200 sampled frames, trajectories ending exactly at the
half-open end (STCAT's copy), holes and inverted ground-truth boxes, segments
outside the video, inverted and empty segments, sparse predicted boxes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.core.errors import AnnotationError, SampleIdError
from stvg_bench.data.tubes import Predictions
from stvg_bench.datasets.base import Dataset
from stvg_bench.datasets.hcstvg import V1, V2, _read_official, hcstvg_groundtruth
from stvg_bench.datasets.synthetic import groundtruth_from
from stvg_bench.datasets.vidstg import ADAPTER as VIDSTG
from stvg_bench.tasks.base import Evaluator

from .helpers import as_reference_predictions, make_hcstvg_official
from .reference import slow_stvg

FPS = (30000 / 1001, 25.0, 24.0, 10.0, 30.0)


def random_vidstg(rng: np.random.Generator):
    """Official entries and VidOR dicts with awkward but legal ground truth."""
    entries, videos = [], {}
    for v in range(int(rng.integers(1, 5))):
        fc = int(rng.integers(40, 1400))
        vid = f"v{v}"
        used_begin = int(rng.integers(0, fc // 3))
        used_end = int(rng.integers(used_begin + 5, fc))
        tg_begin = int(rng.integers(used_begin, used_end))
        tg_end = int(rng.integers(tg_begin + 1, used_end + 2))
        if used_end == fc - 1 and rng.random() < 0.5:
            tg_end = fc
        if rng.random() < 0.1:
            tg_begin, tg_end = used_end + 1, min(fc, used_end + 5)  # outside the input segment
        trajectory = []
        start = max(0, tg_begin - int(rng.integers(0, 5)))
        end = tg_end if rng.random() < 0.5 else min(fc, tg_end + int(rng.integers(1, 5)))
        hole = int(rng.integers(tg_begin, max(tg_begin + 1, tg_end))) if rng.random() < 0.15 else -1
        for f in range(fc):
            objects = []
            if start <= f < end and f != hole:
                x, y = rng.uniform(0, 200, 2)
                w, h = rng.uniform(5, 100, 2)
                box = [x, y, x + w, y + h] if rng.random() > 0.02 else [x + w, y, x, y + h]
                objects.append({"tid": 0, "bbox": dict(zip(("xmin", "ymin", "xmax", "ymax"), box))})
            trajectory.append(objects)
        videos[vid] = {"frame_count": fc, "fps": 0.0, "width": 640, "height": 480, "trajectories": trajectory}
        sentence = {"description": "s", "target_id": 0, "type": "object"}
        entries.append(
            {
                "vid": vid,
                "fps": float(FPS[rng.integers(len(FPS))]),
                "frame_count": fc,
                "width": 640,
                "height": 480,
                "used_segment": {"begin_fid": used_begin, "end_fid": used_end},
                "temporal_gt": {"begin_fid": tg_begin, "end_fid": tg_end},
                "captions": [sentence],
                "questions": [sentence] * int(rng.integers(0, 3)),
            }
        )
    for entry in entries:
        videos[entry["vid"]]["fps"] = entry["fps"]
    return entries, videos


def random_predictions(rng: np.random.Generator, frame_counts, every_frame: bool) -> Predictions:
    sample_ids, segments, owners, frames, boxes = [], [], [], [], []
    for sid, fc in enumerate(frame_counts):
        start = int(rng.integers(-20, fc + 5))
        end = int(rng.integers(start - 10, fc + 30)) if rng.random() < 0.9 else start
        sample_ids.append(sid)
        segments.append([start, end])
        if every_frame:
            chosen = np.arange(fc)
        else:
            chosen = np.sort(rng.choice(fc, size=int(rng.integers(1, min(fc, 40))), replace=False))
        for f in chosen:
            x, y = rng.uniform(0, 200, 2)
            w, h = rng.uniform(-5, 100, 2)
            owners.append(sid)
            frames.append(int(f))
            boxes.append([x, y, x + w, y + h])
    return Predictions.from_arrays(sample_ids, segments, owners, frames, boxes)


def assert_agrees(dataset: Dataset, samples, predictions: Predictions, protocol: str, interpolate=None):
    reference_predictions = as_reference_predictions(predictions)
    try:
        expected, expected_metrics = slow_stvg.evaluate(
            samples, reference_predictions, protocol, interpolate=interpolate
        )
    except (ValueError, KeyError):
        with pytest.raises(SampleIdError):
            Evaluator(dataset, protocol, interpolate=bool(interpolate)).score(predictions, ci=False)
        return
    except LookupError:
        with pytest.raises(AnnotationError, match="scores none"):
            Evaluator(dataset, protocol, interpolate=bool(interpolate))
        return
    result = Evaluator(dataset, protocol, interpolate=bool(interpolate)).score(predictions, ci=False)
    got = result.per_sample
    assert sorted(expected) == got["sample_id"].tolist()
    for k, sid in enumerate(got["sample_id"].tolist()):
        assert got["tIoU"][k] == pytest.approx(expected[sid]["tiou"], abs=1e-12), sid
        assert got["vIoU"][k] == pytest.approx(expected[sid]["viou"], abs=1e-12), sid
        assert got["gt_vIoU"][k] == pytest.approx(expected[sid]["gt_viou"], abs=1e-12), sid
    for group, values in expected_metrics.items():
        for name, value in values.items():
            assert result.metrics[group][name] == pytest.approx(value, abs=1e-12), (group, name)


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), protocol=st.sampled_from(["dense", "tubedetr", "stcat"]))
def test_vidstg_random_cases(seed, protocol):
    rng = np.random.default_rng(seed)
    entries, videos = random_vidstg(rng)
    gt = groundtruth_from(entries, videos, "vidstg", "test")
    dataset = Dataset(adapter=VIDSTG, gt=gt, inputs={"annotations_sha256": "0" * 64})
    samples = slow_stvg.vidstg_samples_official(entries, videos)
    every_frame = protocol != "dense" and rng.random() < 0.7
    predictions = random_predictions(rng, gt.frame_count.tolist(), every_frame)
    assert_agrees(dataset, samples, predictions, protocol, interpolate=True if protocol == "dense" else None)
    if protocol != "dense":
        assert_agrees(dataset, samples, predictions, protocol, interpolate=True)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), protocol=st.sampled_from(["dense", "tubedetr", "stcat"]), v2=st.booleans()
)
def test_hcstvg_random_cases(seed, protocol, v2, tmp_path_factory):
    rng = np.random.default_rng(seed)
    official = make_hcstvg_official(int(rng.integers(1, 5)), seed % 1000, v2)
    import msgspec

    adapter = V2 if v2 else V1
    gt = hcstvg_groundtruth(_read_official(msgspec.json.encode(official), "x.json", v2), adapter.name, "test")
    dataset = Dataset(adapter=adapter, gt=gt, inputs={"annotations_sha256": "0" * 64})
    samples = slow_stvg.hcstvg_samples_official(official, v2)
    every_frame = protocol != "dense"
    predictions = random_predictions(rng, gt.frame_count.tolist(), every_frame)
    assert_agrees(dataset, samples, predictions, protocol, interpolate=True if protocol == "dense" else None)


def test_many_seeded_vidstg_cases():
    """A fixed sweep, so that a regression shows up with the same seeds every run."""
    for seed in range(60):
        rng = np.random.default_rng(10_000 + seed)
        entries, videos = random_vidstg(rng)
        gt = groundtruth_from(entries, videos, "vidstg", "test")
        dataset = Dataset(adapter=VIDSTG, gt=gt, inputs={"annotations_sha256": "0" * 64})
        samples = slow_stvg.vidstg_samples_official(entries, videos)
        for protocol in ("dense", "tubedetr", "stcat"):
            predictions = random_predictions(rng, gt.frame_count.tolist(), every_frame=protocol != "dense")
            assert_agrees(
                dataset, samples, predictions, protocol, interpolate=True if protocol == "dense" else None
            )
