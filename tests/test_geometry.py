"""Box and interval primitives: hand-worked values and invariants (docs/METRICS.md §1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stvg_bench.core.geometry import box_area, box_iou, interval_iou, is_inverted, xywh_to_xyxy

coordinate = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)
box = st.tuples(coordinate, coordinate, coordinate, coordinate)


def iou(a, b):
    return float(box_iou(np.array([a], float), np.array([b], float))[0])


def test_hand_worked_ious():
    assert iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)  # inter 5x10, union 100+100-50
    assert iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0  # touching edges: no "+1 pixel"
    assert iou([0, 0, 10, 10], [2, 2, 4, 4]) == pytest.approx(4 / 100)  # contained
    assert iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0  # union 0 -> 0
    assert iou([10, 0, 0, 10], [0, 0, 10, 10]) == 0.0  # inverted box
    assert box_area(np.array([[0, 0, 4, 5], [4, 0, 0, 5]], float)).tolist() == [20.0, 0.0]
    assert is_inverted(np.array([[0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 1, 0]], float)).tolist() == [
        False,
        True,
        True,
    ]
    assert xywh_to_xyxy(np.array([[1, 2, 3, 4]], float)).tolist() == [[1, 2, 4, 6]]


def test_hand_worked_interval_ious():
    assert interval_iou(0, 10, 5, 15) == pytest.approx(5 / 15)
    assert interval_iou(0, 10, 10, 20) == 0.0  # half-open intervals do not share frame 10
    assert interval_iou(0, 0, 0, 10) == 0.0  # empty
    assert interval_iou(10, 0, 0, 10) == 0.0  # inverted
    assert interval_iou(0, 0, 0, 0) == 0.0  # both empty


@settings(max_examples=300)
@given(box, box)
def test_iou_is_symmetric_and_bounded(a, b):
    assert iou(a, b) == iou(b, a)
    assert 0.0 <= iou(a, b) <= 1.0


@settings(max_examples=300)
@given(box, st.floats(0.01, 100), st.floats(-100, 100))
def test_iou_is_scale_and_translation_invariant(a, scale, shift):
    a = np.array(a, float)
    b = a + np.array([1.0, -2.0, 3.0, 0.5])
    expected = iou(a, b)
    assert iou(a * scale + shift, b * scale + shift) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=300)
@given(box)
def test_a_valid_box_with_area_matches_itself(a):
    a = [min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3])]
    if box_area(np.array([a]))[0] > 0:
        assert iou(a, a) == 1.0


@settings(max_examples=300)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-50, 50), st.integers(-50, 50))
def test_interval_iou_is_symmetric_and_bounded(a0, a1, b0, b1):
    value = float(interval_iou(a0, a1, b0, b1))
    assert value == float(interval_iou(b0, b1, a0, a1))
    assert 0.0 <= value <= 1.0
    if a1 > a0:
        assert float(interval_iou(a0, a1, a0, a1)) == 1.0
