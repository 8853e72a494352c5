"""The run manifest: everything about how a prediction file was made, beside it and in its run directory.

``stvg-bench/run-manifest`` version 1 holds the run key and its fields, the
runner (name, version, kind, task), parameters, frame plan, checkpoint files
with their sha256, what the runner fitted, the dataset and its inputs, the
executor and decode backend, software versions (stvg-bench and its git commit,
Python, torch, transformers, av, OpenCV, Ray, numpy, pyarrow; read from the
installed metadata, nothing is imported), device names, and one record per
session (a resumed run has several) with per-stage seconds, frames per second,
start and end times. The predictions' ``method`` block points here by file name.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from stvg_bench import __version__
from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError
from stvg_bench.core.jsonio import read_raw
from stvg_bench.core.provenance import git_commit

MANIFEST_FORMAT = "stvg-bench/run-manifest"
MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
PACKAGES = ("torch", "transformers", "av", "opencv-python-headless", "opencv-python", "ray", "numpy", "pyarrow")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def software() -> dict:
    """Versions of stvg-bench (and its git commit), Python and the packages a runner may use (None: absent)."""
    versions = {"stvg_bench": __version__, "git_commit": git_commit(), "python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    versions["platform"] = f"{sys.platform} {platform.machine()}"
    return versions


def manifest_path_for(predictions: Path) -> Path:
    """``p.json`` / ``p.json.gz`` -> ``p.manifest.json`` beside it."""
    name = predictions.name
    for suffix in (".json.gz", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return predictions.with_name(f"{name}.manifest.json")


def write(manifest: dict, *paths: Path) -> None:
    data = (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode()
    for path in paths:
        atomic.write_bytes(path, data)


def read(path: Path) -> dict:
    """A manifest file, or the manifest of a run directory."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.exists():
        raise InputFileError("no run manifest here (a run directory holds manifest.json)", path=path)
    try:
        manifest = json.loads(read_raw(path).decode("utf-8"))  # read_raw: bounded by the input limit
    except ValueError as exc:
        raise InputFileError(f"not a readable run manifest ({exc})", path=path) from None
    except RecursionError:
        raise InputFileError("not a readable run manifest (JSON nested too deeply)", path=path) from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise InputFileError(f"not an {MANIFEST_FORMAT} file", path=path)
    if manifest.get("version") != MANIFEST_VERSION:
        raise InputFileError(f"unknown manifest version {manifest.get('version')!r} (this stvg-bench reads "
                             f"{MANIFEST_VERSION})", path=path)
    return manifest
