"""Running a local Label Studio server on 127.0.0.1, or finding an existing one.

The server runs from its own virtualenv (``label-studio==1.23.2``; ``make
labelstudio`` builds ``.venv-labelstudio``) with a persistent data directory.
Analytics, the version check and Sentry are off; the admin account and a
40-hex API token are created non-interactively the first time (``label-studio
init``) and kept in ``<data dir>/stvg-bench-server.json``, never on a command
line or in the repository. Another server is reached with ``--url`` and the
token in ``$LABEL_STUDIO_API_KEY``.

What annotators could use to take the server over is closed:

* the data directory (database, secret key, the admin's password and token)
  never lies inside or above the *document root*, the one folder whose files
  Label Studio serves (``/data/local-files/``): the frames;
* the data directory is 0700 and its files 0600; every Label Studio process
  runs with umask 077, so what it writes later is private too;
* sign-up without the invite link is off (``DISABLE_SIGNUP_WITHOUT_LINK``), and
  Label Studio runs with ``inside_label_studio/stvg_bench_settings``: its own
  settings plus a guard that leaves annotators nothing to change but their
  own annotations (no storages, projects, imports, invite link...).

``stop`` and ``status`` signal or report a recorded pid only once
:mod:`annotation.pids` confirms it is still this data directory's Label
Studio. ``start`` applies a new ``--port``; a new ``--document-root`` or
``--db`` for an existing data directory is refused.

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

from .pids import is_label_studio_of, start_time

STATE_FILE = "stvg-bench-server.json"
HOST = "127.0.0.1"
DEFAULT_PORT = 8089
TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"
POSTGRES_VARIABLES = ("POSTGRE_NAME", "POSTGRE_USER", "POSTGRE_PASSWORD", "POSTGRE_HOST", "POSTGRE_PORT")
INSIDE_LABEL_STUDIO = Path(__file__).with_name("inside_label_studio")
PRIVATE_UMASK = 0o077


class ServerError(StvgBenchError):
    """The Label Studio server could not be started, reached or stopped."""


@dataclass
class ServerState:
    """What ``start`` recorded: where the server listens, its process, its credentials."""

    url: str
    port: int
    pid: int | None
    data_dir: str
    document_root: str
    db: str
    username: str
    password: str
    token: str
    pid_started: int | None = None


def label_studio_command(explicit: str | None = None) -> Path:
    """The ``label-studio`` executable: explicit, ``$STVG_BENCH_LABEL_STUDIO``, the repo's venv, or PATH."""
    candidates = [explicit, os.environ.get("STVG_BENCH_LABEL_STUDIO"),
                  str(Path.cwd() / ".venv-labelstudio" / "bin" / "label-studio"), shutil.which("label-studio")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ServerError("label-studio not found: run `make labelstudio` (its own virtualenv) or pass --label-studio")


def label_studio_python(command: str | None = None) -> Path:
    """The interpreter of Label Studio's virtualenv (beside its ``label-studio`` executable)."""
    python = label_studio_command(command).resolve().parent / "python"
    if not python.is_file():
        raise ServerError(f"no python beside {label_studio_command(command)}: install Label Studio in its "
                          "own virtualenv")
    return python


def environment(data_dir: Path, document_root: Path, db: str) -> dict[str, str]:
    """The environment a private, offline, loopback-only, guarded Label Studio needs."""
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
        "DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "DJANGO_SETTINGS_MODULE": "stvg_bench_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(INSIDE_LABEL_STUDIO), os.environ.get("PYTHONPATH")])),
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


def check_layout(data_dir: Path, document_root: Path) -> None:
    """Refuse a data directory inside, equal to or above the document root: its secrets would be served."""
    data_dir, document_root = Path(data_dir).resolve(), Path(document_root).resolve()
    if not document_root.is_dir():
        raise InputFileError("the document root (the frames folder Label Studio serves) is not a directory",
                             path=document_root)
    if data_dir.is_relative_to(document_root) or document_root.is_relative_to(data_dir):
        raise OptionError(f"the data directory {data_dir} and the document root {document_root} overlap: "
                          "Label Studio would serve the database and the admin's token as local files; put "
                          "them apart (e.g. work/ls and work/frames)")


def _data_directory(data_dir: Path) -> Path:
    data_dir = Path(data_dir).resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise InputFileError("not a directory (the server's data directory)", path=data_dir)
    return data_dir


def read_state(data_dir: Path) -> ServerState | None:
    path = _data_directory(data_dir) / STATE_FILE
    if not path.is_file():
        return None
    try:
        return ServerState(**json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise InputFileError(f"damaged server state ({exc})", path=path) from None


def _write_state(state: ServerState) -> None:
    path = Path(state.data_dir) / STATE_FILE
    atomic.write_bytes(path, json.dumps(asdict(state), indent=2).encode(), mode=0o600)


def _restrict(data_dir: Path) -> None:
    """The data directory 0700, the files directly in it (database, secret key, state, logs) 0600."""
    data_dir.chmod(0o700)
    for entry in data_dir.iterdir():
        if entry.is_file() and not entry.is_symlink():
            entry.chmod(0o600)


def _private_log(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


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


def port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now: with SO_REUSEADDR, as the server binds, so that the
    TIME_WAIT connections a crash or a stop leaves behind do not count, and a listener does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def initialise(data_dir: Path, document_root: Path, db: str = "sqlite", command: str | None = None,
               timeout: float = 900) -> ServerState:
    """Create the database, the admin account and the API token (``label-studio init``), once."""
    data_dir = _data_directory(data_dir)
    existing = read_state(data_dir)
    if existing is not None:
        return existing
    document_root = Path(document_root).resolve()
    check_layout(data_dir, document_root)
    data_dir.mkdir(parents=True, exist_ok=True)
    _restrict(data_dir)
    state = ServerState(url="", port=0, pid=None, data_dir=str(data_dir), document_root=str(document_root),
                        db=db, username="admin@stvg-bench.local", password=secrets.token_urlsafe(18),
                        token=secrets.token_hex(20))
    log = data_dir / "label-studio-init.log"
    env = environment(data_dir, document_root, db)
    # Credentials travel in the environment, not on a command line other users can read.
    env.update(LABEL_STUDIO_USERNAME=state.username, LABEL_STUDIO_PASSWORD=state.password,
               LABEL_STUDIO_USER_TOKEN=state.token)
    out = _private_log(log)
    try:
        process = subprocess.run(
            [str(label_studio_command(command)), "init", "--quiet", "--enable-legacy-api-token"],
            env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, umask=PRIVATE_UMASK, check=False,
        )
    finally:
        os.close(out)
    if process.returncode != 0:
        raise ServerError(f"label-studio init failed (exit {process.returncode}); see {log}")
    _write_state(state)
    return state


def _check_unchanged(state: ServerState, document_root: Path, db: str | None) -> None:
    if db is not None and db != state.db:
        raise OptionError(f"the data directory {state.data_dir} holds a {state.db} server: --db {db} needs "
                          "another data directory")
    if document_root != Path(state.document_root):
        raise OptionError(f"the data directory {state.data_dir} serves {state.document_root} and its tasks "
                          f"name frames relative to it: --document-root {document_root} is refused (use that "
                          "root, or another data directory)")


def start(data_dir: Path, document_root: Path | None = None, port: int | None = None, db: str | None = None,
          command: str | None = None, timeout: float = 300) -> ServerState:
    """Start (initialising if needed) a server on 127.0.0.1:``port``; return once ``/health`` is UP.

    ``document_root``, ``port`` and ``db`` default to what the data directory recorded (the first start
    needs ``document_root``). A running server is returned as it is, if it runs as asked."""
    data_dir = _data_directory(data_dir)
    state = read_state(data_dir)
    if state is None:
        if document_root is None:
            raise OptionError("the first start needs --document-root: the frames folder Label Studio may "
                              "serve")
        state = initialise(data_dir, document_root, db or "sqlite", command)
    root = Path(document_root).resolve() if document_root is not None else Path(state.document_root)
    _check_unchanged(state, root, db)
    check_layout(data_dir, root)
    port = port if port is not None else (state.port or DEFAULT_PORT)
    if is_label_studio_of(state.pid, data_dir, state.pid_started):
        if port != state.port:
            raise ServerError(f"Label Studio already runs for {data_dir} on port {state.port} (pid "
                              f"{state.pid}): stop it first to move it to {port}")
        if not healthy(state.url):
            raise ServerError(f"Label Studio (pid {state.pid}) runs for {data_dir} but does not answer on "
                              f"{state.url}: stop it first")
        return state
    if not port_free(port):
        # Label Studio would silently move to another port: refuse instead.
        raise ServerError(f"port {port} on {HOST} is taken; choose another with --port")
    _restrict(data_dir)
    log = _private_log(data_dir / "label-studio.log")
    try:
        process = subprocess.Popen(
            [str(label_studio_command(command)), "start", "--no-browser", "--internal-host", HOST, "--port",
             str(port)],
            env=environment(data_dir, root, state.db), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, umask=PRIVATE_UMASK,
        )
    finally:
        os.close(log)
    state.url, state.port, state.pid = f"http://{HOST}:{port}", port, process.pid
    state.pid_started = start_time(process.pid)
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
    """Stop this data directory's server (SIGTERM to its process group, then SIGKILL); False if none runs.

    A recorded pid that is not (any more) this data directory's Label Studio is forgotten, not signalled."""
    data_dir = _data_directory(data_dir)
    state = read_state(data_dir)
    if state is None:
        return False
    running = is_label_studio_of(state.pid, data_dir, state.pid_started)
    if running:
        _signal_group(state, timeout)
    if state.pid is not None:
        state.pid = state.pid_started = None
        _write_state(state)
    return running


def _signal_group(state: ServerState, timeout: float) -> None:
    def alive() -> bool:
        _reap(state.pid)
        return is_label_studio_of(state.pid, Path(state.data_dir), state.pid_started)

    try:
        os.killpg(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            time.sleep(0.2)
        if alive():
            os.killpg(state.pid, signal.SIGKILL)
            _reap(state.pid)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if this process started it (else it is not a child: nothing to do)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def status(data_dir: Path) -> dict:
    data_dir = _data_directory(data_dir)
    state = read_state(data_dir)
    if state is None:
        return {"initialised": False, "running": False}
    running = is_label_studio_of(state.pid, data_dir, state.pid_started) and healthy(state.url)
    return {"initialised": True, "running": running, "url": state.url, "pid": state.pid if running else None,
            "db": state.db, "data_dir": state.data_dir, "document_root": state.document_root}


def connection(url: str | None, data_dir: Path | None) -> tuple[str, str]:
    """``(url, token)``: ``--url`` with ``$LABEL_STUDIO_API_KEY``, or the server started for ``data_dir``."""
    if url is not None:
        token = os.environ.get(TOKEN_VARIABLE)
        if not token:
            raise OptionError(f"--url needs the API token in ${TOKEN_VARIABLE}")
        return url.rstrip("/"), token
    if data_dir is None:
        raise OptionError("pass --url (token in $LABEL_STUDIO_API_KEY) or --data-dir of a server started here")
    state = read_state(data_dir)
    if state is None or not state.url:
        raise InputFileError("no server was started for this data directory", path=data_dir)
    return state.url, state.token


def run_inside(data_dir: Path, module: str, request: object, command: str | None = None,
               timeout: float = 300) -> dict:
    """Run ``inside_label_studio/<module>`` in Label Studio's interpreter with this data directory's
    environment, ``request`` as JSON on its stdin (never on a command line); return its JSON answer."""
    state = read_state(data_dir)
    if state is None:
        raise InputFileError("no server was initialised for this data directory", path=data_dir)
    log = _private_log(Path(state.data_dir) / "label-studio-inside.log")
    env = environment(Path(state.data_dir), Path(state.document_root), state.db)
    try:
        process = subprocess.run(
            [str(label_studio_python(command)), "-m", module], input=json.dumps(request).encode(), env=env,
            stdout=subprocess.PIPE, stderr=log, timeout=timeout, umask=PRIVATE_UMASK, check=False,
        )
    finally:
        os.close(log)
    try:
        return json.loads(process.stdout)
    except ValueError:
        raise ServerError(f"{module} failed inside Label Studio (exit {process.returncode}); see "
                          f"{Path(state.data_dir) / 'label-studio-inside.log'}") from None
