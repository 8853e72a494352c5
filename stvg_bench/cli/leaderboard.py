"""``leaderboard build | check | add | fetch`` (the ``leaderboard`` extra: matplotlib, jinja2, tomli-w)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import OptionError, quote
from ..core.numbers import integer

ROOT_HELP = "the leaderboards folder (default: ./leaderboards)"
DATA_HELP = ("directory holding the annotations (vidstg/, groundingyoutube/, youcook2_interactions/, ...; default: "
             "the datasets fetched with 'stvg-bench datasets fetch')")


def add_commands(commands) -> None:
    board = commands.add_parser("leaderboard", help="build, check and add to the leaderboards",
                                description="Build the leaderboards from their entries, check the committed copy, "
                                "add a submission, fetch large prediction files.")
    sub = board.add_subparsers(dest="leaderboard_command", required=True, parser_class=type(board))

    build = sub.add_parser("build", help="score what is needed and write README.md, site/ and the plots")
    check = sub.add_parser("check", help="rebuild into a temporary directory; exit 1 naming what differs")
    for parser, handler in ((build, run_build), (check, run_check)):
        parser.add_argument("--root", default="leaderboards", help=ROOT_HELP)
        parser.add_argument("--data", help=DATA_HELP)
        parser.set_defaults(handler=handler)

    add = sub.add_parser("add", help="validate and score a prediction file, store it and write its entry")
    add.add_argument("predictions", help="prediction file (.json or .json.gz)")
    add.add_argument("--dataset", required=True)
    add.add_argument("--entry", required=True, help="entry name (lower case, digits, '-'): entries/D/NAME.toml")
    add.add_argument("--task", help="board task when the dataset has several (spatial, temporal, spatio-temporal)")
    add.add_argument("--format", default="auto", help="prediction format (default: detected)")
    add.add_argument("--method", help="display name (new entries; default: the entry name)")
    add.add_argument("--supervision", default=None,
                     help="fully, weakly, self, zero-shot, prior, oracle or human (required for a new entry)")
    add.add_argument("--paper-title")
    add.add_argument("--paper-venue")
    add.add_argument("--paper-year", type=integer)
    add.add_argument("--paper-link")
    add.add_argument("--code-url")
    add.add_argument("--code-commit")
    add.add_argument("--checkpoint-sha256")
    add.add_argument("--url", help="where the file is hosted (files over the 16 MiB cap for committed submissions)")
    add.add_argument("--produced-by", help="RUNNER@VERSION of the runner that made the file (else self-submitted)")
    add.add_argument("--manifest", help="the run manifest beside the file (stvg-bench baseline run writes it); "
                     "copied beside the submission")
    add.add_argument("--submitter", help="who submits (self-submitted files)")
    add.add_argument("--root", default="leaderboards", help=ROOT_HELP)
    add.add_argument("--data", help=DATA_HELP)
    add.set_defaults(handler=run_add)

    fetch = sub.add_parser("fetch", help="download the prediction files entries give by URL (sha256-checked)")
    fetch.add_argument("--root", default="leaderboards", help=ROOT_HELP)
    fetch.set_defaults(handler=run_fetch)


def _data_dir(args) -> Path:
    from ..leaderboard.data_dir import default_data_dir

    return Path(args.data) if args.data else default_data_dir()


def _root(args) -> Path:
    root = Path(args.root)
    if not (root / "entries").is_dir():
        raise OptionError(f"{root}: not a leaderboards folder (no entries/); pass --root")
    return root


def run_build(args) -> int:
    from ..leaderboard.build import build

    report = build(_root(args), _data_dir(args))
    print(f"{args.root}: {len(report.files)} files; {report.scored} scored, {report.cached} from the cache "
          f"({report.seconds:.1f} s)")
    return 0


def run_check(args) -> int:
    from ..leaderboard.build import CheckFailed, check

    try:
        report = check(_root(args), _data_dir(args))
    except CheckFailed as failed:
        for problem in failed.problems:
            print(f"stvg-bench: leaderboard check: {problem}", file=sys.stderr)
        return failed.exit_code
    print(f"{args.root}: up to date ({len(report.files)} files, {report.seconds:.1f} s)")
    return 0


def _new_entry(args) -> dict:
    entry = {"supervision": args.supervision}
    if args.method:
        entry["method"] = args.method
    paper = {"title": args.paper_title, "venue": args.paper_venue, "year": args.paper_year, "link": args.paper_link}
    entry["paper"] = {k: v for k, v in paper.items() if v is not None}
    code = {"url": args.code_url, "commit": args.code_commit, "checkpoint_sha256": args.checkpoint_sha256}
    if args.code_url:
        entry["code"] = {k: v for k, v in code.items() if v is not None}
    return {k: v for k, v in entry.items() if v is not None}


def _produced_by(args) -> dict | None:
    if args.produced_by is None:
        if args.manifest:
            raise OptionError("--manifest goes with --produced-by RUNNER@VERSION")
        return None
    runner, _, version = args.produced_by.partition("@")
    if not runner or not version:
        raise OptionError(f"--produced-by must be RUNNER@VERSION, got {quote(args.produced_by)}")
    produced = {"runner": runner, "version": version}
    if args.manifest:
        produced["manifest"] = _under_root(args, args.manifest)
    return produced


def _under_root(args, path: str) -> str:
    """``path`` as the entries name it, relative to the leaderboards folder, when it lies inside it (else as
    given: ``add`` copies it beside the submission)."""
    root = _root(args).resolve()
    resolved = Path(path).resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    return path


def run_add(args) -> int:
    from ..leaderboard.submit import add

    path, scores = add(_root(args), _data_dir(args), Path(args.predictions), args.dataset, args.entry,
                       task=args.task, fmt=args.format, url=args.url, produced_by=_produced_by(args),
                       submitter=args.submitter, new_entry=_new_entry(args))
    for protocol, scored in scores.items():
        values = ", ".join(f"{name} {100 * value:.2f}" for name, value in scored.metrics["all"].items())
        print(f"{protocol}: {values}")
    print(f"{path}: written; run `stvg-bench leaderboard build` and commit the entry, the submission and the "
          "regenerated files")
    return 0


def run_fetch(args) -> int:
    from ..leaderboard.fetch import fetch

    for url, path, downloaded in fetch(_root(args)):
        print(f"{url} -> {path}" + ("" if downloaded else " (already there)"))
    return 0
