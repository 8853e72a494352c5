"""External runners (TubeDETR, STCAT, CG-STVG, TA-STVG) against a stand-in peer of ours
(tests/external_standin.py) in a throwaway git checkout: layouts, launch environment, conversion,
the manifest, scoring the result, and the one-line errors."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baselines.external import convert, launch
from baselines.external.peers import PEERS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
VIDSTG_TEST = DATA / "vidstg" / "test_annotations.json"
HCSTVG_V1 = DATA / "golden" / "hcstvg" / "v1_test.json"
STANDIN = Path(__file__).with_name("external_standin.py")
BOX = [10.0, 20.0, 110.0, 220.0]
CHECKPOINT_SHA256 = "6bc9509551b471fd7d25a12b99a9d825e866b1ad02f9f9b5071757ab66d30e68"  # b"not really weights"

pytestmark = pytest.mark.skipif(not VIDSTG_TEST.is_file(), reason="needs ../shared/data")


def make_checkout(directory: Path, peer: str, *flags: str) -> Path:
    """A git repository holding the stand-in at ``peer``'s entry point (and behaviour flag files)."""
    directory.mkdir(parents=True)
    target = directory / PEERS[peer].entry_point
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(STANDIN, target)
    for flag in flags:
        (directory / flag).write_text("")
    git = ["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "stand-in"], check=True)
    return directory


def head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def pinned(monkeypatch):
    """Pin every peer to whatever commit a stand-in checkout has (set per test by ``pin``)."""
    from dataclasses import replace

    def pin(peer: str, repo: Path) -> None:
        monkeypatch.setitem(PEERS, peer, replace(PEERS[peer], commit=head(repo)[:7]))

    return pin


def flags_for(peer: str) -> tuple[str, ...]:
    return {"cg-stvg": ("WRITES_JSON", "NEEDS_TORCHTEXT"), "ta-stvg": ("WRITES_JSON", "NEEDS_TORCHTEXT")}.get(
        peer, ())


def run_peer(run_cli, tmp_path, peer, repo, *extra, dataset="vidstg", annotations=VIDSTG_TEST, out=None):
    checkpoint = tmp_path / "weights.pth"
    if not checkpoint.exists():
        checkpoint.write_bytes(b"not really weights")
    out = out or tmp_path / f"{peer}.json"
    return run_cli("baseline", "run", peer, "--dataset", dataset, "--annotations", annotations, "--repo", repo,
                   "--python", sys.executable, "--checkpoint", checkpoint, "--limit", 3, "--out", out, *extra)


# ------------------------------------------------------------------ end to end, every peer


@pytest.mark.parametrize("peer", ["tubedetr", "stcat", "cg-stvg", "ta-stvg"])
def test_peer_end_to_end_on_vidstg(run_cli, tmp_path, pinned, peer):
    repo = make_checkout(tmp_path / "checkout", peer, *flags_for(peer))
    pinned(peer, repo)
    code, out, err = run_peer(run_cli, tmp_path, peer, repo)
    assert code == 0, err
    predictions = json.loads((tmp_path / f"{peer}.json").read_text())
    # VidSTG test: samples 0 (interrogative) and 1 (declarative) share the input segment [0, 479]; sample 2
    # (interrogative) has [479, 1804]. The stand-in predicts [b+100, b+300) / [b+10, b+400).
    samples = predictions["predictions"]
    assert [samples[k]["segment"] for k in ("0", "1", "2")] == [[100, 300], [10, 400], [579, 779]]
    assert [samples[k]["boxes"] for k in ("0", "1", "2")] == [{str(b + k): BOX for k in range(3)}
                                                            for b in (0, 0, 479)]
    assert predictions["method"]["kind"] == "external"
    manifest = json.loads((tmp_path / f"{peer}.manifest.json").read_text())
    assert manifest["runner"]["kind"] == "external"
    assert manifest["fitted"]["commit"] == head(repo) and manifest["fitted"]["peer"] == peer
    assert manifest["checkpoint"]["sha256"] == CHECKPOINT_SHA256
    per_sample = tmp_path / "per_sample.csv"
    code, out, err = run_cli("score", tmp_path / f"{peer}.json", "--dataset", "vidstg", "--annotations",
                             VIDSTG_TEST, "--missing", "zero", "--no-ci", "--per-sample", per_sample)
    assert code == 0, err
    rows = per_sample.read_text().splitlines()[1:4]
    # GT [0, 390), [0, 390), [936, 1270): tIoU 200/390, 380/400 (intersection [10, 390), hull [0, 400)), 0
    assert [round(float(row.split(",")[9]), 6) for row in rows] == [round(200 / 390, 6), 0.95, 0.0]
