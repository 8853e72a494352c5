"""Entry files: ``leaderboards/entries/<dataset>/<name>.toml``, read with tomllib, validated by a JSON Schema.

Beyond the schema (``entry.schema.json``, shipped in this package), an entry
must: be named after its file and folder; cite only sources it declares;
report only on boards of its dataset, in their query-type groups and with
printed columns the board maps; give predictions only for scored boards, at
most one file per task. Reading never opens prediction files: that is
:mod:`stvg_bench.leaderboard.sources`.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..core.errors import StvgBenchError, quote
from .boards import BOARDS_BY_ID, Board

UNRANKED_SUPERVISION = ("oracle", "human")


class EntryError(StvgBenchError):
    """An entry file that is not valid TOML, breaks the schema, or contradicts the boards."""


@dataclass(frozen=True)
class Reported:
    """One block of printed cells: ``values`` maps printed metric names to the values as printed (in %)."""

    source: str
    citation: str
    source_link: str | None
    table: str
    task: str
    split: str
    query_type: str
    printed_as: str
    printed_venue: str | None
    values: dict[str, str]
    notes: str | None


@dataclass(frozen=True)
class PredictionSource:
    """Where an entry's predictions for one task are: ``kind`` is ``path``, ``url`` or ``release``."""

    task: str
    kind: str
    location: str
    format: str
    sha256: str
    size: int
    options: dict
    produced_by: dict | None
    self_submitted: dict | None

    def to_dict(self) -> dict:
        out = {"task": self.task, self.kind: self.location, "format": self.format, "sha256": self.sha256,
               "size": self.size}
        if self.options:
            out["options"] = dict(self.options)
        if self.produced_by is not None:
            out["produced_by"] = dict(self.produced_by)
        if self.self_submitted is not None:
            out["self_submitted"] = dict(self.self_submitted)
        return out


@dataclass(frozen=True)
class Entry:
    """One method on one dataset (see the module docstring); ``path`` is the TOML file it was read from."""

    name: str
    method: str
    dataset: str
    supervision: str
    paper: dict
    code: dict | None
    notes: str | None
    reported: tuple[Reported, ...]
    predictions: tuple[PredictionSource, ...]
    path: Path

    @property
    def rankable(self) -> bool:
        """Oracle and human rows are shown, never ranked."""
        return self.supervision not in UNRANKED_SUPERVISION

    def predictions_for(self, task: str) -> PredictionSource | None:
        return next((p for p in self.predictions if p.task == task), None)


@cache
def schema() -> dict:
    return json.loads(resources.files(__package__).joinpath("entry.schema.json").read_text())


def validate_document(document: dict, path: Path) -> None:
    """Refuse a document that breaks the schema, naming the first violation's location."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.absolute_path)) or "(top level)"
        raise EntryError(f"{where}: {first.message}", path=path)


def refuse_control_characters(document: dict, path: Path) -> None:
    """Refuse a key or string holding a control character other than newline and tab (the boards, pages and
    plots would show it raw or not at all), naming where it is."""
    pending: list[tuple[str, object]] = [("", document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, dict):
            pending += [(f"{where}/{key}".lstrip("/"), key) for key in value]
            pending += [(f"{where}/{key}".lstrip("/"), item) for key, item in value.items()]
        elif isinstance(value, list):
            pending += [(f"{where}/{index}".lstrip("/"), item) for index, item in enumerate(value)]
        elif isinstance(value, str) and _CONTROL.search(value):
            raise EntryError(f"{where or '(top level)'}: {quote(value)} holds a control character", path=path)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def read_entry(path: Path) -> Entry:
    """Read, validate and check one entry file."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise EntryError(f"cannot read the entry ({exc})", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise EntryError(f"not valid TOML ({exc})", path=path) from None
    except RecursionError:
        raise EntryError("not valid TOML (nested too deeply)", path=path) from None
    refuse_control_characters(document, path)
    validate_document(document, path)
    return checked_entry(document, path)


def checked_entry(document: dict, path: Path) -> Entry:
    """The entry of a schema-valid ``document`` read from ``path``, after the checks of the module docstring."""
    if document["name"] != path.stem:
        raise EntryError(f"name {document['name']!r} differs from the file name {path.stem!r}", path=path)
    if document["dataset"] != path.parent.name:
        raise EntryError(f"dataset {document['dataset']!r} differs from its folder {path.parent.name!r}", path=path)
    sources = document.get("sources", {})
    reported = tuple(_reported(block, sources, document["dataset"], path) for block in document.get("reported", ()))
    predictions = tuple(_prediction(item, document["dataset"], path) for item in document.get("predictions", ()))
    tasks = [p.task for p in predictions]
    if len(set(tasks)) != len(tasks):
        raise EntryError("two prediction files for the same task", path=path)
    if not reported and not predictions:
        raise EntryError("an entry needs reported numbers or predictions", path=path)
    return Entry(name=document["name"], method=document["method"], dataset=document["dataset"],
                 supervision=document["supervision"], paper=dict(document["paper"]), code=document.get("code"),
                 notes=document.get("notes"), reported=reported, predictions=predictions, path=path)


def _board(dataset: str, task: str, path: Path, what: str) -> Board:
    board = BOARDS_BY_ID.get(f"{dataset}/{task}")
    if board is None:
        tasks = sorted(b.task for b in BOARDS_BY_ID.values() if b.dataset == dataset)
        raise EntryError(f"{what}: no board {dataset}/{task} (boards of {dataset}: {', '.join(tasks) or 'none'})",
                         path=path)
    return board


def _reported(block: dict, sources: dict, dataset: str, path: Path) -> Reported:
    where = f"reported ({block['source']}, {block['table']})"
    if block["source"] not in sources:
        raise EntryError(f"{where}: source {block['source']!r} is not declared under [sources]", path=path)
    board = _board(dataset, block["task"], path, where)
    if block["query_type"] not in board.groups:
        raise EntryError(f"{where}: query type {block['query_type']!r} is not a group of {board.id} "
                         f"({', '.join(board.groups)})", path=path)
    unknown = [name for name in block["values"] if board.metric_for_printed(name) is None]
    if unknown:
        raise EntryError(f"{where}: {board.id} has no column for printed metric {unknown[0]!r}", path=path)
    source = sources[block["source"]]
    return Reported(source=block["source"], citation=source["citation"], source_link=source.get("link"),
                    table=block["table"], task=block["task"], split=block["split"], query_type=block["query_type"],
                    printed_as=block["printed_as"], printed_venue=block.get("printed_venue"),
                    values=dict(block["values"]), notes=block.get("notes"))


def _prediction(item: dict, dataset: str, path: Path) -> PredictionSource:
    board = _board(dataset, item["task"], path, "predictions")
    if not board.scored:
        raise EntryError(f"predictions: {board.id} is not scored by stvg-bench (reported numbers only)", path=path)
    kind = next(k for k in ("path", "url", "release") if k in item)
    if kind == "path" and ".." in Path(item["path"]).parts:
        raise EntryError("predictions: path must stay under leaderboards/", path=path)
    return PredictionSource(task=item["task"], kind=kind, location=item[kind], format=item["format"],
                            sha256=item["sha256"], size=item["size"], options=dict(item.get("options", {})),
                            produced_by=item.get("produced_by"), self_submitted=item.get("self_submitted"))


def entry_paths(root: Path) -> list[Path]:
    """Every entry file under ``root/entries``, sorted."""
    return sorted((Path(root) / "entries").glob("*/*.toml"))


def load_entries(root: Path) -> list[Entry]:
    """Every entry under ``root`` (the ``leaderboards/`` folder), validated; the first invalid one is an error."""
    entries = [read_entry(path) for path in entry_paths(root)]
    if not entries:
        raise EntryError("no entry files (entries/<dataset>/<name>.toml)", path=Path(root) / "entries")
    return entries
