"""Shared fixtures: paths to the real annotations, an isolated cache, session-wide generated data."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


# Under CI the property tests draw the same examples every run (a red build is reproducible);
# locally they explore new ones. A failure prints the example that reproduces it either way.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

_SESSION_CACHE = tempfile.mkdtemp(prefix="stvg-bench-test-cache-")


def pytest_configure(config):
    # Tests never touch the user's cache, never reach a hub, and stay single-threaded.
    os.environ["STVG_BENCH_CACHE"] = _SESSION_CACHE
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture
def no_network(monkeypatch):
    """Any Python-level network connection in the test fails (models and data are local files only)."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public annotation files (CI always has them beside the repository)."""
    assert SHARED_DATA.is_dir(), f"real annotation data expected at {SHARED_DATA} (see DEVELOPERS brief)"
    return SHARED_DATA


@pytest.fixture(scope="session")
def synthetic_files(tmp_path_factory):
    """The built-in synthetic split written in both VidSTG layouts."""
    from stvg_bench.datasets import synthetic

    out = tmp_path_factory.mktemp("synthetic")
    entries, videos = synthetic.SyntheticAdapter().generate()
    annotations, vidor_dir = synthetic.write_official(entries, videos, out, split="test")
    tubedetr = synthetic.write_tubedetr(entries, videos, out / "test.json")
    return {
        "entries": entries,
        "videos": videos,
        "annotations": annotations,
        "vidor_dir": vidor_dir,
        "tubedetr": tubedetr,
        "dir": out,
    }


@pytest.fixture(scope="session")
def real_vidstg(shared_data, tmp_path_factory):
    """All 10,303 real VidSTG test sentences with boxes from the seeded synthetic VidOR generator,
    written once per session in the official (+ VidOR dir) and TubeDETR layouts."""
    from stvg_bench.datasets import synthetic

    annotations = shared_data / "vidstg" / "test_annotations.json"
    entries = json.loads(annotations.read_text())
    videos = synthetic.make_vidor(entries, seed=7)
    out = tmp_path_factory.mktemp("real-vidstg")
    vidor_dir = synthetic.write_vidor(videos, out / "vidor")
    tubedetr = synthetic.write_tubedetr(entries, videos, out / "test.json")
    return {
        "entries": entries,
        "videos": videos,
        "annotations": annotations,
        "vidor_dir": vidor_dir,
        "tubedetr": tubedetr,
        "dir": out,
    }


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from stvg_bench.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
