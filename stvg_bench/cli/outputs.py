"""Output paths checked before any work, so that a run never ends in an unwritable or destructive write.

Refused, with one line naming the option: an output that is one of the inputs (or lies inside an input
directory, such as a Parquet submission; or, for a directory output, holds an input), two outputs that are the same path, a directory where a file is
expected (or a file where a directory is), an existing output that is not a regular file or directory (a
device, a FIFO), and a location that cannot be written (its nearest existing ancestor is not a writable
directory). Outputs are then written atomically (:mod:`stvg_bench.core.atomic`): a symlinked output is
replaced by the new file, and the link's target is left as it was; a link that points at an input is
refused like the input itself.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import OptionError

FILE = "file"
DIRECTORY = "directory"


@dataclass(frozen=True)
class Output:
    """An output path given with ``option``; ``kind`` is :data:`FILE` or :data:`DIRECTORY`."""

    option: str
    path: str | Path
    kind: str = FILE


def _resolved(path: str | Path) -> Path:
    return Path(os.path.abspath(path)).resolve(strict=False)


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _check_kind(output: Output, path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OptionError(f"{output.option} {path}: cannot be written ({exc.strerror})") from None
    if stat.S_ISDIR(mode) and output.kind == FILE:
        raise OptionError(f"{output.option} {output.path}: is a directory, expected a file")
    if stat.S_ISREG(mode) and output.kind == DIRECTORY:
        raise OptionError(f"{output.option} {output.path}: is a file, expected a directory")
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise OptionError(f"{output.option} {output.path}: is not a regular file (a device, a FIFO or a socket)")


def _check_writable(output: Output, path: Path) -> None:
    """The nearest existing ancestor must be a directory this process can create a file in."""
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OptionError(f"{output.option} {output.path}: {ancestor} is not a directory")
    import tempfile

    try:  # a real attempt: permissions, read-only mounts and pseudo file systems all answer it
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise OptionError(f"{output.option} {output.path}: {ancestor} is not writable ({exc.strerror})") from None


def check_outputs(inputs: dict[str, str | Path | None], outputs: list[Output]) -> None:
    """Refuse the outputs that would be unwritable or overwrite an input (see the module docstring).

    ``inputs`` maps a name for messages (``"predictions"``, ``"--annotations"``) to a path (None: not given).
    """
    given_inputs = {name: _resolved(path) for name, path in inputs.items() if path is not None}
    seen: dict[Path, str] = {}
    for output in outputs:
        if output.path is None:
            continue
        path = _resolved(output.path)
        for name, source in given_inputs.items():
            if _inside(path, source) or (output.kind == DIRECTORY and _inside(source, path)):
                where = "is" if path == source else "lies inside" if _inside(path, source) else "holds"
                raise OptionError(f"{output.option} {output.path} {where} the input {name}: outputs never replace "
                                  "an input")
        if path in seen:
            raise OptionError(f"{output.option} and {seen[path]} are the same file {output.path}")
        seen[path] = output.option
        _check_kind(output, path)
        _check_writable(output, path)
