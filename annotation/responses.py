"""The tidy table of responses (``responses.csv``) and the report of the annotations left out of it.

One row per click or choice of an annotation that votes: the task, its frame
(video, second, step, segment), the annotator, and either the click in pixels
or the choice. Beside the table, ``responses.excluded.json`` lists the
annotations :mod:`annotation.integrity` excluded from the vote; ``derive``
copies it into ``derivation.json``. Reading the table checks every row: a
response that is not a click or one of the choices, a click that is not a
finite point inside its frame, a frame size below one pixel are refused with
the file, the row, the task and the annotator.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, astuple, dataclass, fields
from pathlib import Path

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError
from stvg_bench.core.jsonio import dumps_pretty

from .errors import AnnotationInputError
from .integrity import Exclusion

CLICK = "click"
CHOICES = ("cannot answer", "image corrupt")
RESPONSES = "responses.csv"
EXCLUDED_SUFFIX = ".excluded.json"


@dataclass(frozen=True)
class Response:
    """One annotator's answer on one frame: a click (pixels) or a choice."""

    task_id: int
    annotation_id: int
    video: str
    second: int
    step: str
    segment_id: int
    annotator_id: int
    annotator: str
    response: str
    x_px: float
    y_px: float
    width: int
    height: int


def table_path(path: Path) -> Path:
    """The table itself: ``path``, or ``path/responses.csv`` for a pull directory."""
    path = Path(path)
    return path / RESPONSES if path.is_dir() else path


def exclusions_path(table: Path) -> Path:
    """``responses.excluded.json`` beside ``responses.csv``."""
    table = table_path(table)
    return table.with_name(table.stem + EXCLUDED_SUFFIX)


def write_responses(responses: list[Response], exclusions: list[Exclusion], snapshot: Path,
                    members_checked: bool, path: Path) -> None:
    """The table and its exclusion report, each written atomically (the report first)."""
    report = {"snapshot": str(snapshot), "members_checked": members_checked, "count": len(exclusions),
              "excluded": [asdict(e) for e in exclusions]}
    atomic.write_bytes(exclusions_path(path), dumps_pretty(report))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.name for f in fields(Response)])
    writer.writerows(astuple(r) for r in responses)
    atomic.write_bytes(path, buffer.getvalue().encode())


def read_exclusions(path: Path) -> dict:
    """The exclusion report beside the table ``path`` (or in the pull directory ``path``)."""
    report = exclusions_path(path)
    try:
        content = json.loads(report.read_text())
        return {**content, "count": int(content["count"]), "excluded": list(content["excluded"])}
    except FileNotFoundError:
        raise InputFileError(f"no report of excluded annotations beside the responses ({report.name}): "
                             "pull or parse again", path=report) from None
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise InputFileError(f"damaged report of excluded annotations ({exc})", path=report) from None


def read_responses(path: Path) -> list[Response]:
    """Every row of the table, checked (see the module docstring)."""
    path = table_path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputFileError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read ({exc})", path=path) from None
    if not text.strip():
        raise InputFileError("empty file: not a response table (not even its header)", path=path)
    reader = csv.DictReader(io.StringIO(text))
    names = [f.name for f in fields(Response)]
    if reader.fieldnames != names:
        raise AnnotationInputError(f"not a response table: expected the columns {', '.join(names)}",
                                   path=path)
    return [_row(row, reader.line_num, path) for row in reader]


def _row(row: dict, line: int, path: Path) -> Response:
    def fail(message: str) -> AnnotationInputError:
        return AnnotationInputError(message, path=path, position=f"line {line}", task=row.get("task_id"),
                                    annotator=row.get("annotator"))

    if None in row or None in row.values():
        raise fail("the row does not have one value per column")
    values = {}
    for field in fields(Response):
        kind = {"int": int, "float": float, "str": str}[field.type]
        try:
            values[field.name] = kind(row[field.name])
        except ValueError:
            expected = "an integer" if kind is int else "a number"
            raise fail(f"{field.name} {row[field.name]!r} is not {expected}") from None
    response = Response(**values)
    if response.response not in (CLICK, *CHOICES):
        raise fail(f"unknown response {response.response!r} (expected {CLICK}, {' or '.join(CHOICES)})")
    if response.width < 1 or response.height < 1:
        raise fail(f"frame of {response.width}x{response.height} px")
    if response.response == CLICK:
        if not (math.isfinite(response.x_px) and math.isfinite(response.y_px)):
            raise fail(f"click at x_px = {response.x_px}, y_px = {response.y_px}: not a point")
        if not (0 <= response.x_px <= response.width and 0 <= response.y_px <= response.height):
            raise fail(f"click at ({response.x_px}, {response.y_px}) px, outside the {response.width}x"
                       f"{response.height} frame")
    return response
