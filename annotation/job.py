"""A job (a build directory) owns its Label Studio projects.

``push`` records the id of the project it created, or adopted, in
``<build>/projects.json`` (per server URL and title); later pushes, pulls and
QC use that id, so another project with the same title -- a decoy, or one made
by hand -- is never picked up. Without a record, a title is resolved only when
it names exactly one project, made by the account in use; otherwise the error
names every project that has it. ``push`` holds ``<build>/.push.lock`` (an
flock) from looking the project up to importing the last task: two concurrent
pushes create one project and import each task once (the second waits).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError
from stvg_bench.core.jsonio import dumps_pretty

from .server import ServerError

PROJECTS = "projects.json"
LOCK = ".push.lock"
LOCK_TIMEOUT = 600.0


def recorded_projects(build_dir: Path) -> dict[str, dict[str, int]]:
    """``{server url: {title: project id}}`` as pushes recorded them."""
    path = Path(build_dir) / PROJECTS
    if not path.is_file():
        return {}
    try:
        records = json.loads(path.read_text())
        return {str(url): {str(t): int(i) for t, i in titles.items()} for url, titles in records.items()}
    except (OSError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise InputFileError(f"damaged record of the job's projects ({exc})", path=path) from None


def _record(build_dir: Path, url: str, title: str, project_id: int) -> None:
    records = recorded_projects(build_dir)
    records.setdefault(url, {})[title] = project_id
    atomic.write_bytes(Path(build_dir) / PROJECTS, dumps_pretty(records))


@contextmanager
def push_lock(build_dir: Path, timeout: float = LOCK_TIMEOUT):
    """Hold the job's push lock (waiting up to ``timeout`` s for another push to finish)."""
    path = Path(build_dir) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holder = Path(path).read_text().strip() or "?"
                    raise ServerError(f"another push into {build_dir} (pid {holder}) has held {path} for "
                                      f"{timeout:.0f} s") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def resolve(workspace, build_dir: Path, title: str, config: str | None = None):
    """The job's project called ``title``: the recorded one; else the only project with that title, if
    the account in use made it; else, with ``config`` (push), a new one. Push records what it resolved."""
    known = recorded_projects(build_dir).get(workspace.url, {}).get(title)
    if known is not None:
        where = Path(build_dir) / PROJECTS
        return workspace.project(known, f"project {known}, recorded for {title!r} in {where}")
    same = workspace.projects_titled(title)
    me = workspace.me()
    if not same and config is not None:
        project = workspace.create_project(title, config)
    elif len(same) == 1 and same[0].created_by is not None and same[0].created_by.id == me:
        project = same[0]
    elif not same:
        raise ServerError(f"Label Studio at {workspace.url} has no project {title!r}")
    else:
        named = ", ".join(f"{p.id} (made by {p.created_by.email if p.created_by else 'nobody known'})"
                          for p in same)
        raise ServerError(f"Label Studio at {workspace.url}: {title!r} names {named}, and {build_dir} "
                          "records none of them; only a single project made by this account is adopted: "
                          "rename the others")
    if config is not None:
        _record(build_dir, workspace.url, title, project.id)
    return project


def push(workspace, build_dir: Path, title: str, config: str, frames: Path,
         tasks: list[dict]) -> tuple[object, int]:
    """Under the job's lock: resolve (or create) project ``title``, serve ``frames`` to it, import the
    tasks it lacks. Returns the project and how many tasks were imported."""
    with push_lock(build_dir):
        project = resolve(workspace, build_dir, title, config)
        workspace.local_storage(project.id, Path(frames).resolve(), f"{title} frames")
        return project, workspace.import_tasks(project.id, tasks)
