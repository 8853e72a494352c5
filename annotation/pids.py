"""Is a recorded process id still the Label Studio that was started for a data directory?

Read from Linux's ``/proc``: a pid alone can be reused by any process once
the server is gone, so ``stop`` and ``status`` also compare the process's
start time with the one recorded, its command line (``label-studio start``)
and its ``LABEL_STUDIO_BASE_DATA_DIR``. Where ``/proc`` is missing nothing is
recognised, and nothing is signalled.
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks after boot, field 22 of ``/proc/<pid>/stat``); None if it is gone
    or a zombie."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from the third on: the name may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def is_label_studio_of(pid: int | None, data_dir: Path, started: int | None) -> bool:
    """Whether ``pid`` is a running ``label-studio start`` for ``data_dir``, started at ``started``."""
    if not pid:
        return False
    now = start_time(pid)
    if now is None or (started is not None and now != started):
        return False
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        environ = (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return (any(arg.endswith(b"label-studio") for arg in argv) and b"start" in argv
            and f"LABEL_STUDIO_BASE_DATA_DIR={data_dir}".encode() in environ)
