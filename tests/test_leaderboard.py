"""Leaderboards: entry validation, tie groups, the score cache, deterministic builds, check, add and fetch."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w

import stvg_bench as sb
from stvg_bench.datasets.synthetic import make_predictions
from stvg_bench.leaderboard import scorecache
from stvg_bench.leaderboard.build import CheckFailed, build, check
from stvg_bench.leaderboard.entries import EntryError, read_entry
from stvg_bench.leaderboard.ranking import Candidate, rank
from stvg_bench.statistics import N_RESAMPLES

from .leaderboard_helpers import synthetic_root, write_predictions

REPO = Path(__file__).resolve().parents[1]
NO_DATA = Path("/nonexistent-data-dir")  # the synthetic split needs no annotation files


@pytest.fixture
def board_root(tmp_path):
    return synthetic_root(tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = synthetic_root(tmp_path_factory.mktemp("board"))
    report = build(root, NO_DATA)
    return root, report, json.loads(report.files["site/leaderboard.json"])


def rows_of(document):
    (board,) = document["boards"]
    return {row["entry"]: row for row in board["rows"]}


# --- entries -----------------------------------------------------------------------------------------------


def rewrite(path: Path, change) -> None:
    document = tomllib.loads(path.read_text())
    change(document)
    path.write_text(tomli_w.dumps(document))


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(supervision="semi"), "supervision"),
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d.update(name="other"), "differs from the file name"),
    (lambda d: d["reported"][0].update(source="nowhere"), "not declared"),
    (lambda d: d["reported"][0]["values"].update(mAP="1.0"), "no column for printed metric 'mAP'"),
    (lambda d: d["reported"][0]["values"].update(m_vIoU="about 9"), "m_vIoU"),
    (lambda d: d["reported"][0].update(query_type="imperative"), "not a group"),
    (lambda d: d["predictions"][0].update(path="submissions/../../etc/passwd.json"), "leaderboards/"),
    (lambda d: d["predictions"][0].update(task="action-spatial"), "no board synthetic/action-spatial"),
    (lambda d: d["predictions"][0].pop("produced_by"), "predictions/0"),
    (lambda d: d["predictions"][0].update(sha256="abc"), "sha256"),
])
def test_invalid_entries_are_refused_naming_the_file(board_root, change, message):
    path = board_root / "entries" / "synthetic" / "good-a.toml"
    rewrite(path, change)
    with pytest.raises(EntryError, match=message) as error:
        read_entry(path)
    assert str(path) in str(error.value)


def test_not_toml_is_an_entry_error(board_root):
    path = board_root / "entries" / "synthetic" / "good-a.toml"
    path.write_text("name = ")
    with pytest.raises(EntryError, match="not valid TOML"):
        read_entry(path)


# --- ranking -----------------------------------------------------------------------------------------------


def candidate(key, value, spread, seed):
    rng = np.random.default_rng(seed)
    return Candidate(key, value, value + rng.normal(0, spread, N_RESAMPLES))


def test_rows_that_cannot_be_separated_share_a_rank_and_ranks_skip():
    # b: a's resamples minus 0.001 plus zero-mean noise, so the resampled differences take both signs (a tie);
    # c: 0.1 below a on every resample (p = 0).
    rng = np.random.default_rng(1)
    a = candidate("a", 0.50, 0.01, 0)
    b = Candidate("b", 0.499, a.resamples - 0.001 + rng.normal(0, 0.01, N_RESAMPLES))
    c = Candidate("c", 0.40, a.resamples - 0.10)
    placements = {p.key: p for p in rank([c, b, a])}
    assert (placements["a"].rank, placements["b"].rank, placements["c"].rank) == (1, 1, 3)
    assert placements["a"].tied and placements["b"].tied and not placements["c"].tied
    assert placements["b"].p_vs_anchor >= 0.05 and placements["c"].p_vs_anchor == 0.0


def test_a_constant_difference_separates_rows():
    a = candidate("a", 0.50, 0.01, 0)
    b = Candidate("b", 0.499, a.resamples - 0.001)
    assert [p.rank for p in rank([a, b])] == [1, 2]


def test_groups_are_anchored_by_their_best_row_not_chained():
    """a ~ b and b ~ c, but a and c are separable: c anchors the next group (SWE-bench PR #60 rule)."""
    rng = np.random.default_rng(2)
    base = rng.normal(0, 0.01, N_RESAMPLES)
    a = Candidate("a", 0.50, 0.50 + base)
    b = Candidate("b", 0.49, 0.49 + base + rng.normal(0, 0.02, N_RESAMPLES))
    c = Candidate("c", 0.48, 0.48 + base + rng.normal(0, 0.004, N_RESAMPLES))
    placements = {p.key: p for p in rank([a, b, c])}
    assert placements["b"].p_vs_anchor >= 0.05  # b joins a
    assert placements["c"].p_vs_above >= 0.05   # c cannot be told from b ...
    assert placements["c"].p_vs_anchor < 0.05   # ... but from the anchor a
    assert [placements[k].rank for k in "abc"] == [1, 1, 3]


def test_lower_is_better_metrics_rank_ascending():
    a, b = candidate("a", 0.2, 0.001, 0), candidate("b", 0.1, 0.001, 1)
    assert [p.key for p in rank([a, b], higher_is_better=False)] == ["b", "a"]


# --- scores and the cache ----------------------------------------------------------------------------------


def test_cached_intervals_and_paired_p_values_are_the_scorers(tmp_path):
    """CIs equal Evaluator.score(ci=True); p-values from the cached resamples equal Evaluator.compare."""
    dataset = sb.load_dataset("synthetic")
    evaluator = sb.Evaluator(dataset, protocol="stcat")
    a = make_predictions(dataset.gt, "good", 0, frames="input")
    b = make_predictions(dataset.gt, "noisy", 0, frames="input")
    scored_a = scorecache.scored_from(evaluator.score(a, ci=False))
    scored_b = scorecache.scored_from(evaluator.score(b, ci=False))
    reference = evaluator.score(a, ci=True)
    for group, intervals in reference.ci95.items():
        assert scored_a.ci95[group] == intervals  # the same resamples, the same percentile code
    comparison = evaluator.compare(a, b)
    from stvg_bench.leaderboard.ranking import p_value

    for name, difference in comparison.differences["all"].items():
        mine = p_value(Candidate("a", scored_a.metrics["all"][name], scored_a.resampled_metric("all", name)),
                       Candidate("b", scored_b.metrics["all"][name], scored_b.resampled_metric("all", name)))
        assert mine == pytest.approx(difference.p_value)


def test_the_cache_key_changes_with_every_input():
    base = {"predictions_sha256": "a" * 64, "predictions_format": "stvg-bench", "annotations": {"annotations": "b"},
            "task": "tube-grounding", "options": {}, "protocol": {"name": "dense", "version": 1}}
    key = scorecache.cache_key(**base)
    for field, value in [("predictions_sha256", "c" * 64), ("predictions_format", "tubedetr"),
                         ("annotations", {"annotations": "d"}), ("options", {"missing": "zero"}),
                         ("protocol", {"name": "dense", "version": 2}), ("task", "other")]:
        assert scorecache.cache_key(**{**base, field: value}) != key


def test_a_second_build_reads_the_cache_and_a_damaged_entry_is_recomputed(board_root, tmp_path, monkeypatch):
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    first = build(board_root, NO_DATA)
    second = build(board_root, NO_DATA)
    assert (first.scored, first.cached) == (12, 0)  # 4 prediction files x 3 protocols
    assert (second.scored, second.cached) == (0, 12) and second.files == first.files
    for path in scorecache.cache_dir().glob("*.npz"):
        path.write_bytes(b"damaged")
    third = build(board_root, NO_DATA)
    assert third.scored == 12 and third.files == first.files


# --- the document ------------------------------------------------------------------------------------------


def test_ties_oracles_reported_only_rows_and_deltas(built):
    _, _, document = built
    rows = rows_of(document)
    dense = {name: row["rank"].get("dense") for name, row in rows.items()}
    assert dense["good-a"]["rank"] == dense["good-b"]["rank"] == 1 and dense["good-a"]["tied"]
    assert dense["noisy"]["rank"] == 3 and not dense["noisy"]["tied"]
    assert dense["oracle"] is None and rows["oracle"]["kind"] == "oracle"
    assert rows["oracle"]["scores"]["dense"]["metrics"]["all"]["m_vIoU"]["value"] == 100.0
    assert dense["printed"] is None and rows["printed"]["scores"] == {}
    assert [r["entry"] for r in document["boards"][0]["rows"]][-2:] == ["oracle", "printed"]
    deltas = {c["metric"]: c for c in rows["good-a"]["comparisons"]["dense"]}
    assert deltas["m_vIoU"]["outside_ci"] and deltas["m_vIoU"]["delta"] == pytest.approx(
        99.0 - deltas["m_vIoU"]["reproduced"], abs=1e-3)
    for protocol in ("dense", "tubedetr", "stcat"):
        for group in ("all", "declarative", "interrogative"):
            score = rows["noisy"]["scores"][protocol]["metrics"][group]["m_vIoU"]
            assert score["ci95"][0] <= score["value"] <= score["ci95"][1]


def test_builds_are_byte_identical_from_a_cold_and_a_warm_cache(built, tmp_path, monkeypatch):
    root, report, _ = built
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "fresh-cache"))
    again = build(root, NO_DATA, out=tmp_path / "out")
    assert again.scored > 0 and again.files == report.files
    assert b"<dc:date>" not in again.files["site/plots/synthetic--tube-grounding-forest.svg"]


def test_the_page_is_self_contained(built):
    _, report, _ = built
    page = report.files["site/index.html"].decode()
    assert "<style>" in page and "<script>" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<script src" not in page
    assert "<link" not in page


# --- check --------------------------------------------------------------------------------------------------


def test_check_passes_after_a_build_and_fails_naming_what_changed(board_root):
    build(board_root, NO_DATA)
    check(board_root, NO_DATA)
    entry = board_root / "entries" / "synthetic" / "noisy.toml"
    rewrite(entry, lambda d: d.update(method="Renamed"))
    with pytest.raises(CheckFailed) as failed:
        check(board_root, NO_DATA)
    assert any("README.md" in p for p in failed.value.problems)
    assert any("index.html" in p for p in failed.value.problems)
    build(board_root, NO_DATA)
    check(board_root, NO_DATA)
    (board_root / "site" / "plots" / "stale.svg").write_text("<svg/>")
    with pytest.raises(CheckFailed, match="stale.svg: not produced by a build"):
        check(board_root, NO_DATA)


def test_check_fails_when_a_prediction_file_changes(board_root):
    build(board_root, NO_DATA)
    dataset = sb.load_dataset("synthetic")
    _, path = write_predictions(board_root, dataset, "noisy", "noisy", 5)
    with pytest.raises(CheckFailed, match=f"{path}.*sha256|{path}.*bytes"):
        check(board_root, NO_DATA)


def test_check_fails_on_an_invalid_entry(board_root):
    build(board_root, NO_DATA)
    rewrite(board_root / "entries" / "synthetic" / "noisy.toml", lambda d: d.update(supervision="semi"))
    with pytest.raises(CheckFailed, match="noisy.toml"):
        check(board_root, NO_DATA)


def test_committed_boards_fail_the_check_when_edited_and_pass_when_rebuilt(shared_data, tmp_path, run_cli):
    """Acceptance: editing one prediction file or one entry without rebuilding fails; rebuilding passes."""
    root = tmp_path / "leaderboards"
    shutil.copytree(REPO / "leaderboards", root)
    data = ["--root", root, "--data", shared_data]
    code, _, err = run_cli("leaderboard", "check", *data)
    assert code == 0, err  # the committed boards are up to date

    entry = root / "entries" / "vidstg" / "tubedetr.toml"
    rewrite(entry, lambda d: d.update(method="TubeDETR (edited)"))
    code, _, err = run_cli("leaderboard", "check", *data)
    assert code == 1 and "README.md: differs" in err
    assert run_cli("leaderboard", "build", *data)[0] == 0
    assert run_cli("leaderboard", "check", *data)[0] == 0

    predictions = root / "submissions" / "groundingyoutube" / "centre-point" / "predictions.json.gz"
    predictions.write_bytes(predictions.read_bytes()[:-8] + b"\0" * 8)
    code, _, err = run_cli("leaderboard", "check", *data)
    assert code == 1 and str(predictions) in err and "sha256" in err


# --- add and fetch -----------------------------------------------------------------------------------------


def test_add_scores_stores_and_writes_the_entry(board_root, tmp_path, run_cli):
    dataset = sb.load_dataset("synthetic")
    source = tmp_path / "mine.json"
    sb.write_predictions(make_predictions(dataset.gt, "good", 9, frames="input"), source, "stvg-bench", dataset)
    code, out, err = run_cli("leaderboard", "add", source, "--dataset", "synthetic", "--entry", "mine",
                             "--method", "My method", "--supervision", "zero-shot", "--paper-venue", "arXiv",
                             "--paper-year", "2026", "--submitter", "me", "--root", board_root, "--data", NO_DATA)
    assert code == 0, err
    assert "dense: m_tIoU" in out
    entry = read_entry(board_root / "entries" / "synthetic" / "mine.toml")
    (item,) = entry.predictions
    assert item.self_submitted["by"] == "me" and item.location == "submissions/synthetic/mine/predictions.json"
    assert (board_root / item.location).read_bytes() == source.read_bytes()
    document = json.loads(build(board_root, NO_DATA).files["site/leaderboard.json"])
    assert "dense" in rows_of(document)["mine"]["rank"]


def test_add_refuses_bad_submissions(board_root, tmp_path, run_cli):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "stvg-bench/predictions", "version": 1, "dataset": "synthetic", "split": "test", '
                   '"predictions": {"0": {"segment": [1, 2], "boxes": {"1": [0, 0, "x", 1]}}}}')
    code, _, err = run_cli("leaderboard", "add", bad, "--dataset", "synthetic", "--entry", "bad",
                           "--supervision", "fully", "--paper-venue", "x", "--paper-year", "2026",
                           "--root", board_root, "--data", NO_DATA)
    assert code == 2 and "bad.json" in err and len(err.strip().splitlines()) == 1
    assert not (board_root / "entries" / "synthetic" / "bad.toml").exists()
    dataset = sb.load_dataset("synthetic")
    good = tmp_path / "good.json"
    sb.write_predictions(make_predictions(dataset.gt, "good", 9, frames="input"), good, "stvg-bench", dataset)
    code, _, err = run_cli("leaderboard", "add", good, "--dataset", "synthetic", "--entry", "Bad Name",
                           "--supervision", "fully", "--paper-venue", "x", "--paper-year", "2026",
                           "--root", board_root, "--data", NO_DATA)
    assert code == 2 and "name" in err


def test_url_sources_are_fetched_only_by_fetch_and_checked(board_root, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("STVG_BENCH_CACHE", str(tmp_path / "cache"))
    dataset = sb.load_dataset("synthetic")
    hosted = tmp_path / "hosted" / "big.json.gz"
    sb.write_predictions(make_predictions(dataset.gt, "noisy", 4, frames="input"), hosted, "stvg-bench", dataset)
    entry = board_root / "entries" / "synthetic" / "noisy.toml"
    from stvg_bench.leaderboard.sources import sha256_of

    def to_url(document):
        item = document["predictions"][0]
        item.pop("path")
        item.update(url=hosted.as_uri(), sha256=sha256_of(hosted), size=hosted.stat().st_size)

    rewrite(entry, to_url)
    code, _, err = run_cli("leaderboard", "build", "--root", board_root, "--data", NO_DATA)
    assert code == 2 and "leaderboard fetch" in err
    assert run_cli("leaderboard", "fetch", "--root", board_root)[0] == 0
    assert run_cli("leaderboard", "build", "--root", board_root, "--data", NO_DATA)[0] == 0
    hosted.write_bytes(hosted.read_bytes() + b"\n")
    for cached in (tmp_path / "cache" / "leaderboard" / "predictions").iterdir():
        cached.unlink()
    code, _, err = run_cli("leaderboard", "fetch", "--root", board_root)
    assert code == 2 and "nothing was stored" in err


def test_help_stays_light(run_cli):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "stvg_bench", "--help"], capture_output=True,
                         text=True, check=True)
    assert "matplotlib" not in out.stderr and "jinja2" not in out.stderr and "stvg_bench.leaderboard" not in out.stderr
