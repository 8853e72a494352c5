"""``stvg-bench annotate``: build, server, users, push, pull, parse, derive, qc.

Only the parser lives at module level; each handler imports what it needs,
so ``stvg-bench`` stays fast and works without the annotation extra.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from stvg_bench.core.numbers import integer, number


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server")
    group.add_argument("--data-dir", help="data directory of a server started with 'annotate server start'")
    group.add_argument("--url", help="another Label Studio (its API token in $LABEL_STUDIO_API_KEY)")


def add_commands(commands) -> None:
    annotate = commands.add_parser("annotate", help="Label Studio centre-point annotation (needs the extra)",
                                   description="Centre-point annotation with Label Studio, and box derivation.")
    sub = annotate.add_subparsers(dest="annotate_command", required=True, parser_class=type(annotate))

    build = sub.add_parser("build", help="sample frames inside segments and build Label Studio tasks")
    build.add_argument("source", help="video file, frame folder, or directory of <video>.<ext> / <video>/")
    build.add_argument("--segments", required=True, help="segments per video (GroundingYouTube seg.json layout)")
    build.add_argument("--out", required=True, help="build directory (frames, tasks.json, manifest.json)")
    build.add_argument("--video-id", help="the video's key in the segments file (for a single video or folder)")
    build.add_argument("--margin", type=integer, default=0, help="seconds sampled before and after each segment")
    build.add_argument("--package-size", type=integer, default=1, help="frames per task (pages); 1: one frame a task")
    build.add_argument("--frames-fps", type=number, default=1.0, help="frame folder: frames per second of its numbering")
    build.add_argument("--document-root", help="the folder Label Studio serves, frames only; the frames go to "
                       "<document root>/<name of --out> (default: frames/ beside --out)")
    build.set_defaults(handler=run_build)

    server = sub.add_parser("server", help="start, stop or check a local Label Studio on 127.0.0.1")
    server.add_argument("action", choices=("start", "stop", "status"))
    server.add_argument("--data-dir", required=True, help="persistent data directory")
    server.add_argument("--document-root", help="start: the frames folder it serves, apart from the data dir "
                        "(needed the first time; then the recorded one, and no other)")
    server.add_argument("--port", type=integer, help="start: default the recorded port, else 8089")
    server.add_argument("--db", choices=("sqlite", "postgres"),
                        help="first start: sqlite (default) or postgres (reads POSTGRE_NAME, _USER, _PASSWORD, "
                        "_HOST, _PORT)")
    server.add_argument("--label-studio", help="the label-studio executable (default: .venv-labelstudio)")
    server.set_defaults(handler=run_server)

    users = sub.add_parser("users", help="add annotator accounts, each with its own password (server started here)")
    users.add_argument("action", choices=("add",))
    users.add_argument("emails", nargs="+")
    users.add_argument("--data-dir", required=True, help="data directory of a server started with 'server start'")
    users.add_argument("--password-env", help="one account only: the environment variable holding its password "
                       "(set even if the account exists)")
    users.add_argument("--passwords-file", help="without --password-env: where the generated passwords go (0600, "
                       "never over a file; default <data dir>/passwords/<UTC time>.csv)")
    users.add_argument("--label-studio", help="the label-studio executable (default: .venv-labelstudio)")
    users.set_defaults(handler=run_users)

    push = sub.add_parser("push", help="create or reuse the job's project and import the tasks not there yet")
    push.add_argument("build")
    push.add_argument("--project", required=True, help="project title (its id is recorded in the build)")
    _connection_options(push)
    push.set_defaults(handler=run_push)

    pull = sub.add_parser("pull", help="snapshot every annotation and parse the responses")
    pull.add_argument("--project", required=True)
    pull.add_argument("--build", required=True)
    pull.add_argument("--out", required=True, help="pull directory: snapshots/<time>.json and responses.csv")
    _connection_options(pull)
    pull.set_defaults(handler=run_pull)

    parse = sub.add_parser("parse", help="parse a snapshot file offline into responses.csv")
    parse.add_argument("snapshot")
    parse.add_argument("--build", required=True)
    parse.add_argument("--out", required=True, help="responses table (.csv)")
    parse.set_defaults(handler=run_parse)

    derive = sub.add_parser("derive", help="majority vote, boxes, heatmaps: a GroundingYouTube-layout dataset")
    derive.add_argument("--build", required=True)
    derive.add_argument("--responses", required=True, help="a pull directory or a responses .csv")
    derive.add_argument("--out", required=True, help="dataset directory")
    derive.add_argument("--threshold", type=integer, default=3, help="clicks that make a frame visible (default 3)")
    derive.add_argument("--preset", choices=("paper", "release"), default="paper",
                        help="box margins: paper 0.15 x width / height (default), release 100 px")
    margin = derive.add_mutually_exclusive_group()
    margin.add_argument("--margin-fraction", type=number, help="margin as a fraction of the frame size")
    margin.add_argument("--margin-px", type=number, help="margin in pixels on every side")
    derive.add_argument("--bandwidth", type=number, default=20.0, help="heatmap Gaussian bandwidth, px")
    derive.add_argument("--heatmap-stride", type=integer, default=8, help="heatmap cell size, px")
    derive.add_argument("--spread-threshold", type=number, default=50_000.0,
                        help="box area (px²) above which a frame is widespread, else saturated")
    derive.set_defaults(handler=run_derive)

    qc = sub.add_parser("qc", help="specialist review: sample, push, pull")
    qc.add_argument("action", choices=("sample", "push", "pull"))
    qc.add_argument("target", help="sample: the dataset directory; push / pull: the sample file")
    qc.add_argument("--out", help="sample: the sample file; pull: the report (JSON)")
    qc.add_argument("--confidence", type=number, default=0.95)
    qc.add_argument("--margin", type=number, default=0.05, help="margin of error e")
    qc.add_argument("--seed", type=integer, default=0)
    qc.add_argument("--build", help="push / pull: the build the frames come from (it records the review project)")
    qc.add_argument("--project", help="push / pull: the review project")
    qc.add_argument("--specialist", help="pull: the email of the specialist whose verdicts count (needed when "
                    "other accounts answered too)")
    _connection_options(qc)
    qc.set_defaults(handler=run_qc)


def _never_over(output: Path, *inputs: Path) -> None:
    """Refuse an output that is one of the inputs, or a directory holding one (writing it replaces it)."""
    from stvg_bench.core.errors import OptionError

    out = Path(output).resolve()
    for source in inputs:
        if Path(source).resolve() == out or Path(source).resolve().is_relative_to(out):
            raise OptionError(f"--out {output} would replace {source}, an input: choose another --out")


def _workspace(args):
    from .client import Workspace
    from .server import connection

    url, token = connection(args.url, Path(args.data_dir) if args.data_dir else None)
    return Workspace(url, token)


def run_build(args) -> int:
    from .build import build

    result = build(Path(args.source), Path(args.segments), Path(args.out), args.video_id, args.margin,
                   args.package_size, args.frames_fps, Path(args.document_root) if args.document_root else None)
    print(f"{args.out}: {len(result.frames)} frames, {len(result.tasks)} tasks (document root {result.document_root})")
    return 0


def run_server(args) -> int:
    from . import server

    data_dir = Path(args.data_dir)
    if args.action == "start":
        running = server.status(data_dir)["running"]
        state = server.start(data_dir, Path(args.document_root) if args.document_root else None, args.port, args.db,
                             args.label_studio)
        print(f"Label Studio {'already runs' if running else 'started'} at {state.url} (pid {state.pid}, {state.db}, "
              f"serving {state.document_root}); admin {state.username}; token in {data_dir / server.STATE_FILE}")
    elif args.action == "stop":
        print("stopped" if server.stop(data_dir) else "not running")
    else:
        print(json.dumps(server.status(data_dir), indent=2))
    return 0


def run_users(args) -> int:
    from stvg_bench.core.errors import OptionError

    from . import accounts

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise OptionError(f"--password-env {args.password_env}: that variable is not set")
    if password is not None and args.passwords_file:
        raise OptionError("--passwords-file is for generated passwords: not with --password-env")
    added, passwords = accounts.add(Path(args.data_dir), args.emails, password,
                                    Path(args.passwords_file) if args.passwords_file else None, args.label_studio)
    for account in added:
        if not account.password_set:
            state = "exists, password unchanged"
        elif password is not None:
            state = f"{'new' if account.created else 'exists'}, password from ${args.password_env}"
        else:
            state = f"new, password in {passwords}"
        print(f"{account.email}: user {account.user_id} ({state})")
    return 0


def run_push(args) -> int:
    from . import build as builds
    from . import job
    from .client import label_config

    build = builds.load(Path(args.build))
    workspace = _workspace(args)
    config = label_config("single" if build.package_size == 1 else "pages")
    project, added = job.push(workspace, build.directory, args.project, config, build.frames_directory, build.tasks)
    print(f"project {args.project!r} ({project.id}): {added} tasks imported, "
          f"{len(build.tasks) - added} already there")
    return 0


SHOWN_EXCLUSIONS = 20


def _report_exclusions(exclusions, report_path: Path) -> None:
    if not exclusions:
        return
    print(f"{len(exclusions)} annotations excluded from the vote (all in {report_path}):")
    for e in exclusions[:SHOWN_EXCLUSIONS]:
        print(f"  task {e.task_id}, annotation {e.annotation_id}: claims {e.claimed_author}, recorded "
              f"{e.recorded_author}: {e.reason}")
    if len(exclusions) > SHOWN_EXCLUSIONS:
        print(f"  ... and {len(exclusions) - SHOWN_EXCLUSIONS} more")


def run_pull(args) -> int:
    from . import build as builds
    from . import export, integrity, job, responses

    build = builds.load(Path(args.build))
    workspace = _workspace(args)
    project = job.resolve(workspace, build.directory, args.project)
    tasks = workspace.tasks(project.id)
    members = workspace.users()
    snapshot = export.save_snapshot(tasks, Path(args.out))
    votes, exclusions = integrity.counted(tasks, members)
    parsed = export.parse(votes, build, members, snapshot)
    table = Path(args.out) / responses.RESPONSES
    responses.write_responses(parsed, exclusions, snapshot, True, table)
    annotations = sum(len([a for a in t.get("annotations", []) if not a.get("was_cancelled")]) for t in tasks)
    print(f"{snapshot}: {len(tasks)} tasks, {annotations} annotations, {len(parsed)} responses")
    _report_exclusions(exclusions, responses.exclusions_path(table))
    return 0


def run_parse(args) -> int:
    from . import build as builds
    from . import export, integrity, responses

    _never_over(Path(args.out), Path(args.snapshot), Path(args.build))
    _never_over(responses.exclusions_path(Path(args.out)), Path(args.snapshot))
    build = builds.load(Path(args.build))
    votes, exclusions = integrity.counted(export.read_snapshot(Path(args.snapshot)), None)
    parsed = export.parse(votes, build, {}, Path(args.snapshot))
    responses.write_responses(parsed, exclusions, Path(args.snapshot), False, Path(args.out))
    print(f"{args.out}: {len(parsed)} responses")
    _report_exclusions(exclusions, responses.exclusions_path(Path(args.out)))
    return 0


def run_derive(args) -> int:
    from . import build as builds
    from . import derive, responses
    from .errors import AnnotationInputError

    margin = derive.PRESETS[args.preset]
    if args.margin_fraction is not None:
        margin = derive.MarginRule("custom", fraction=args.margin_fraction)
    elif args.margin_px is not None:
        margin = derive.MarginRule("custom", pixels=args.margin_px)
    parameters = derive.Parameters(args.threshold, margin, args.bandwidth, args.heatmap_stride,
                                   args.spread_threshold)
    build = builds.load(Path(args.build))
    table = responses.table_path(Path(args.responses))
    _never_over(Path(args.out), table, build.directory, build.frames_directory)
    rows, exclusions = responses.read_responses(table), responses.read_exclusions(table)
    try:
        results, counts = derive.derive(build, rows, parameters)
    except AnnotationInputError as exc:
        raise exc.with_path(table) from None
    summary = derive.write_dataset(build, results, counts, parameters, Path(args.out), exclusions)
    print(f"{args.out}: {summary['boxes']} boxes from {summary['visible_frames']} visible of {summary['frames']} "
          f"frames; {summary['segments_kept']} of {summary['segments']} segments kept")
    return 0


def run_qc(args) -> int:
    from stvg_bench.core import atomic
    from stvg_bench.core.errors import OptionError
    from stvg_bench.core.jsonio import dumps_pretty

    from . import build as builds
    from . import integrity, job, qc

    if args.action == "sample":
        frames = qc.read_frames(Path(args.target) / "frames.json")
        if not args.out:
            raise OptionError("qc sample needs --out")
        _never_over(Path(args.out), Path(args.target) / "frames.json", Path(args.target))
        size = qc.cochran(len(frames), args.confidence, args.margin)
        atomic.write_bytes(args.out, dumps_pretty({"confidence": args.confidence, "margin": args.margin,
                                                   "seed": args.seed, "population": len(frames),
                                                   "frames": qc.draw(frames, size, args.seed)}))
        print(f"{args.out}: {size} of {len(frames)} frames (Cochran, {args.confidence:.0%} confidence, "
              f"margin {args.margin})")
        return 0
    sample = qc.read_sample(Path(args.target))
    if not args.project or not args.build:
        raise OptionError(f"qc {args.action} needs --project and --build (the build records the review project)")
    build = builds.load(Path(args.build))
    workspace = _workspace(args)
    if args.action == "push":
        from .client import label_config

        _, added = job.push(workspace, build.directory, args.project, label_config("review"), build.frames_directory,
                            qc.review_tasks(sample, build, Path(args.target)))
        print(f"review project {args.project!r}: {added} tasks imported")
        return 0
    if args.out:
        _never_over(Path(args.out), Path(args.target), build.directory)
    project = job.resolve(workspace, build.directory, args.project)
    accounts = workspace.users()
    votes, exclusions = integrity.counted(workspace.tasks(project.id), accounts)
    verdicts = qc.verdicts(votes, args.project, accounts, args.specialist)
    report = {**qc.outcome(sample, verdicts), "verdicts_excluded": len(exclusions)}
    if args.out:
        atomic.write_bytes(args.out, dumps_pretty(report))
    print(json.dumps(report, indent=2))
    return 0
