"""``stvg-bench cache list | clear``, the size cap and least-recently-used eviction.

Every test has its own cache root; ages are set with ``os.utime`` in whole hours, so the listed ages
("2d 0h ago") do not depend on how long a test takes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from stvg_bench.core import cache_entries, cache_lru

HOUR_SECONDS = 3600
CAP = cache_lru.MAX_MB_VARIABLE


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("STVG_BENCH_CACHE", str(root))
    monkeypatch.delenv(CAP, raising=False)
    return root


def aged(path: Path, hours_ago: float) -> Path:
    stamp = time.time() - hours_ago * HOUR_SECONDS
    os.utime(path, (stamp, stamp))
    return path


def put(path: Path, size_bytes: int, hours_ago: float = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size_bytes)
    return aged(path, hours_ago)


def populate(root: Path) -> None:
    """One or two entries of every kind, and a file that is not stvg-bench's."""
    parsed = root / "parsed" / "vidstg-test-0123"
    put(parsed / "meta.json", 100)
    put(parsed / "gt_start_frame.npy", 200)
    aged(parsed, 48)  # a directory entry's last use is the directory's mtime
    put(root / "digests" / "d1", 64, 1)
    put(root / "digests" / "d2", 64, 5)
    put(root / "bootstrap" / "counts.npy", 1000, 30 * 24)
    put(root / "leaderboard" / "scores" / "k.npz", 20, 3)
    put(root / "leaderboard" / "scores" / "k.json", 10, 2)  # one entry with k.npz, last used 2 h ago
    put(root / "leaderboard" / "plots" / "p.svg", 500, 1)
    put(root / "leaderboard" / "predictions" / ("a" * 64), 4000, 10 * 24)
    put(root / "vidstg" / "test_annotations.json", 3000)
    aged(root / "vidstg", 20 * 24)
    put(root / "notes.txt", 7)


def table_rows(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows


def test_list_an_empty_cache(run_cli, root):
    code, stdout, stderr = run_cli("cache", "list")
    assert code == 0 and stderr == ""
    assert stdout.splitlines()[:2] == [
        f"cache root: {root} ($STVG_BENCH_CACHE)",
        ("size cap: 10.0 GB of recomputable entries (the default, $STVG_BENCH_CACHE_MAX_MB unset; MB of 10^6 "
         "bytes), least recently used evicted first"),
    ]
    rows = table_rows(stdout)
    assert list(rows) == [kind.name for kind in cache_entries.KINDS]
    assert all(row[1:5] == ["0", "0 B", "-", "-"] for row in rows.values())
    assert "recomputable total: 0 B" in stdout and "left alone" not in stdout
    assert not root.exists()  # listing creates nothing


def test_list_counts_sizes_and_last_use_of_every_kind(run_cli, root):
    populate(root)
    code, stdout, stderr = run_cli("cache")  # `cache` alone lists
    assert code == 0, stderr
    assert table_rows(stdout) == {
        "parsed": ["yes", "1", "300 B", "2d 0h ago", "2d 0h ago", "parsed/"],  # 100 + 200 B in one directory
        "digests": ["yes", "2", "128 B", "5h 0m ago", "1h 0m ago", "digests/"],
        "bootstrap": ["yes", "1", "1.0 kB", "30d 0h ago", "30d 0h ago", "bootstrap/"],
        "scores": ["yes", "1", "30 B", "2h 0m ago", "2h 0m ago", "leaderboard/scores/"],  # newest of its files
        "plots": ["yes", "1", "500 B", "1h 0m ago", "1h 0m ago", "leaderboard/plots/"],
        "predictions": ["no (download)", "1", "4.0 kB", "10d 0h ago", "10d 0h ago", "leaderboard/predictions/"],
        "datasets": ["no (download)", "1", "3.0 kB", "20d 0h ago", "20d 0h ago", "vidstg/"],
    }
    assert "recomputable total: 2.0 kB" in stdout  # 300 + 128 + 1000 + 30 + 500 = 1958 B
    assert "not stvg-bench's, left alone: notes.txt" in stdout


def test_clear_removes_the_recomputable_kinds_only(run_cli, root):
    populate(root)
    code, stdout, stderr = run_cli("cache", "clear")
    assert code == 0, stderr
    assert stdout.splitlines() == [
        "parsed: removed 1 entry, 300 B",
        "digests: removed 2 entries, 128 B",
        "bootstrap: removed 1 entry, 1.0 kB",
        "scores: removed 1 entry, 30 B",
        "plots: removed 1 entry, 500 B",
        f"{root}: removed 6 entries, 2.0 kB",
    ]
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert left == [f"leaderboard/predictions/{'a' * 64}", "notes.txt", "vidstg/test_annotations.json"]


def test_clear_by_kind_and_everything(run_cli, root):
    populate(root)
    code, stdout, _ = run_cli("cache", "clear", "--kind", "digests", "--kind", "datasets")
    assert code == 0 and stdout.splitlines()[-1] == f"{root}: removed 3 entries, 3.1 kB"  # 128 B + 3000 B
    assert not (root / "digests" / "d1").exists() and not (root / "vidstg").exists()
    assert (root / "parsed" / "vidstg-test-0123").is_dir()
    code, stdout, _ = run_cli("cache", "clear", "--all")
    assert code == 0 and stdout.splitlines()[-1] == f"{root}: removed 5 entries, 5.8 kB"  # 1830 + 4000 B
    assert [p.name for p in root.rglob("*") if p.is_file()] == ["notes.txt"]
    code, _, stderr = run_cli("cache", "clear", "--all", "--kind", "parsed")
    assert code == 2 and stderr.count("\n") == 1 and "not allowed with argument" in stderr


def test_clear_older_than_and_dry_run(run_cli, root):
    populate(root)
    code, stdout, _ = run_cli("cache", "clear", "--older-than", "1d", "--dry-run")
    assert code == 0 and stdout.splitlines() == [
        "parsed: would remove 1 entry, 300 B",  # used 2 days ago
        "bootstrap: would remove 1 entry, 1.0 kB",  # 30 days ago; the downloads are not selected
        f"{root}: would remove 2 entries, 1.3 kB",
    ]
    assert (root / "parsed" / "vidstg-test-0123" / "meta.json").is_file()
    assert run_cli("cache", "clear", "--older-than", "1d")[0] == 0
    assert not (root / "parsed" / "vidstg-test-0123").exists() and not (root / "bootstrap" / "counts.npy").exists()
    code, stdout, _ = run_cli("cache", "clear", "--kind", "digests", "--older-than", "4h")
    assert stdout.splitlines()[-1] == f"{root}: removed 1 entry, 64 B"  # d2 (5 h), not d1 (1 h)
    assert [p.name for p in (root / "digests").iterdir()] == ["d1"]
    code, stdout, _ = run_cli("cache", "clear", "--all", "--older-than", "1w2d")
    assert stdout.splitlines() == ["predictions: removed 1 entry, 4.0 kB", "datasets: removed 1 entry, 3.0 kB",
                                   f"{root}: removed 2 entries, 7.0 kB"]  # 10 and 20 days > 9 days


@pytest.mark.parametrize("age", ["7x", "7", "d", "-1d", "1.5h", "", "7 d", "٧d"])
def test_a_bad_age_is_one_error_line(run_cli, root, age):
    code, stdout, stderr = run_cli("cache", "clear", f"--older-than={age}")
    assert code == 2 and stdout == "" and stderr.count("\n") == 1
    assert stderr.startswith("stvg-bench: error: stvg-bench cache clear: argument --older-than: expected an age "
                             "such as 7d, 12h or 30m")


@pytest.mark.parametrize("value", ["10GB", "-1", "nan", "1e3", "unlimited", "١٠"])
def test_a_bad_cap_is_one_error_line(run_cli, root, monkeypatch, value):
    monkeypatch.setenv(CAP, value)
    code, stdout, stderr = run_cli("cache", "list")
    assert code == 2 and stdout == "" and stderr.count("\n") == 1
    assert stderr.startswith(f"stvg-bench: error: ${CAP} must be a size in MB (10^6 bytes, e.g. 10000) or none, "
                             "got ")


@pytest.mark.parametrize(("value", "cap_bytes"), [("", 10**10), ("10000", 10**10), ("0", 0), ("0.0015", 1500),
                                                  (" 2 ", 2_000_000), ("none", None), ("None", None)])
def test_cap_values(monkeypatch, value, cap_bytes):
    monkeypatch.setenv(CAP, value)
    assert cache_lru.max_bytes() == cap_bytes


def test_eviction_removes_the_least_recently_used_first_and_never_the_new_entry(root, monkeypatch):
    monkeypatch.setenv(CAP, "0.001")  # 1000 B
    for name, hours_ago in (("old", 3), ("middle", 2), ("recent", 1)):
        put(root / "digests" / name, 400, hours_ago)
    download = put(root / "leaderboard" / "predictions" / "big", 5000, 100)  # oldest, largest: never evicted
    new = put(root / "digests" / "new", 400)
    evicted = cache_lru.stored(new)
    # 1600 B > 1000: old goes (1200 B), middle goes (800 B), within the cap.
    assert [entry.name for entry in evicted] == ["old", "middle"]
    assert sorted(p.name for p in (root / "digests").iterdir()) == ["new", "recent"]
    assert download.is_file()


def test_eviction_skips_what_this_process_uses(root, monkeypatch):
    kept = put(root / "bootstrap" / "counts.npy", 400)
    cache_lru.used(kept)
    aged(kept, 10)  # the oldest, but memory-mapped here
    put(root / "digests" / "other", 400, 1)
    monkeypatch.setenv(CAP, "0")  # keep only what this process uses
    new = put(root / "digests" / "new", 400)
    assert [entry.name for entry in cache_lru.stored(new)] == ["other"]
    assert kept.is_file() and new.is_file()
    monkeypatch.setenv(CAP, "none")
    put(root / "digests" / "another", 400, 5)
    assert cache_lru.stored(new) == [] and (root / "digests" / "another").is_file()


def test_writing_a_digest_evicts_over_the_cap(root, tmp_path, monkeypatch):
    from stvg_bench.datasets.cache import file_sha256, remembered_sha256

    stale = put(root / "digests" / ("0" * 64), 64, 24)
    annotations = put(tmp_path / "annotations.json", 10)
    monkeypatch.setenv(CAP, "0")
    assert remembered_sha256(annotations) == file_sha256(annotations)
    assert not stale.exists() and len(list((root / "digests").iterdir())) == 1  # the new digest only


def _groundtruth_call(build):
    from stvg_bench.datasets.cache import cached_groundtruth, input_record

    inputs = {"annotations": input_record(None, sha256="1" * 64)}
    return cached_groundtruth("synthetic", 1, "test", inputs, build)


def _refuse():
    raise AssertionError("a cache hit must not build")


def test_a_hit_refreshes_last_use(root):
    from stvg_bench import load_dataset
    from stvg_bench.datasets.cache import remembered_sha256
    from stvg_bench.leaderboard.scorecache import Scored, cached_score
    from stvg_bench.statistics import resample_counts

    gt = load_dataset("synthetic").gt
    _, parsed = _groundtruth_call(lambda: gt)
    annotations = put(root.parent / "annotations.json", 10)
    remembered_sha256(annotations)
    first = [np.array(chunk) for chunk in resample_counts(7, 20)]
    scored = Scored(protocol={"name": "p", "version": 1}, fields=(), group_sizes={"all": 7}, metrics={"all": {}},
                    ci95={}, unavailable={}, warnings={}, resamples={"all": np.zeros((20, 0))})
    assert cached_score("k" * 64, lambda: scored)[1] is False
    stored = [entry for kind in cache_entries.KINDS for entry in cache_entries.entries(kind, root)]
    assert sorted(entry.kind for entry in stored) == ["bootstrap", "digests", "parsed", "scores"]
    for entry in stored:
        for path in entry.paths:
            aged(path, 48)

    assert _groundtruth_call(_refuse)[1] == parsed
    remembered_sha256(annotations)
    assert all((a == b).all() for a, b in zip(first, resample_counts(7, 20)))
    assert cached_score("k" * 64, _refuse)[1] is True
    now = time.time()
    for entry in [entry for kind in cache_entries.KINDS for entry in cache_entries.entries(kind, root)]:
        assert now - entry.last_use_unix_seconds < 60, entry


def test_an_entry_removed_while_read_is_a_miss(root):
    from stvg_bench import load_dataset

    gt = load_dataset("synthetic").gt
    _, entry = _groundtruth_call(lambda: gt)
    (entry / "box_xyxy.npy").unlink()  # what a concurrent `cache clear` leaves a reader that has read meta.json
    rebuilt, again = _groundtruth_call(lambda: gt)
    assert again == entry and (entry / "box_xyxy.npy").is_file()
    assert np.array_equal(rebuilt.box_xyxy, gt.box_xyxy, equal_nan=True)
    parsed = next(kind for kind in cache_entries.KINDS if kind.name == "parsed")
    cache_entries.remove(cache_entries.entries(parsed, root)[0])
    assert not entry.exists() and _groundtruth_call(lambda: gt)[1] == entry


def test_clearing_a_symlinked_download_leaves_its_target(run_cli, root, tmp_path):
    target = put(tmp_path / "elsewhere" / "test_annotations.json", 50)
    root.mkdir()
    (root / "vidstg").symlink_to(target.parent, target_is_directory=True)
    code, stdout, _ = run_cli("cache", "clear", "--kind", "datasets")
    assert code == 0 and stdout.splitlines()[-1] == f"{root}: removed 1 entry, {len(str(target.parent))} B"
    assert not (root / "vidstg").exists() and target.is_file()


def test_the_dataset_folders_are_those_fetch_and_the_data_layout_use():
    from stvg_bench.datasets.fetch import RELEASES
    from stvg_bench.leaderboard.data_dir import ANNOTATIONS

    layout = {relative.split("/")[0] for relative in ANNOTATIONS.values() if relative is not None}
    assert set(cache_entries.DATASET_FOLDERS) == layout | set(RELEASES)


def test_the_cache_root_variable_is_honoured_end_to_end(tmp_path):
    def cli(*args, **env):
        environment = {key: value for key, value in os.environ.items() if key not in ("STVG_BENCH_CACHE", CAP)}
        return subprocess.run([sys.executable, "-m", "stvg_bench", *args], capture_output=True, text=True,
                              check=False, env={**environment, **env})

    chosen = tmp_path / "chosen"
    put(chosen / "digests" / "x", 64, 1)
    listing = cli("cache", "list", STVG_BENCH_CACHE=str(chosen))
    assert listing.returncode == 0 and f"cache root: {chosen} ($STVG_BENCH_CACHE)" in listing.stdout
    assert table_rows(listing.stdout)["digests"][1:3] == ["1", "64 B"]
    cleared = cli("cache", "clear", STVG_BENCH_CACHE=str(chosen))
    assert cleared.stdout.splitlines()[-1] == f"{chosen}: removed 1 entry, 64 B"

    home = tmp_path / "home"
    put(home / ".cache" / "stvg-bench" / "bootstrap" / "counts.npy", 10, 1)
    listing = cli("cache", HOME=str(home))
    assert f"cache root: {home}/.cache/stvg-bench (the default, $STVG_BENCH_CACHE unset)" in listing.stdout
    assert table_rows(listing.stdout)["bootstrap"][1:3] == ["1", "10 B"]
