"""Commands of the packages installed beside the core by an extra: ``annotate`` (the ``annotation`` package)
and ``baseline`` (``baselines``). Each package adds its own sub-commands; without it, the command is a stub
that says which extra installs it."""

from __future__ import annotations

import importlib
from functools import partial

#: (command, the package's CLI module, help when missing, the extra that installs it)
EXTENSIONS = (
    ("annotate", "annotation.cli", "Label Studio annotation (not installed)", "annotation"),
    ("baseline", "baselines.cli", "baseline runners (not installed)", "baselines"),
)


def add_commands(commands) -> None:
    for command, module, missing_help, extra in EXTENSIONS:
        try:
            cli = importlib.import_module(module)
        except ImportError:  # installed without the package at all
            parser = commands.add_parser(command, help=missing_help)
            parser.set_defaults(handler=partial(_not_installed, module.partition(".")[0], extra))
            continue
        cli.add_commands(commands)


def _not_installed(package: str, extra: str, args) -> int:
    from ..core.errors import OptionError

    raise OptionError(f"the {package} package is not installed: pip install 'stvg-bench[{extra}]'")
