"""The ``stvg-bench`` command line.

Bad input never produces a traceback: every
:class:`~stvg_bench.core.errors.StvgBenchError` becomes one line on stderr and
exit code 2. Set ``STVG_BENCH_DEBUG=1`` to see tracebacks of internal errors.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from .. import __version__
from ..core.errors import QUOTE_LIMIT, OptionError, StvgBenchError
from ..core.progress import show_on_terminal


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 via OptionError."""

    def error(self, message: str):
        raise OptionError(f"{self.prog}: {_LONG_QUOTED.sub(_shortened, message)}")


#: A value argparse quotes whole (``invalid int value: '999...'``): shown in part, as our own messages do.
_LONG_QUOTED = re.compile(f"'[^']{{{QUOTE_LIMIT - 1},}}'")


def _shortened(match: re.Match) -> str:
    text = match.group()
    return f"{text[: QUOTE_LIMIT - 5]}...{text[-2:]}"


def build_parser() -> argparse.ArgumentParser:
    from . import cache, convert, datasets, demo, extensions, leaderboard, listing, scoring

    parser = _Parser(prog="stvg-bench", description="Reference scorer for spatio-temporal video grounding.")
    parser.add_argument("--version", action="version", version=f"stvg-bench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (scoring, convert, datasets, listing, demo, extensions, leaderboard, cache):
        module.add_commands(commands)
    return parser


def _log_warnings_to_stderr() -> None:
    """Library warnings (``logging.getLogger("stvg_bench")``) print as ``stvg-bench: warning: ...``."""
    import logging

    log = logging.getLogger("stvg_bench")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("stvg-bench: warning: %(message)s"))
        log.addHandler(handler)
        log.propagate = False


def _apply_input_limit(megabytes: float | None) -> None:
    """``--max-input-mb`` for this run (the default when not given, also between in-process runs)."""
    from ..core.jsonio import DEFAULT_MAX_INPUT_MB, set_max_input_mb

    set_max_input_mb(DEFAULT_MAX_INPUT_MB if megabytes is None else megabytes)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    _log_warnings_to_stderr()
    try:
        argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
        args = build_parser().parse_args(argv)
        args.command_line = ["stvg-bench", *argv]
        _apply_input_limit(getattr(args, "max_input_mb", None))
        show_on_terminal()
        return int(args.handler(args) or 0)
    except StvgBenchError as exc:
        print(f"stvg-bench: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error, not bad input
        if os.environ.get("STVG_BENCH_DEBUG"):
            raise
        print(
            f"stvg-bench: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug; STVG_BENCH_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
