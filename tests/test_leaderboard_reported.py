"""Every main-table row of the four papers is on the boards, exactly as printed, and nothing else is.

The entries carry the numbers themselves (the build never reads ../shared);
this test compares them with ../shared/data/reported/reported_results.csv.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from stvg_bench.leaderboard.boards import BOARDS_BY_ID
from stvg_bench.leaderboard.consistency import flags_for
from stvg_bench.leaderboard.entries import load_entries

ROOT = Path(__file__).resolve().parents[1] / "leaderboards"
TASKS = {"spatio-temporal": "tube-grounding", "spatio-temporal (untrimmed multi-action)": "action-spatio-temporal",
         "spatio-temporal (single-action clip)": "action-spatio-temporal-clips",
         "spatial (trimmed)": "action-spatial", "temporal": "action-temporal"}
# The entry enum has no 'self+weakly': the authors' MIL-NCE (self) + RegionCLIP (weakly) combination is weakly.
SUPERVISION = {"self+weakly": "weakly"}


@pytest.fixture(scope="module")
def csv_rows(shared_data):
    rows = list(csv.DictReader((shared_data / "reported" / "reported_results.csv").open(encoding="utf-8")))
    assert len(rows) == 704
    return rows


def rankable(rows):
    """The README: ablations (notes start 'ablation:') and STPro's unclear analysis table are not board rows."""
    return [r for r in rows if not r["notes"].startswith("ablation:") and r["supervision"] != "unclear"]


def cell(dataset, task, table, citation, method, split, query_type, metric, value):
    return (dataset, task, table, citation, method, split, query_type, metric, value)


@pytest.fixture(scope="module")
def entries():
    return load_entries(ROOT)


def test_every_main_table_cell_is_in_the_entries_exactly_and_nothing_else(csv_rows, entries):
    expected = Counter(cell(r["dataset"], TASKS[r["task"]], r["table"], r["citation"], r["method"], r["split"],
                            r["query_type"], r["metric"], r["value"]) for r in rankable(csv_rows))
    found = Counter(cell(e.dataset, b.task, b.table, b.citation, b.printed_as, b.split, b.query_type, metric, value)
                    for e in entries for b in e.reported for metric, value in b.values.items())
    assert sum(expected.values()) == 483
    assert found - expected == Counter(), "cells in the entries that no main table prints"
    assert expected - found == Counter(), "main-table cells missing from the entries"


def test_ablations_and_the_unclear_table_are_left_out(csv_rows, entries):
    printed = {(e.dataset, b.table, b.printed_as) for e in entries for b in e.reported}
    left_out = [r for r in csv_rows if r not in rankable(csv_rows)]
    assert len(left_out) == 197 + 24
    # an ablation row can share a printed name with a main-table row (the full model), never its table
    assert not {(r["dataset"], r["table"], r["method"]) for r in left_out} & printed


def test_supervision_is_the_printed_one(csv_rows, entries):
    by_printed = {(e.dataset, b.printed_as): e.supervision for e in entries for b in e.reported}
    for row in rankable(csv_rows):
        assert by_printed[(row["dataset"], row["method"])] == SUPERVISION.get(row["supervision"], row["supervision"])


def test_every_method_of_the_main_tables_appears_on_its_board(csv_rows):
    """Through the committed leaderboard.json: each printed method is a row of the board of its dataset and task."""
    document = json.loads((ROOT / "site" / "leaderboard.json").read_text())
    on_board = {(b["dataset"], b["task"], block["printed_as"]) for b in document["boards"] for row in b["rows"]
                for block in row["reported"]["blocks"]}
    for row in rankable(csv_rows):
        assert (row["dataset"], TASKS[row["task"]], row["method"]) in on_board, row["method"]
    datasets = {b["dataset"] for b in document["boards"]}
    assert datasets == {"vidstg", "hcstvg-v1", "hcstvg-v2", "groundingyoutube", "youcook2-interactions",
                        "miningyoutube", "v-hico", "daly"}


def test_printed_inconsistencies_are_flagged_on_their_rows(entries):
    """The data README's four video-mAP means and STPro's two W-GDINO prints; nothing else."""
    flagged = {(e.dataset, e.name, b.table) for e in entries for b, f in zip(e.reported, flags_for(e, BOARDS_BY_ID))
               if f}
    assert flagged == {
        ("groundingyoutube", "what-when-where-clip-star", "Table 2"),
        ("groundingyoutube", "mil-nce-temporal-regionclip-spatial", "Table 2"),
        ("groundingyoutube", "comma-star-s3d-word2vec", "Table 7"),
        ("groundingyoutube", "mil-nce-s3d-word2vec", "Table 7"),
        ("hcstvg-v1", "w-gdino", "Poster table 1"),
        ("hcstvg-v1", "w-gdino", "Poster table 2"),
    }


def test_the_map_column_is_mapped_to_the_metric_the_authors_code_computes():
    board = BOARDS_BY_ID["groundingyoutube/action-spatial"]
    assert board.metric_for_printed("mAP").name == "iou0.3_accuracy"
    assert any("iou0.3_accuracy" in note and "iou0.3_class_mean_accuracy" in note for note in board.notes)
