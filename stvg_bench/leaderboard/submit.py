"""``stvg-bench leaderboard add``: validate and score a submission, store it, write its entry.

A prediction file of at most :data:`~stvg_bench.leaderboard.sources.MAX_COMMITTED_BYTES`
is copied to ``leaderboards/submissions/<dataset>/<entry>/predictions.json[.gz]``;
a larger one stays where it is hosted (``--url``: the file given is the one that
URL serves; its sha256 and size are recorded and checked by every build). The
entry gets the file's sha256 and size and either ``produced_by`` (a runner,
version and manifest) or ``self_submitted``. An existing entry keeps its
reported numbers: only its predictions for the task change. Nothing is trusted
from the file: it is parsed by the registered formats and scored like any other.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import date
from pathlib import Path

from ..core import atomic
from ..core.errors import InputFileError, OptionError, quote
from .entries import checked_entry, validate_document
from .sources import MAX_COMMITTED_BYTES, fetched_path, sha256_of

#: The schema's ``name``: the entry file's stem, and a folder under ``submissions/``.
ENTRY_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def entry_path(root: Path, dataset: str, name: str) -> Path:
    return Path(root) / "entries" / dataset / f"{name}.toml"


def write_entry(path: Path, document: dict) -> None:
    """Validate ``document`` as the entry at ``path`` and write it (TOML, atomically)."""
    import tomli_w

    validate_document(document, path)
    checked_entry(document, path)
    atomic.write_bytes(path, tomli_w.dumps(document).encode())


def attach_predictions(root: Path, dataset: str, name: str, item: dict, new_entry: dict) -> Path:
    """Set ``item`` as the entry's predictions for ``item['task']``; create the entry from ``new_entry``
    (method, supervision, paper, ...) when there is none. Returns the entry's path."""
    path = entry_path(root, dataset, name)
    if path.is_file():
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    else:
        document = {"schema_version": 1, "name": name, "method": name, "dataset": dataset, **new_entry}
    others = [p for p in document.get("predictions", []) if p["task"] != item["task"]]
    document["predictions"] = [*others, item]
    write_entry(path, document)
    return path


def prediction_item(task: str, fmt: str, sha256: str, size: int, location: tuple[str, str],
                    produced_by: dict | None, submitter: str | None) -> dict:
    """The ``[[predictions]]`` table of an entry."""
    item = {"task": task, location[0]: location[1], "format": fmt, "sha256": sha256, "size": size}
    if produced_by is not None:
        item["produced_by"] = produced_by
    else:
        item["self_submitted"] = {"by": submitter or "unknown", "date": date.today().isoformat()}
    return item


def store_file(root: Path, dataset: str, name: str, source: Path) -> str:
    """Copy a submission under ``submissions/`` and return its path relative to ``root``."""
    suffix = ".json.gz" if source.name.endswith(".gz") else ".json"
    if not source.name.endswith((".json", ".json.gz")):
        raise OptionError(f"{source.name}: committed submissions are .json or .json.gz prediction files")
    relative = f"submissions/{dataset}/{name}/predictions{suffix}"
    target = Path(root) / relative
    atomic.write_with(target, lambda tmp: shutil.copyfile(source, tmp))
    return relative


def store_manifest(root: Path, dataset: str, name: str, manifest: str) -> str:
    """The run manifest as the entry names it: one already under ``submissions/`` as it is, any other file
    copied beside the submission (``submissions/<dataset>/<entry>/manifest.json``)."""
    if manifest.startswith("submissions/"):
        return manifest
    source = Path(manifest)
    if not source.is_file():
        raise InputFileError("no such run manifest (--manifest)", path=source)
    relative = f"submissions/{dataset}/{name}/manifest.json"
    atomic.write_with(Path(root) / relative, lambda tmp: shutil.copyfile(source, tmp))
    return relative


def add(root: Path, data_dir: Path, predictions: Path, dataset: str, name: str, *, task: str | None, fmt: str,
        url: str | None, produced_by: dict | None, submitter: str | None, new_entry: dict) -> tuple[Path, dict]:
    """Validate and score ``predictions`` (every protocol), store them, write the entry; return the entry's
    path and the scores per protocol (``{protocol: Scored}``)."""
    from .scoring import score_file

    if not ENTRY_NAME.fullmatch(name):
        raise OptionError("--entry must be an entry name of 1 to 80 lower-case letters, digits and '-' (not first), "
                          f"got {quote(name)}")
    predictions = Path(predictions)
    if predictions.is_dir() or not predictions.exists():
        reason = "is a directory, expected a file" if predictions.is_dir() else "no such file"
        raise InputFileError(reason, path=predictions)
    size = predictions.stat().st_size
    if url is None and size > MAX_COMMITTED_BYTES:
        raise OptionError(f"{predictions}: {size} bytes is over the {MAX_COMMITTED_BYTES}-byte cap for committed "
                          "submissions; host the file and pass --url")
    task, scores = score_file(data_dir, dataset, task, predictions, fmt)
    digest = sha256_of(predictions)
    if url is not None:  # the file the URL serves: cached as `leaderboard fetch` would, so builds find it
        atomic.write_with(fetched_path(digest), lambda tmp: shutil.copyfile(predictions, tmp))
        location = ("url", url)
    else:
        location = ("path", store_file(root, dataset, name, predictions))
    if produced_by is not None and "manifest" in produced_by:
        produced_by = {**produced_by, "manifest": store_manifest(root, dataset, name, produced_by["manifest"])}
    item = prediction_item(task, scores.format, digest, size, location, produced_by, submitter)
    return attach_predictions(root, dataset, name, item, new_entry), scores.by_protocol
