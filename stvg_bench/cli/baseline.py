"""``baseline``: the runners of the ``baselines`` package (installed by the ``baselines`` extra)."""

from __future__ import annotations


def add_commands(commands) -> None:
    try:
        from baselines.cli import add_commands as add_baseline_commands
    except ImportError:  # installed without the baselines package at all
        parser = commands.add_parser("baseline", help="baseline runners (not installed)")
        parser.set_defaults(handler=_not_installed)
        return
    add_baseline_commands(commands)


def _not_installed(args) -> int:
    from ..core.errors import OptionError

    raise OptionError("the baselines package is not installed: pip install 'stvg-bench[baselines]'")
