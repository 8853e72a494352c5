"""A real Label Studio server (label-studio 1.23.2, its own virtualenv) on 127.0.0.1, end to end.

The data directory is initialised once per session (``label-studio init``, about a
minute) and copied for each server, which then starts in seconds. Servers are
stopped by their process group at the end of every test. Clicks are placed around
real aggregated GroundingYouTube click positions with their real spread.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pytest

from annotation import build as builds
from annotation import client, pids, server
from annotation.client import Workspace, label_config
from stvg_bench.core.errors import OptionError

from .annotation_helpers import Browser, around, choice, click, passwords, write_segments, write_video
from .conftest import SHARED_DATA

CLICKS = SHARED_DATA / "groundingyoutube" / "pumpkin_youtube_FPS_21k_annotation_full_agg_p.json"
HAND_CHECKED = [(300, 200), (340, 200), (320, 220), (310, 180), (330, 210)]  # -> box [204, 108, 436, 292]
ANNOTATORS = [f"annotator{k}@stvg-bench.test" for k in range(5)]
SPECIALIST = "specialist@stvg-bench.test"


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """A Label Studio data directory initialised once (SQLite, admin account, API token)."""
    base = tmp_path_factory.mktemp("ls-template")
    (base / "frames").mkdir()
    server.initialise(base / "data", base / "frames")
    return base / "data"


def copy_server(template: Path, data_dir: Path, document_root: Path) -> None:
    """``template`` copied to ``data_dir``, recorded as serving ``document_root`` and never started."""
    shutil.copytree(template, data_dir)
    state = server.read_state(data_dir)
    state.data_dir, state.document_root = str(data_dir.resolve()), str(document_root.resolve())
    state.url, state.port, state.pid, state.pid_started = "", 0, None, None
    (data_dir / server.STATE_FILE).write_text(json.dumps(asdict(state)))


@contextmanager
def running(template: Path, data_dir: Path, document_root: Path, port: int | None = None):
    """A copy of ``template`` served on a free port with ``document_root``; stopped by PID afterwards."""
    copy_server(template, data_dir, document_root)
    started = server.start(data_dir, document_root, port or server.free_port())
    try:
        yield started
    finally:
        server.stop(data_dir)


def enrol(run_cli, data_dir: Path, emails: list[str], table: Path) -> dict[str, str]:
    """``users add`` with generated passwords; returns email -> password."""
    code, _, stderr = run_cli("annotate", "users", "add", *emails, "--data-dir", data_dir, "--passwords-file", table)
    assert code == 0, stderr
    return passwords(table)


def log_in(url: str, email: str, password: str) -> Browser:
    browser = Browser(url)
    browser.submit("/user/login/", {"email": email, "password": password})
    assert browser.logged_in(), email
    return browser


def workspaces(url: str, accounts: dict[str, str]) -> dict[str, Workspace]:
    """Each annotator logged in with their own password, on the API with their own token."""
    return {email: Workspace(url, log_in(url, email, password).token()) for email, password in accounts.items()}


def real_clicks(n: int) -> list[tuple[float, float, float]]:
    """``n`` aggregated clicks (x, y, mean_dist) of the release whose spread fits in a 640x480 frame."""
    entries = json.loads(CLICKS.read_text())
    usable = sorted(
        (e["image_url"], e["x"], e["y"], e["mean_dist"]) for e in entries
        if e["x"] is not None and e["mean_dist"] and 5 < e["mean_dist"] < 60
        and e["mean_dist"] < e["x"] < 640 - e["mean_dist"] and e["mean_dist"] < e["y"] < 480 - e["mean_dist"]
    )
    return [(x, y, r) for _, x, y, r in usable[:: max(len(usable) // n, 1)][:n]]


def plan(frames) -> dict:
    """What each annotator answers on each frame: clicks (pixels) or a choice."""
    centres = real_clicks(len(frames))
    answers = {}
    for k, (frame, (cx, cy, radius)) in enumerate(zip(frames, centres)):
        clicks = around(cx, cy, radius)
        if (frame.second, frame.step) == (3, "crack_eggs"):
            answers[frame] = HAND_CHECKED
        elif k % 6 == 4:  # two clicks, three "cannot answer": not visible
            answers[frame] = clicks[:2] + ["cannot answer"] * 3
        elif k % 6 == 5:  # nobody sees it
            answers[frame] = ["cannot answer"] * 4 + ["image corrupt"]
        elif k % 6 == 2:  # three clicks: just visible
            answers[frame] = clicks[:3] + ["cannot answer"] * 2
        else:
            answers[frame] = clicks
    return answers


def expected_box(clicks, width=640, height=480):
    """The rule, computed here independently: hull +- 0.15 W / 0.15 H, clipped, rounded half up."""
    xs, ys = [c[0] for c in clicks], [c[1] for c in clicks]
    raw = (min(xs) - 0.15 * width, min(ys) - 0.15 * height, max(xs) + 0.15 * width, max(ys) + 0.15 * height)
    return [math.floor(min(max(v, 0), lim) + 0.5) for v, lim in zip(raw, (width, height, width, height))]


def post(annotators: dict[str, Workspace], project_id: int, answers: dict) -> int:
    """Each annotator posts their own answers, with their own token."""
    first = next(iter(annotators.values()))
    tasks = {(t["data"]["second"], t["data"]["segment_id"]): t["id"] for t in first.tasks(project_id)}
    posted = 0
    for frame, responses in answers.items():
        for annotator, response in zip(annotators.values(), responses):
            result = [choice(response)] if isinstance(response, str) else [click(*response, 640, 480)]
            annotator.annotate(tasks[(frame.second, frame.segment_id)], result, lead_time=2.5)
            posted += 1
    return posted


def test_round_trip_with_a_real_server(template, tmp_path, run_cli):
    root = tmp_path / "root"
    root.mkdir()
    video = write_video(root / "vid.mp4")
    segments = write_segments(root / "seg.json", {"vid": [("crack_eggs", 2, 5), ("pour milk", 5, 8)]})
    assert run_cli("annotate", "build", video, "--video-id", "vid", "--segments", segments, "--out", root / "job",
                   "--margin", "1")[0] == 0
    build = builds.load(root / "job")
    assert build.document_root == (root / "frames").resolve()  # frames apart from the build
    data_dir = tmp_path / "ls-data"
    with running(template, data_dir, build.document_root) as state:
        assert stat.S_IMODE((data_dir / server.STATE_FILE).stat().st_mode) == 0o600  # it holds the token
        connect = ["--data-dir", data_dir]
        code, stdout, stderr = run_cli("annotate", "push", root / "job", "--project", "centres", *connect)
        assert code == 0 and "12 tasks imported" in stdout, stderr
        code, stdout, _ = run_cli("annotate", "push", root / "job", "--project", "centres", *connect)
        assert "0 tasks imported, 12 already there" in stdout
        project_id = json.loads((root / "job" / "projects.json").read_text())[state.url]["centres"]
        accounts = enrol(run_cli, data_dir, [*ANNOTATORS, SPECIALIST], tmp_path / "passwords.csv")
        annotators = workspaces(state.url, {e: accounts[e] for e in ANNOTATORS})
        assert len(annotators[ANNOTATORS[0]].tasks(project_id)) == 12  # pushing twice duplicated nothing
        answers = plan(build.frames)
        posted = post(annotators, project_id, answers)

        pull = tmp_path / "pull"
        code, stdout, stderr = run_cli("annotate", "pull", "--project", "centres", "--build", root / "job",
                                       "--out", pull, *connect)
        assert code == 0 and f"{posted} annotations" in stdout and "excluded" not in stdout, stderr
        assert json.loads((pull / "responses.excluded.json").read_text())["count"] == 0
        first_snapshot = sorted((pull / "snapshots").iterdir())
        first_responses = (pull / "responses.csv").read_text()

        code, _, stderr = run_cli("annotate", "derive", "--build", root / "job", "--responses", pull,
                                  "--out", tmp_path / "dataset")
        assert code == 0, stderr
        frames = {(f["second"], f["segment_id"]): f for f in json.loads((tmp_path / "dataset" / "frames.json").read_text())}
        for frame, responses in answers.items():
            clicks = [r for r in responses if not isinstance(r, str)]
            derived = frames[(frame.second, frame.segment_id)]
            assert derived["visible"] == (len(clicks) >= 3), frame
            if derived["visible"]:
                box = derived["box"]
                assert box == expected_box(clicks), frame
                mean = (sum(c[0] for c in clicks) / len(clicks), sum(c[1] for c in clicks) / len(clicks))
                assert box[0] <= mean[0] <= box[2] and box[1] <= mean[1] <= box[3]
        assert frames[(3, 0)]["box"] == [204, 108, 436, 292]  # the hand-checked frame

        # The derived directory is a GroundingYouTube dataset, and its mean clicks point inside its boxes.
        code, _, stderr = run_cli("convert", tmp_path / "dataset" / "clicks_aggregated.json", "--from", "gyt-clicks",
                                  "--to", "stvg-bench", "--out", tmp_path / "human.json", "--dataset",
                                  "groundingyoutube", "--annotations", tmp_path / "dataset")
        assert code == 0, stderr
        out = tmp_path / "human-results.json"
        assert run_cli("score", tmp_path / "human.json", "--dataset", "groundingyoutube", "--annotations",
                       tmp_path / "dataset", "--task", "spatial", "--out", out)[0] == 0
        assert json.loads(out.read_text())["metrics"]["all"]["pointing_accuracy"] == 1.0

        # Quality control: the whole (small) population is sampled; the specialist disagrees twice.
        code, stdout, _ = run_cli("annotate", "qc", "sample", tmp_path / "dataset", "--out", tmp_path / "sample.json")
        assert code == 0 and "12 of 12 frames" in stdout
        assert run_cli("annotate", "qc", "push", tmp_path / "sample.json", "--build", root / "job", "--project",
                       "review", *connect)[0] == 0
        review_id = json.loads((root / "job" / "projects.json").read_text())[state.url]["review"]
        specialist = workspaces(state.url, {SPECIALIST: accounts[SPECIALIST]})[SPECIALIST]
        for task in specialist.tasks(review_id):
            derived = frames[(task["data"]["second"], task["data"]["segment_id"])]["visible"]
            flip = task["data"]["second"] in (3, 9)
            verdict = "action visible" if derived != flip else "no action visible"
            specialist.annotate(task["id"], [{"value": {"choices": [verdict]}, "from_name": "verdict",
                                               "to_name": "frame", "type": "choices"}])
        code, stdout, _ = run_cli("annotate", "qc", "pull", tmp_path / "sample.json", "--build", root / "job",
                                  "--project", "review", "--out", tmp_path / "qc.json", *connect)
        report = json.loads((tmp_path / "qc.json").read_text())
        flipped = [f for (s, _), f in frames.items() if s in (3, 9)]
        assert report["reviewed"] == 12 and report["verdicts_excluded"] == 0
        assert report["false_positives"] == sum(f["visible"] for f in flipped)
        assert report["false_negatives"] == sum(not f["visible"] for f in flipped)

    # Restart the same data directory (on another port): every annotation is still there; pushing again adds
    # nothing.
    with running_again(data_dir):
        code, stdout, _ = run_cli("annotate", "pull", "--project", "centres", "--build", root / "job",
                                  "--out", pull, "--data-dir", data_dir)
        assert code == 0 and f"{posted} annotations" in stdout
        code, stdout, _ = run_cli("annotate", "push", root / "job", "--project", "centres", "--data-dir", data_dir)
        assert "0 tasks imported" in stdout
    snapshots = sorted((pull / "snapshots").iterdir())
    assert len(snapshots) == 2 and snapshots[0] == first_snapshot[0]  # nothing overwritten
    assert (pull / "responses.csv").read_text() == first_responses


@contextmanager
def running_again(data_dir: Path):
    state = server.read_state(data_dir)
    started = server.start(data_dir, port=server.free_port())  # the recorded document root
    assert started.token == state.token and started.port != state.port
    try:
        yield started
    finally:
        server.stop(data_dir)
    assert not server.status(data_dir)["running"]


def test_the_server_validates_the_labeling_config(template, tmp_path):
    (tmp_path / "frames").mkdir()
    with running(template, tmp_path / "ls-data", tmp_path / "frames") as state:
        workspace = Workspace(state.url, state.token)
        assert workspace.create_project("pages layout", label_config("pages")).id > 0
        broken = label_config("single").replace('toName="frame"', 'toName="nowhere"', 1)
        with pytest.raises(server.ServerError, match="creating project 'broken' failed"):
            workspace.create_project("broken", broken)


def test_a_taken_port_is_refused(template, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        data_dir = tmp_path / "ls-data"
        (tmp_path / "frames").mkdir()
        copy_server(template, data_dir, tmp_path / "frames")
        with pytest.raises(server.ServerError, match="is taken"):
            server.start(data_dir, tmp_path / "frames", taken.getsockname()[1])


# ------------------------------------------------------------------ an annotator attacks

MALLORY = "mallory@stvg-bench.test"
OTHERS = [f"colleague{k}@stvg-bench.test" for k in range(3)]


def small_build(root: Path, name: str = "job") -> builds.Build:
    """Three one-frame tasks (seconds 1-3 of 'stir batter') built into ``root/name``, frames in root/frames."""
    video = root / "vid.mp4"
    if not video.exists():
        write_video(video, seconds=4)
        write_segments(root / "seg.json", {"vid": [("stir batter", 1, 3)]})
    return builds.build(video, root / "seg.json", root / name, video_id="vid")


def test_an_annotator_cannot_take_over_the_server(template, tmp_path, run_cli, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    build = small_build(root)
    data_dir = tmp_path / "ls-data"
    with running(template, data_dir, build.document_root) as state:
        connect = ["--data-dir", data_dir]
        assert run_cli("annotate", "push", root / "job", "--project", "stir", *connect)[0] == 0
        project_id = json.loads((root / "job" / "projects.json").read_text())[state.url]["stir"]
        monkeypatch.setenv("MALLORY_PASSWORD", "mallory's own password")
        code, stdout, stderr = run_cli("annotate", "users", "add", MALLORY, "--password-env", "MALLORY_PASSWORD",
                                       *connect)
        assert code == 0 and "new, password from $MALLORY_PASSWORD" in stdout, stderr
        colleagues = enrol(run_cli, data_dir, OTHERS, tmp_path / "passwords.csv")
        mallory = log_in(state.url, MALLORY, "mallory's own password")
        admin = Workspace(state.url, state.token)
        ids = {email: user_id for user_id, email in admin.users().items()}

        # 1. Secrets: private on disk, not served, no storage of one's own.
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        for name in (server.STATE_FILE, "label_studio.sqlite3", ".env"):
            assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
        for path in (data_dir, build.frames_directory):
            status, body = mallory.request("POST", "/api/storages/localfiles/",
                                           {"project": project_id, "path": str(path), "title": "mine"})
            assert status == 403, body
        assert mallory.request("GET", f"/api/storages/localfiles/?project={project_id}")[0] == 403
        up = os.path.relpath(data_dir, build.document_root)
        for secret in (f"{up}/{server.STATE_FILE}", f"{up}/.env", f"{up}/label_studio.sqlite3",
                       f"job/../{up}/{server.STATE_FILE}", str(data_dir / server.STATE_FILE)):
            status, body = mallory.request("GET", "/data/local-files/?d=" + urllib.parse.quote(secret))
            assert status != 200 and state.token.encode() not in body, secret
        status, body = mallory.request("GET", build.tasks[0]["data"]["image"])  # the frames are served
        assert status == 200 and body == build.frames[0].path.read_bytes()

        # 2. Accounts: no invite link to read, no sign-up without it.
        assert mallory.request("GET", "/api/invite")[0] == 403
        stranger = Browser(state.url)
        assert stranger.submit("/user/signup/", {"email": "eve@stvg-bench.test", "password": "eve's password"})[0] == 403
        stranger.submit("/user/login/", {"email": "eve@stvg-bench.test", "password": "eve's password"})
        assert not stranger.logged_in() and "eve@stvg-bench.test" not in admin.users().values()

        # 3. Votes: never in other people's names, never over theirs; forgeries that get in are excluded.
        as_mallory = Workspace(state.url, mallory.token())
        task = {t["data"]["second"]: t["id"] for t in admin.tasks(project_id)}
        for other in OTHERS:
            with pytest.raises(server.ServerError, match="HTTP 403"):
                as_mallory.annotate(task[1], [click(300, 200, 640, 480)], user_id=ids[other])
        as_a_form = {"result": json.dumps([click(300, 200, 640, 480)]), "completed_by": ids[OTHERS[0]]}
        assert mallory.request("POST", f"/api/tasks/{task[1]}/annotations/", form=as_a_form)[0] == 403
        first_answer = as_mallory.annotate(task[1], [choice("cannot answer")])
        as_mallory.annotate(task[1], [click(300, 200, 640, 480)])  # she changes her mind: this one counts
        colleague = Workspace(state.url, log_in(state.url, OTHERS[0], colleagues[OTHERS[0]]).token())
        theirs = colleague.annotate(task[2], [choice("cannot answer")])
        assert mallory.request("PATCH", f"/api/annotations/{theirs}/", {"result": [click(5, 5, 640, 480)]})[0] == 403
        assert mallory.request("DELETE", f"/api/annotations/{theirs}/")[0] == 403
        assert mallory.request("PATCH", f"/api/annotations/{first_answer}/", {"completed_by": ids[OTHERS[1]]})[0] == 403
        forged = {admin.annotate(task[1], [click(310 + k, 205, 640, 480)], user_id=ids[other])
                  for k, other in enumerate(OTHERS)}  # what any account can do on a server without the guard

        # 4. Projects: none of her own; a decoy with the same title is never used.
        assert mallory.request("POST", "/api/projects/", {"title": "stir"})[0] == 403
        decoy = admin.create_project("stir", label_config("single"))  # as any account could without the guard
        pull = tmp_path / "pull"
        code, stdout, stderr = run_cli("annotate", "pull", "--project", "stir", "--build", root / "job", "--out", pull,
                                       *connect)
        assert code == 0 and "3 tasks, 6 annotations" in stdout, stderr
        report = json.loads((pull / "responses.excluded.json").read_text())
        assert report["count"] == 4 and report["members_checked"]
        by_id = {e["annotation_id"]: e for e in report["excluded"]}
        assert set(by_id) == forged | {first_answer}
        for annotation_id in forged:
            entry = by_id[annotation_id]
            assert entry["recorded_author"] == state.username and entry["claimed_author"] in OTHERS
            assert (f"task {task[1]}, annotation {annotation_id}: claims {entry['claimed_author']}, recorded "
                    f"{state.username}") in stdout
        assert by_id[first_answer]["claimed_author"] == by_id[first_answer]["recorded_author"] == MALLORY
        code, _, stderr = run_cli("annotate", "derive", "--build", root / "job", "--responses", pull, "--out",
                                  tmp_path / "dataset", "--threshold", "2")
        assert code == 0, stderr
        frames = json.loads((tmp_path / "dataset" / "frames.json").read_text())
        assert [(f["second"], f["clicks"], f["visible"]) for f in frames] == [(1, 1, False), (2, 0, False),
                                                                               (3, 0, False)]
        derivation = json.loads((tmp_path / "dataset" / "derivation.json").read_text())
        assert derivation["excluded_annotations"]["count"] == 4 and derivation["summary"]["annotations_excluded"] == 4

        # A build that does not record the project cannot tell the decoy apart: it names both.
        shutil.copytree(root / "job", root / "job-copy", ignore=shutil.ignore_patterns("projects.json"))
        code, _, stderr = run_cli("annotate", "pull", "--project", "stir", "--build", root / "job-copy", "--out",
                                  tmp_path / "pull-copy", *connect)
        assert code == 2 and stderr.count("\n") == 1 and f"{project_id} (made by" in stderr and f"{decoy.id} (made by" in stderr

        # Two pushes at once create one project and import each task once.
        second = small_build(root, "job2")
        command = [sys.executable, "-m", "stvg_bench", "annotate", "push", str(second.directory), "--project", "stir 2",
                   "--data-dir", str(data_dir)]
        pushes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [p.communicate(timeout=300) for p in pushes]
        assert [p.returncode for p in pushes] == [0, 0], outputs
        (project,) = admin.projects_titled("stir 2")
        assert len(admin.tasks(project.id)) == len(second.tasks)


# ------------------------------------------------------------------ crashes and stale records


def server_side_time_wait(port: int) -> int:
    """Connections in TIME_WAIT whose local end is ``port`` (what trips a bind without SO_REUSEADDR)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(int(r.split()[1].split(":")[1], 16) == port and r.split()[3] == "06" for r in rows)


def test_a_killed_server_restarts_on_the_same_port(template, tmp_path, run_cli, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    build = small_build(root)
    data_dir = tmp_path / "ls-data"
    copy_server(template, data_dir, build.document_root)
    port = server.free_port()
    state = server.start(data_dir, build.document_root, port)
    bystander = None
    try:
        for _ in range(200):  # traffic, until the server has closed a connection first
            assert server.healthy(state.url)
            if server_side_time_wait(port):
                break
        assert server_side_time_wait(port)
        os.killpg(state.pid, signal.SIGKILL)
        os.waitpid(state.pid, 0)
        assert not server.status(data_dir)["running"]

        # The server is down: pull retries briefly, then says so in one line.
        monkeypatch.setattr(client, "RETRY_SECONDS", 2.0)
        code, _, stderr = run_cli("annotate", "pull", "--project", "stir", "--build", root / "job", "--out",
                                  tmp_path / "pull", "--data-dir", data_dir)
        assert code == 2 and stderr.count("\n") == 1 and "no server answers" in stderr and "Traceback" not in stderr

        assert server_side_time_wait(port)  # still there: a probe without SO_REUSEADDR would refuse the port
        began = time.monotonic()
        restarted = server.start(data_dir, port=port)
        assert restarted.port == port and time.monotonic() - began < 10 and server.healthy(restarted.url)

        # What the data directory serves, and how, is not changed behind its back.
        (tmp_path / "elsewhere").mkdir()
        with pytest.raises(OptionError, match="is refused"):
            server.start(data_dir, tmp_path / "elsewhere")
        with pytest.raises(OptionError, match="holds a sqlite server"):
            server.start(data_dir, db="postgres")
        with pytest.raises(server.ServerError, match="stop it first"):
            server.start(data_dir, port=server.free_port())
        code, stdout, _ = run_cli("annotate", "server", "start", "--data-dir", data_dir)
        assert code == 0 and f"already runs at {restarted.url}" in stdout
        assert run_cli("annotate", "server", "stop", "--data-dir", data_dir)[1] == "stopped\n"

        # A stale record whose pid another process now has: that process is left alone.
        bystander = subprocess.Popen(["sleep", "120"], start_new_session=True)
        stale = server.read_state(data_dir)
        stale.pid, stale.pid_started = bystander.pid, pids.start_time(bystander.pid)
        (data_dir / server.STATE_FILE).write_text(json.dumps(asdict(stale)))
        assert run_cli("annotate", "server", "stop", "--data-dir", data_dir)[1] == "not running\n"
        assert bystander.poll() is None and not server.status(data_dir)["running"]
    finally:
        server.stop(data_dir)
        if bystander is not None:
            os.killpg(bystander.pid, signal.SIGKILL)
            bystander.wait()


# ------------------------------------------------------------------ passwords


def sampled(command: list[str], env: dict) -> tuple[int, set[bytes]]:
    """Run ``command``, reading every process's command line again and again until it ends."""
    seen: set[bytes] = set()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    seen.add(cmdline.read_bytes())
                except OSError:
                    pass
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    return process.returncode, seen


def test_no_password_on_any_command_line(template, tmp_path):
    (tmp_path / "frames").mkdir()
    data_dir = tmp_path / "ls-data"
    copy_server(template, data_dir, tmp_path / "frames")  # accounts go to the database: no server needed
    add = [sys.executable, "-m", "stvg_bench", "annotate", "users", "add"]
    secret = f"solo-{secrets.token_hex(8)}"
    env = {**os.environ, "SOLO_PASSWORD": secret}
    code, seen = sampled([*add, "solo@stvg-bench.test", "--password-env", "SOLO_PASSWORD", "--data-dir",
                          str(data_dir)], env)
    assert code == 0 and any(b"stvg_bench_accounts" in c for c in seen)  # the sampling saw the child
    assert not any(secret.encode() in c for c in seen)

    table = tmp_path / "passwords.csv"
    code, seen = sampled([*add, *OTHERS, "--data-dir", str(data_dir), "--passwords-file", str(table)], env)
    generated = passwords(table)
    assert code == 0 and sorted(generated) == sorted(OTHERS) and len(set(generated.values())) == len(OTHERS)
    assert stat.S_IMODE(table.stat().st_mode) == 0o600
    assert not any(p.encode() in c for p in generated.values() for c in seen)

    done = subprocess.run([*add, "a@stvg-bench.test", "b@stvg-bench.test", "--password-env", "SOLO_PASSWORD",
                           "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "one password for 2 accounts" in done.stderr
    admin = server.read_state(data_dir).username
    done = subprocess.run([*add, admin, "--password-env", "SOLO_PASSWORD", "--data-dir", str(data_dir)], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and f"{admin} is the administrator" in done.stderr


# ------------------------------------------------------------------ PostgreSQL


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **kwargs)


@contextmanager
def postgres_cluster():
    """A throwaway cluster on 127.0.0.1 with its own port and socket directory, stopped by PID."""
    directory = Path(tempfile.mkdtemp(prefix="stvg-bench-pg-"))
    os.chmod(directory, 0o777)
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir()
    os.chmod(sockets, 0o777)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        shutil.chown(sockets, "postgres")
    port = server.free_port()
    done = _as_postgres(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    assert done.returncode == 0, done.stderr
    done = _as_postgres(["pg_ctl", "-D", str(data), "-l", str(directory / "log"), "-w", "start", "-o",
                         f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"])
    assert done.returncode == 0, done.stderr
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    try:
        sql = "CREATE USER labelstudio WITH PASSWORD 'labelstudio'; CREATE DATABASE labelstudio OWNER labelstudio;"
        for statement in sql.split("; "):
            done = _as_postgres(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", statement])
            assert done.returncode == 0, done.stderr
        yield port
    finally:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.skipif(shutil.which("initdb") is None or shutil.which("pg_ctl") is None,
                    reason="PostgreSQL server binaries (initdb, pg_ctl) are not installed")
def test_round_trip_on_postgresql(tmp_path, monkeypatch, run_cli):
    root = tmp_path / "root"
    root.mkdir()
    video = write_video(root / "vid.mp4", seconds=4)
    segments = write_segments(root / "seg.json", {"vid": [("stir batter", 1, 2)]})
    build = builds.build(video, segments, root / "job", video_id="vid")
    with postgres_cluster() as port:
        for name, value in (("POSTGRE_NAME", "labelstudio"), ("POSTGRE_USER", "labelstudio"),
                            ("POSTGRE_PASSWORD", "labelstudio"), ("POSTGRE_HOST", "127.0.0.1"),
                            ("POSTGRE_PORT", str(port))):
            monkeypatch.setenv(name, value)
        data_dir = tmp_path / "ls-data"
        state = server.start(data_dir, build.document_root, server.free_port(), db="postgres")
        try:
            assert not (data_dir / "label_studio.sqlite3").exists()
            assert run_cli("annotate", "push", root / "job", "--project", "on postgres", "--data-dir", data_dir)[0] == 0
            project_id = json.loads((root / "job" / "projects.json").read_text())[state.url]["on postgres"]
            accounts = enrol(run_cli, data_dir, ANNOTATORS, tmp_path / "passwords.csv")
            answers = {frame: around(320, 240, 15) for frame in build.frames}
            posted = post(workspaces(state.url, accounts), project_id, answers)
        finally:
            server.stop(data_dir)
        server.start(data_dir, build.document_root, server.free_port(), db="postgres")
        try:
            code, stdout, _ = run_cli("annotate", "pull", "--project", "on postgres", "--build", root / "job", "--out",
                                      tmp_path / "pull", "--data-dir", data_dir)
            assert code == 0 and f"{posted} annotations" in stdout
            assert run_cli("annotate", "push", root / "job", "--project", "on postgres", "--data-dir", data_dir)[1].count(
                "0 tasks imported") == 1
        finally:
            server.stop(data_dir)
    code, _, _ = run_cli("annotate", "derive", "--build", root / "job", "--responses", tmp_path / "pull", "--out",
                         tmp_path / "dataset")
    boxes = json.loads((tmp_path / "dataset" / "box_anno.json").read_text())["vid"]
    assert code == 0 and len(boxes) == len(build.frames)
    assert boxes[0]["box"] == expected_box(around(320, 240, 15))
