"""Atomic outputs: complete or absent, with ordinary permissions unless asked otherwise."""

from __future__ import annotations

import os
import stat

import pytest

from stvg_bench.core import atomic


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_and_directories_get_ordinary_permissions(tmp_path, umask_022):
    atomic.write_bytes(tmp_path / "a.json", b"{}")
    atomic.write_with(tmp_path / "b.bin", lambda p: p.write_bytes(b"x"))
    with atomic.directory(tmp_path / "out") as out:
        (out / "c.txt").write_text("c")
    assert mode_of(tmp_path / "a.json") == mode_of(tmp_path / "b.bin") == 0o644
    assert mode_of(tmp_path / "out") == 0o755


def test_a_private_mode_is_kept(tmp_path, umask_022):
    atomic.write_bytes(tmp_path / "secret.json", b"{}", mode=0o600)
    assert mode_of(tmp_path / "secret.json") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "results.json"
    target.write_bytes(b"old")

    def fail(path):
        path.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic.write_with(target, fail)
    with pytest.raises(RuntimeError), atomic.directory(tmp_path / "out") as out:
        (out / "partial").write_text("p")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
