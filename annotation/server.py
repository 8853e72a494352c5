"""Running a local Label Studio server on 127.0.0.1, or finding an existing one.

The server runs from its own virtualenv (``label-studio==1.23.2``; ``make
labelstudio`` builds ``.venv-labelstudio``) with a persistent data directory.
Analytics, the version check and Sentry are off; the admin account and a
40-hex API token are created non-interactively the first time (``label-studio
init``) and kept in ``<data dir>/stvg-bench-server.json`` (mode 0600), never on
a command line or in the repository. Another server is reached with ``--url``
and the token in ``$LABEL_STUDIO_API_KEY``.

SQLite by default; with ``db="postgres"`` the connection comes from the
``POSTGRE_NAME``, ``POSTGRE_USER``, ``POSTGRE_PASSWORD``, ``POSTGRE_HOST`` and
``POSTGRE_PORT`` environment variables (Label Studio's own names).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError, OptionError, StvgBenchError

STATE_FILE = "stvg-bench-server.json"
HOST = "127.0.0.1"
TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"
POSTGRES_VARIABLES = ("POSTGRE_NAME", "POSTGRE_USER", "POSTGRE_PASSWORD", "POSTGRE_HOST", "POSTGRE_PORT")


class ServerError(StvgBenchError):
    """The Label Studio server could not be started, reached or stopped."""


@dataclass
class ServerState:
    """What ``start`` recorded: where the server listens, its process group, its credentials."""

    url: str
    port: int
    pid: int | None
    data_dir: str
    document_root: str
    db: str
    username: str
    password: str
    token: str


def label_studio_command(explicit: str | None = None) -> Path:
    """The ``label-studio`` executable: explicit, ``$STVG_BENCH_LABEL_STUDIO``, the repo's venv, or PATH."""
    candidates = [explicit, os.environ.get("STVG_BENCH_LABEL_STUDIO"),
                  str(Path.cwd() / ".venv-labelstudio" / "bin" / "label-studio"), shutil.which("label-studio")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ServerError("label-studio not found: run `make labelstudio` (its own virtualenv) or pass --label-studio")


def environment(data_dir: Path, document_root: Path, db: str) -> dict[str, str]:
    """The environment a private, offline, loopback-only Label Studio needs."""
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LATEST_VERSION_CHECK": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "COLLECT_ANALYTICS": "false",
        "LOCAL_FILES_SERVING_ENABLED": "true",
        "LOCAL_FILES_DOCUMENT_ROOT": str(document_root),
    }
    env.pop(TOKEN_VARIABLE, None)
    if db == "postgres":
        missing = [v for v in POSTGRES_VARIABLES if not os.environ.get(v)]
        if missing:
            raise OptionError(f"--db postgres reads {', '.join(POSTGRES_VARIABLES)}; missing {', '.join(missing)}")
        env["DJANGO_DB"] = "default"
    elif db != "sqlite":
        raise OptionError(f"--db must be sqlite or postgres, got {db!r}")
    return env


def read_state(data_dir: Path) -> ServerState | None:
    path = Path(data_dir) / STATE_FILE
    if not path.is_file():
        return None
    return ServerState(**json.loads(path.read_text()))


def _write_state(state: ServerState) -> None:
    path = Path(state.data_dir) / STATE_FILE
    atomic.write_bytes(path, json.dumps(asdict(state), indent=2).encode(), mode=0o600)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return json.loads(response.read()).get("status") == "UP"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (for throwaway servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def initialise(data_dir: Path, document_root: Path, db: str = "sqlite", command: str | None = None,
               timeout: float = 900) -> ServerState:
    """Create the database, the admin account and the API token (``label-studio init``), once."""
    data_dir = Path(data_dir).resolve()
    existing = read_state(data_dir)
    if existing is not None:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    state = ServerState(url="", port=0, pid=None, data_dir=str(data_dir), document_root=str(Path(document_root).resolve()),
                        db=db, username="admin@stvg-bench.local", password=secrets.token_urlsafe(18),
                        token=secrets.token_hex(20))
    log = data_dir / "label-studio-init.log"
    env = environment(data_dir, Path(state.document_root), db)
    # Credentials travel in the environment, not on a command line other users can read.
    env.update(LABEL_STUDIO_USERNAME=state.username, LABEL_STUDIO_PASSWORD=state.password,
               LABEL_STUDIO_USER_TOKEN=state.token)
    with open(log, "wb") as out:
        process = subprocess.run(
            [str(label_studio_command(command)), "init", "--quiet", "--enable-legacy-api-token"],
            env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
        )
    if process.returncode != 0:
        raise ServerError(f"label-studio init failed (exit {process.returncode}); see {log}")
    _write_state(state)
    return state


def start(data_dir: Path, document_root: Path, port: int = 8089, db: str = "sqlite", command: str | None = None,
          timeout: float = 300) -> ServerState:
    """Start (initialising if needed) a server on 127.0.0.1:``port``; return once ``/health`` is UP."""
    data_dir = Path(data_dir).resolve()
    state = initialise(data_dir, document_root, db, command)
    if _alive(state.pid) and healthy(state.url):
        return state
    if not _port_free(port):
        # Label Studio would silently move to another port: refuse instead.
        raise ServerError(f"port {port} on {HOST} is taken; choose another with --port")
    env = environment(data_dir, Path(state.document_root), state.db)
    log = open(data_dir / "label-studio.log", "ab")
    process = subprocess.Popen(
        [str(label_studio_command(command)), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    state.url, state.port, state.pid = f"http://{HOST}:{port}", port, process.pid
    _write_state(state)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"label-studio exited with {process.returncode}; see {data_dir / 'label-studio.log'}")
        if healthy(state.url):
            return state
        time.sleep(0.5)
    stop(data_dir)
    raise ServerError(f"label-studio did not answer on {state.url} within {timeout:.0f} s")


def stop(data_dir: Path, timeout: float = 30) -> bool:
    """Stop the server started for ``data_dir`` (SIGTERM to its process group, then SIGKILL)."""
    state = read_state(Path(data_dir).resolve())
    if state is None or not _alive(state.pid):
        return False
    try:
        os.killpg(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(state.pid):
            time.sleep(0.2)
            _reap(state.pid)
        if _alive(state.pid):
            os.killpg(state.pid, signal.SIGKILL)
            _reap(state.pid)
    except ProcessLookupError:
        pass
    state.pid = None
    _write_state(state)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def status(data_dir: Path) -> dict:
    state = read_state(Path(data_dir).resolve())
    if state is None:
        return {"initialised": False, "running": False}
    return {"initialised": True, "running": _alive(state.pid) and healthy(state.url), "url": state.url,
            "pid": state.pid, "db": state.db, "data_dir": state.data_dir, "document_root": state.document_root}


def connection(url: str | None, data_dir: Path | None) -> tuple[str, str]:
    """``(url, token)``: ``--url`` with ``$LABEL_STUDIO_API_KEY``, or the server started for ``data_dir``."""
    if url is not None:
        token = os.environ.get(TOKEN_VARIABLE)
        if not token:
            raise OptionError(f"--url needs the API token in ${TOKEN_VARIABLE}")
        return url.rstrip("/"), token
    if data_dir is None:
        raise OptionError("pass --url (token in $LABEL_STUDIO_API_KEY) or --data-dir of a server started here")
    state = read_state(Path(data_dir).resolve())
    if state is None or not state.url:
        raise InputFileError("no server was started for this data directory", path=data_dir)
    return state.url, state.token


def set_password(data_dir: Path, username: str, password: str, command: str | None = None) -> None:
    """Give a user a password they can log in with (the API ignores passwords)."""
    state = read_state(Path(data_dir).resolve())
    if state is None:
        raise InputFileError("no server was initialised for this data directory", path=data_dir)
    process = subprocess.run(
        [str(label_studio_command(command)), "reset_password", "--username", username, "--password", password],
        env=environment(Path(state.data_dir), Path(state.document_root), state.db), capture_output=True, timeout=300,
    )
    if process.returncode != 0:
        raise ServerError(f"label-studio reset_password failed for {username}")
