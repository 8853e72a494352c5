"""``annotate``: the Label Studio pipeline of the ``annotation`` package (its dependencies are an extra)."""

from __future__ import annotations


def add_commands(commands) -> None:
    try:
        from annotation.cli import add_commands as add_annotation_commands
    except ImportError:  # installed without the annotation package at all
        parser = commands.add_parser("annotate", help="Label Studio annotation (not installed)")
        parser.set_defaults(handler=_not_installed)
        return
    add_annotation_commands(commands)


def _not_installed(args) -> int:
    from ..core.errors import OptionError

    raise OptionError("the annotation package is not installed: pip install 'stvg-bench[annotation]'")
