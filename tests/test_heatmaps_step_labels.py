"""Heatmaps from patch-text cosines and step labels from per-second cosines: hand-worked cases and properties."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from baselines.neural.heatmaps import argmax_point, hot_box, similarity_heatmap
from baselines.neural.step_labels import BACKGROUND_LABEL, label_spans, smooth, step_labels

FINITE = st.floats(-1, 1, allow_nan=False, width=32)


def test_heatmap_hand_worked():
    patches = np.array([[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]])       # 1 x 3 grid, D = 2
    grid = similarity_heatmap(patches, np.array([1.0, 0.0]))          # cosines 1, 0, 0.6
    assert grid.tolist() == [[1.0, 0.0, 0.6]]
    assert similarity_heatmap(np.ones((2, 2, 2)) / np.sqrt(2), np.array([1.0, 0.0])).tolist() == [[1, 1], [1, 1]]


def test_argmax_point_is_the_cell_centre_first_on_ties():
    grid = np.zeros((2, 4))
    grid[1, 2] = grid[1, 3] = 1.0
    # cell (row 1, column 2) of 16 x 24 px cells on a 64 x 48 frame: centre (2.5 * 16, 1.5 * 24)
    assert argmax_point(grid, 64, 48) == (40.0, 36.0)


def test_hot_box_hand_worked():
    grid = np.array([[0.0, 1.0, 0.6], [0.2, 0.1, 0.7]])
    # cells >= 0.5: (0, 1), (0, 2), (1, 2): columns 1..2, rows 0..1 of 10 x 10 px cells on a 30 x 20 frame
    assert hot_box(grid, 30, 20, 0.5) == [10.0, 0.0, 30.0, 20.0]
    assert hot_box(grid, 30, 20, 1.0) == [10.0, 0.0, 20.0, 10.0]


def test_smoothing_hand_worked():
    column = np.array([[1.0], [2.0], [4.0], [8.0]])
    # window 3, cut at the ends: (1+2)/2, (1+2+4)/3, (2+4+8)/3, (4+8)/2
    assert smooth(column, 3)[:, 0] == pytest.approx([1.5, 7 / 3, 14 / 3, 6.0])
    assert smooth(column, 1)[:, 0].tolist() == [1, 2, 4, 8]


def test_labels_and_spans_hand_worked():
    smoothed = np.array([[0.3, 0.1], [0.3, 0.3], [0.1, 0.15], [0.1, 0.4], [0.2, 0.5], [0.6, 0.1]])
    labels = step_labels(smoothed, 0.2)
    # second 1 ties: the first step; second 2's best (0.15) is under 0.2: background
    assert labels.tolist() == [0, 0, BACKGROUND_LABEL, 1, 1, 0]
    assert label_spans(labels, smoothed) == [(0, 0, 1, 0.3), (1, 3, 4, pytest.approx(0.45)), (0, 5, 5, 0.6)]
    assert step_labels(np.zeros((3, 0)), 0.2).tolist() == [BACKGROUND_LABEL] * 3
    assert label_spans(np.zeros(0, dtype=np.int64), np.zeros((0, 2))) == []


grids = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4)).flatmap(
    lambda s: arrays(np.float64, s, elements=FINITE))


@given(grids, st.integers(1, 400), st.integers(1, 400))
def test_heatmap_properties(patches, width, height):
    text = np.zeros(patches.shape[-1])
    text[0] = 1.0
    grid = similarity_heatmap(patches, text)
    assert grid.shape == patches.shape[:2]
    assert (grid >= 0).all() and (grid <= 1).all() and grid.max() == 1.0
    x, y = argmax_point(grid, width, height)
    row, column = np.unravel_index(np.argmax(grid), grid.shape)
    cell_w, cell_h = width / grid.shape[1], height / grid.shape[0]
    assert column * cell_w < x < (column + 1) * cell_w and row * cell_h < y < (row + 1) * cell_h
    for threshold in (0.0, 0.5, 1.0):
        x1, y1, x2, y2 = hot_box(grid, width, height, threshold)
        assert 0 <= x1 < x <= x2 <= width * (1 + 1e-12) and 0 <= y1 < y <= y2 <= height * (1 + 1e-12)
    assert hot_box(grid, width, height, 0.0) == pytest.approx([0, 0, width, height])


similarities = st.tuples(st.integers(0, 12), st.integers(0, 4)).flatmap(
    lambda s: arrays(np.float64, s, elements=FINITE))


@given(similarities, st.sampled_from([1, 3, 5]), FINITE, FINITE)
def test_step_label_properties(similarity, window, low, high):
    low, high = sorted((low, high))
    smoothed = smooth(similarity, window)
    assert smoothed.shape == similarity.shape
    if len(similarity) and similarity.shape[1]:
        assert (smoothed >= similarity.min(axis=0) - 1e-12).all() and (smoothed <= similarity.max(axis=0) + 1e-12).all()
    loose, strict = step_labels(smoothed, low), step_labels(smoothed, high)
    assert ((loose >= BACKGROUND_LABEL) & (loose < max(similarity.shape[1], 1))).all()
    # a higher threshold only turns seconds into background
    assert ((strict == loose) | (strict == BACKGROUND_LABEL)).all()
    labelled = np.flatnonzero(loose != BACKGROUND_LABEL)
    assert (smoothed[labelled, loose[labelled]] >= low).all()
    spans = label_spans(loose, smoothed)
    covered = [row for _, first, last, _ in spans for row in range(first, last + 1)]
    assert covered == labelled.tolist()                      # spans cover exactly the labelled seconds, in order
    for (step, first, last, _), (next_step, next_first, _, _) in pairwise(spans):
        assert next_first > last and (next_step != step or next_first > last + 1)
