"""Prediction formats: round trips, auto-detection, and the fast and exact readers agreeing."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.core.jsonio import loads_exact
from stvg_bench.data.tubes import Predictions
from stvg_bench.datasets import load_dataset
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.formats import get_format, load_predictions, write_predictions


@pytest.fixture(scope="module")
def synthetic():
    return load_dataset("synthetic")


@pytest.fixture(scope="module")
def predictions(synthetic):
    return make_predictions(synthetic.gt, "noisy", seed=2, frames="sparse")


def assert_same(a: Predictions, b: Predictions):
    for field in (
        "segment_sample_id",
        "segment_start_frame",
        "segment_end_frame",
        "box_sample_id",
        "box_frame",
        "box_xyxy",
    ):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@pytest.mark.parametrize(
    "fmt, name",
    [
        ("stvg-bench", "p.json"),
        ("stvg-bench", "p.json.gz"),
        ("tubedetr", "p.json"),
        ("tubedetr", "p.json.gz"),
        ("stcat", "p.json"),
        ("parquet", "p-parquet"),
    ],
)
def test_round_trip_and_detection(synthetic, predictions, tmp_path, fmt, name):
    path = tmp_path / name
    write_predictions(predictions, path, fmt, synthetic)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    back = load_predictions(path, synthetic)  # auto-detected
    assert back.meta.format == fmt
    assert len(back.meta.sha256) == 64
    assert_same(predictions, back)
    if fmt in ("stvg-bench", "parquet"):
        assert back.meta.dataset == "synthetic" and back.meta.split == "test"
        assert back.meta.method["name"] == "synthetic-noisy"


@pytest.mark.parametrize("fmt", ["stvg-bench", "tubedetr", "stcat"])
def test_fast_and_exact_readers_agree(synthetic, predictions, tmp_path, fmt):
    path = tmp_path / "p.json"
    write_predictions(predictions, path, fmt, synthetic)
    data = path.read_bytes()
    reader = get_format(fmt).documents["tubes"] if fmt == "stvg-bench" else get_format(fmt)
    fast = reader.read_fast(data, path, "x", synthetic)
    assert fast is not None, "a file written by stvg-bench must take the fast path"
    exact = reader.read_exact(loads_exact(data, path), path, "x", synthetic)
    assert_same(fast, exact)


def test_unusual_but_valid_files_read_the_same(synthetic, predictions, tmp_path):
    """Whitespace before colons, escapes and brackets in metadata, extra fields: the exact path reads them."""
    reference = tmp_path / "ref.json"
    write_predictions(predictions, reference, "stvg-bench", synthetic)
    document = json.loads(reference.read_text())
    document["method"] = {"name": 'TubeDETR [ours] "v2"', "note": "back\\slash {x}"}
    spaced = tmp_path / "spaced.json"
    spaced.write_text(json.dumps(document, indent=1, separators=(",", " : ")))
    assert_same(predictions, load_predictions(spaced, synthetic))
    assert load_predictions(spaced, synthetic).meta.method["name"] == 'TubeDETR [ours] "v2"'

    tubedetr = tmp_path / "t.json"
    write_predictions(predictions, tubedetr, "tubedetr", synthetic)
    peer = json.loads(tubedetr.read_text())
    for value in peer["predictions"].values():
        value["scores"] = [0.9]  # an extra field TubeDETR-like tools may add
    peer["extra"] = {"epoch": [1, 2]}
    extended = tmp_path / "t2.json"
    extended.write_text(json.dumps(peer))
    assert get_format("tubedetr").read_fast(extended.read_bytes(), extended, "x", synthetic) is None
    assert_same(predictions, load_predictions(extended, synthetic))


def test_only_the_first_box_of_a_frame_is_scored(synthetic, predictions, tmp_path):
    path = tmp_path / "t.json"
    write_predictions(predictions, path, "tubedetr", synthetic)
    document = json.loads(path.read_text())
    for value in document["predictions"].values():
        value["boxes"].append([0, 0, 1, 1])
    multi = tmp_path / "multi.json"
    multi.write_text(json.dumps(document))
    assert get_format("tubedetr").read_fast(multi.read_bytes(), multi, "x", synthetic) is not None
    assert_same(predictions, load_predictions(multi, synthetic))


def test_zero_padded_ids_are_normalised(synthetic, predictions, tmp_path):
    path = tmp_path / "p.json"
    write_predictions(predictions, path, "stvg-bench", synthetic)
    document = json.loads(path.read_text())
    document["predictions"] = {f"{int(k):05d}": v for k, v in document["predictions"].items()}
    padded = tmp_path / "padded.json"
    padded.write_text(json.dumps(document))
    assert_same(predictions, load_predictions(padded, synthetic))


def test_gzip_and_plain_have_different_hashes_but_the_same_content(synthetic, predictions, tmp_path):
    plain, packed = tmp_path / "p.json", tmp_path / "p.json.gz"
    write_predictions(predictions, plain, "stvg-bench", synthetic)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = load_predictions(plain, synthetic), load_predictions(packed, synthetic)
    assert a.meta.sha256 != b.meta.sha256
    assert_same(a, b)


def test_stcat_needs_the_dataset(predictions, synthetic, tmp_path):
    from stvg_bench.core.errors import OptionError

    path = tmp_path / "s.json"
    write_predictions(predictions, path, "stcat", synthetic)
    with pytest.raises(OptionError, match="pass --dataset"):
        load_predictions(path, None)


box = st.tuples(*(st.floats(-50, 700, allow_nan=False, width=32) for _ in range(4)))


@settings(max_examples=40, deadline=None)
@given(
    entries=st.dictionaries(
        st.integers(0, 199),
        st.tuples(
            st.integers(-10, 500),
            st.integers(-10, 500),
            st.dictionaries(st.integers(0, 149), box, max_size=6),
        ),
        min_size=1,
        max_size=12,
    ),
    fmt=st.sampled_from(["stvg-bench", "tubedetr", "stcat", "parquet"]),
)
def test_round_trip_property(entries, fmt, tmp_path_factory):
    synthetic = load_dataset("synthetic")
    rows = [(s, f, b) for s, (_, _, boxes) in entries.items() for f, b in boxes.items()]
    original = Predictions.from_arrays(
        list(entries),
        [[a, b] for a, b, _ in entries.values()],
        [r[0] for r in rows],
        [r[1] for r in rows],
        np.array([r[2] for r in rows], dtype=float).reshape(-1, 4),
    )
    path = tmp_path_factory.mktemp("rt") / ("p" if fmt == "parquet" else "p.json")
    write_predictions(original, path, fmt, synthetic)
    assert_same(original, load_predictions(path, synthetic, fmt))
