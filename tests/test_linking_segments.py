"""Viterbi linking, the segment rules and the noun-phrase chunker: hand-worked cases and properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines.neural.linking import link_tube, pairwise_iou
from baselines.neural.phrases import first_noun_phrase
from baselines.neural.segments import SEGMENT_RULES, longest_run, max_sum_run, segment_from_scores, smooth

LEFT = [0.0, 0.0, 10.0, 10.0]
RIGHT = [20.0, 0.0, 30.0, 10.0]
LEFT_SHIFTED = [0.0, 0.0, 10.0, 5.0]   # IoU with LEFT = 50 / 100


def test_pairwise_iou_hand_worked():
    assert pairwise_iou(np.array([LEFT]), np.array([LEFT, RIGHT, LEFT_SHIFTED, [5, 5, 5, 5]])).tolist() == [
        [1.0, 0.0, 0.5, 0.0]]


def test_linking_trades_score_for_overlap_hand_worked():
    boxes = [np.array([LEFT, RIGHT]), np.array([RIGHT, LEFT]), np.array([LEFT, RIGHT])]
    scores = [np.array([0.9, 0.8]), np.array([0.9, 0.5]), np.array([0.9, 0.8])]
    # lambda 0: the best candidate per frame: 0, 0, 0 (LEFT, RIGHT, LEFT), objective 2.7
    alone = link_tube(boxes, scores, 0.0)
    assert alone.candidate.tolist() == [0, 0, 0] and alone.objective == pytest.approx(2.7)
    # lambda 1: LEFT x3 (candidates 0, 1, 0) = 0.9 + 0.5 + 0.9 + 2 * IoU 1 = 4.3;
    # RIGHT x3 (candidates 1, 0, 1) = 0.8 + 0.9 + 0.8 + 2 = 4.5 > 4.3, so the tube stays on the right
    linked = link_tube(boxes, scores, 1.0)
    assert linked.candidate.tolist() == [1, 0, 1]
    assert linked.objective == pytest.approx(4.5)
    assert linked.boxes_xyxy.tolist() == [RIGHT, RIGHT, RIGHT]
    assert linked.scores.tolist() == [0.8, 0.9, 0.8]


def test_linking_ties_go_to_the_higher_ranked_candidate():
    boxes = [np.array([LEFT, RIGHT]), np.array([LEFT, RIGHT])]
    scores = [np.array([0.5, 0.5]), np.array([0.5, 0.5])]
    assert link_tube(boxes, scores, 1.0).candidate.tolist() == [0, 0]


def _brute_force(boxes, scores, link_lambda):
    best = -np.inf
    for choice in itertools.product(*(range(len(s)) for s in scores)):
        value = sum(s[i] for s, i in zip(scores, choice))
        value += link_lambda * sum(pairwise_iou(boxes[t - 1][[choice[t - 1]]], boxes[t][[choice[t]]])[0, 0]
                                   for t in range(1, len(choice)))
        best = max(best, value)
    return best


@st.composite
def _candidates(draw):
    n_frames = draw(st.integers(1, 5))
    boxes, scores = [], []
    for _ in range(n_frames):
        k = draw(st.integers(1, 3))
        corners = draw(st.lists(st.tuples(*[st.integers(0, 20)] * 4), min_size=k, max_size=k))
        boxes.append(np.array([[min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]
                               for x1, y1, x2, y2 in corners], dtype=np.float64))
        scores.append(np.array(draw(st.lists(st.floats(0, 1), min_size=k, max_size=k))))
    return boxes, scores, draw(st.floats(0, 3))


@settings(max_examples=150, deadline=None)
@given(_candidates())
def test_linking_is_optimal_and_picks_one_candidate_per_frame(case):
    boxes, scores, link_lambda = case
    linked = link_tube(boxes, scores, link_lambda)
    assert len(linked.candidate) == len(boxes)
    for t, i in enumerate(linked.candidate):
        assert 0 <= i < len(scores[t])
        assert linked.boxes_xyxy[t].tolist() == boxes[t][i].tolist()
        assert linked.scores[t] == scores[t][i]
    assert linked.objective == pytest.approx(_brute_force(boxes, scores, link_lambda), abs=1e-9)


def test_smoothing_hand_worked():
    assert smooth(np.array([0.0, 3.0, 0.0, 3.0]), 1).tolist() == [0.0, 3.0, 0.0, 3.0]
    # window 3: means of [0, 3], [0, 3, 0], [3, 0, 3], [0, 3]
    assert smooth(np.array([0.0, 3.0, 0.0, 3.0]), 3).tolist() == [1.5, 1.0, 2.0, 1.5]
    # window 2: [i - 1, i]
    assert smooth(np.array([0.0, 2.0, 4.0]), 2).tolist() == [0.0, 1.0, 3.0]


def test_segment_rules_hand_worked():
    scores = np.array([0.0, 0.75, 0.75, 0.25, 1.0, 0.75, 0.75, 0.0])
    # longest run >= 0.5: frames 4..6 (three) beats 1..2 (two)
    assert longest_run(scores, 0.5) == (4, 6)
    # max-sum of score - 0.5 = [-.5, .25, .25, -.25, .5, .25, .25, -.5]: 1..6 sums to 1.25, 4..6 to 1.0
    assert max_sum_run(scores, 0.5) == (1, 6)
    # score - 0.75 = [-.75, 0, 0, -.5, .25, 0, 0, -.75]: 4..4, 4..5 and 4..6 all sum to .25: the shortest
    assert max_sum_run(scores, 0.75) == (4, 4)
    # nothing reaches tau: the single best frame for both rules
    assert longest_run(scores, 1.5) == (4, 4) and max_sum_run(scores, 1.5) == (4, 4)


def test_segment_rule_ties_go_to_the_earliest_then_shortest_run():
    scores = np.array([0.0, 0.75, 0.75, 0.0, 0.75, 0.75, 0.0])
    # score - 0.5 = [-.5, .25, .25, -.5, .25, .25, -.5]: 1..2, 4..5 and 1..5 all sum to .5
    assert max_sum_run(scores, 0.5) == (1, 2)
    assert longest_run(scores, 0.5) == (1, 2)


def test_segment_from_planned_frames_hand_worked():
    planned = np.array([10, 15, 20, 25, 30])
    scores = np.array([0.1, 0.9, 0.9, 0.1, 0.1])
    # run 1..2 -> [p_1, p_3) = [15, 25)
    assert segment_from_scores(planned, scores, 8, 33, "longest-run", 0.5, 1) == (15, 25)
    # a run reaching the last planned frame ends at the input segment's end
    late = np.array([0.1, 0.1, 0.1, 0.9, 0.9])
    assert segment_from_scores(planned, late, 8, 33, "max-sum", 0.5, 1) == (25, 33)
    # smoothing over 3 frames: [.5, .63, .63, .37, .1] -> frames 0..2 (>= .5) -> [10, 25)
    assert segment_from_scores(planned, scores, 8, 33, "longest-run", 0.5, 3) == (10, 25)
    no_frames = np.array([], dtype=np.int64)
    assert segment_from_scores(no_frames, np.array([]), 8, 33, "max-sum", 0.5, 1) == (8, 33)


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 50), length=st.integers(1, 60), stride=st.integers(1, 7),
       rule=st.sampled_from(sorted(SEGMENT_RULES)), tau=st.floats(0, 1), window=st.integers(1, 5),
       data=st.data())
def test_segment_is_inside_the_input_segment_and_starts_on_a_planned_frame(start, length, stride, rule, tau,
                                                                           window, data):
    planned = np.arange(start, start + length, stride)
    scores = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(planned), max_size=len(planned))))
    begin, end = segment_from_scores(planned, scores, start, start + length, rule, tau, window)
    assert start <= begin < end <= start + length
    assert begin in planned
    assert end in set(planned.tolist()) | {start + length}


@pytest.mark.parametrize("sentence, phrase", [
    ("An adult in red clothes hugs a child.", "an adult"),
    ("Who is holding the brown dog?", "the brown dog"),
    ("a black dog runs away", "a black dog"),
    ("The man puts the ball on the table.", "the man"),
    ("There is a little red toy car in the room.", "a little red toy"),   # at most three words after "a"
    ("Who is in front of the man?", "the man"),                          # a determiner's phrase comes first
    ("Who jumps?", "jumps"),                                            # no determiner: the first other word
    ("what is it?", "what is it?"),
])
def test_first_noun_phrase_hand_worked(sentence, phrase):
    assert first_noun_phrase(sentence) == phrase


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.integers(1, 9))
def test_smoothing_stays_within_the_scores(scores, window):
    smoothed = smooth(np.array(scores), window)
    assert len(smoothed) == len(scores)
    assert np.all(smoothed >= min(scores) - 1e-12) and np.all(smoothed <= max(scores) + 1e-12)


WORDS = ("a", "the", "man", "red", "dog", "runs", "in", "who", "is", "holding", "ball", "with", "hat", "?", ".")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_noun_phrase_is_a_run_of_the_sentences_words(words):
    sentence = " ".join(words)
    phrase = first_noun_phrase(sentence)
    if phrase == sentence.strip():
        return
    kept = [w for w in words if w not in ("?", ".")]
    chosen = phrase.split()
    assert 1 <= len(chosen) <= 4
    assert any(kept[i: i + len(chosen)] == chosen for i in range(len(kept)))


def _max_sum_by_enumeration(values, threshold):
    """Every run's sum, the first maximum in (start, end) order: the rule's definition, quadratic."""
    runs = {(a, b): sum(v - threshold for v in values[a:b + 1]) for a in range(len(values))
            for b in range(a, len(values))}
    best = max(runs.values())
    return min(run for run, total in runs.items() if total == best)  # sums of quarters: exact


@given(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=12),
       st.sampled_from([0.0, 0.25, 0.5, 1.0]))
def test_max_sum_run_is_the_enumerated_best_run(values, threshold):
    assert max_sum_run(np.array(values), threshold) == _max_sum_by_enumeration(values, threshold)
