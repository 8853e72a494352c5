"""Snapshots of a project's annotations, and the responses parsed from them.

A snapshot is the list of tasks with their annotations, as Label Studio's
full JSON export writes it. Every pull is kept as
``snapshots/<UTC time>.json`` (never overwritten), and the responses of the
latest one are written to ``responses.csv`` (:mod:`annotation.responses`)
only once it parsed completely, so a bad snapshot loses nothing that was
pulled before.

A click becomes pixels as ``x_px = x / 100 * original_width``, ``y_px = y /
100 * original_height`` (Label Studio stores keypoints in percent of the
original image). Cancelled (skipped) annotations give no row; the caller
passes only the annotations that vote (:mod:`annotation.integrity`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from stvg_bench.core import atomic
from stvg_bench.core.errors import InputFileError
from stvg_bench.core.jsonio import dumps_pretty, read_raw

from .build import Build
from .errors import AnnotationInputError
from .responses import CHOICES, CLICK, Response

LABEL = "action_center"


def save_snapshot(tasks: list[dict], directory: Path) -> Path:
    """Write ``tasks`` as a new timestamped snapshot under ``directory/snapshots``; never overwrite one."""
    if Path(directory).exists() and not Path(directory).is_dir():
        raise InputFileError("not a directory (the pull directory)", path=directory)
    folder = Path(directory) / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"{stamp}.json"
    suffix = 1
    while path.exists():
        path = folder / f"{stamp}-{suffix}.json"
        suffix += 1
    atomic.write_bytes(path, dumps_pretty(tasks))
    return path


def latest_snapshot(directory: Path) -> Path:
    snapshots = sorted((Path(directory) / "snapshots").glob("*.json"))
    if not snapshots:
        raise InputFileError("no snapshot pulled yet; run `stvg-bench annotate pull`", path=directory)
    return snapshots[-1]


def read_snapshot(path: Path) -> list[dict]:
    data = read_raw(path)  # one line for a missing file, a directory, a file past the input limit
    try:
        tasks = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise AnnotationInputError(f"broken export: not valid JSON ({exc})", path=path) from None
    except RecursionError:
        raise AnnotationInputError("broken export: not valid JSON (nested too deeply)", path=path) from None
    if not isinstance(tasks, list):
        raise AnnotationInputError("broken export: expected a list of tasks", path=path)
    return tasks


def _annotator(annotation: dict, users: dict[int, str]) -> tuple[int, str]:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return int(who.get("id", -1)), str(who.get("email") or who.get("username") or f"user {who.get('id')}")
    if isinstance(who, int):
        return who, users.get(who, f"user {who}")
    return -1, "unknown"


def parse(tasks: list[dict], build: Build, users: dict[int, str], source: Path) -> list[Response]:
    """Responses of a snapshot, checked against the build that made its tasks.

    Raises AnnotationInputError (naming file, task and annotator) for a broken
    export, an unknown label or choice, a click outside the image, a result on
    a page that does not exist, a frame file that is missing, and a frame that
    two tasks show (its annotators would vote twice).
    """
    frames = {(f.video, f.second, f.segment_id): f for f in build.frames}
    shown_by: dict[tuple[str, int, int], object] = {}
    out: list[Response] = []
    for position, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict) or not isinstance(
                task.get("annotations"), list):
            raise AnnotationInputError(f"broken export: entry {position} is not a task with data and annotations",
                                       path=source)
        task_id, data = task.get("id", position), task["data"]
        pages = data.get("items") or [{"second": data.get("second"), "step": data.get("step")}]
        try:
            targets = [(str(data["video"]), int(p["second"]), str(p["step"]), int(data["segment_id"])) for p in pages]
        except (KeyError, TypeError, ValueError):
            raise AnnotationInputError("task data lacks video / second / step / segment_id (not made by "
                                       "`annotate build`)", path=source, task=task_id) from None
        for video, second, _, segment_id in targets:
            first = shown_by.setdefault((video, second, segment_id), task_id)
            if first != task_id:
                raise AnnotationInputError(f"frame {video} second {second} is shown by tasks {first} and "
                                           f"{task_id}: delete one of them in Label Studio", path=source,
                                           task=task_id)
        for annotation in task["annotations"]:
            if not isinstance(annotation, dict) or not isinstance(annotation.get("result"), list):
                raise AnnotationInputError("broken export: an annotation without a result list", path=source,
                                           task=task_id)
            if annotation.get("was_cancelled"):
                continue
            annotator_id, annotator = _annotator(annotation, users)
            for item in annotation["result"]:
                out.append(_response(item, targets, frames, task_id, annotation, annotator_id, annotator, source))
    return out


def _response(item, targets, frames, task_id, annotation, annotator_id, annotator, source) -> Response:
    def fail(message: str) -> AnnotationInputError:
        return AnnotationInputError(message, path=source, task=task_id, annotator=annotator)

    if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
        raise fail("broken export: a result without a value")
    page = item.get("item_index", 0) or 0
    if not isinstance(page, int) or not 0 <= page < len(targets):
        raise fail(f"result on page {page!r}, but the task has {len(targets)}")
    video, second, step, segment_id = targets[page]
    frame = frames.get((video, second, segment_id))
    if frame is None:
        raise fail(f"frame {video} second {second} is not in the build")
    if not frame.path.is_file():
        raise fail(f"frame file missing: {frame.path}")
    common = {"task_id": task_id, "annotation_id": int(annotation.get("id", -1)), "video": video,
              "second": second, "step": step, "segment_id": segment_id, "annotator_id": annotator_id,
              "annotator": annotator}
    value = item["value"]
    kind = item.get("type")
    if kind == "keypointlabels":
        labels = value.get("keypointlabels")
        if labels != [LABEL]:
            raise fail(f"unknown label {labels!r} (the config has one label, {LABEL!r})")
        width, height = item.get("original_width"), item.get("original_height")
        x, y = value.get("x"), value.get("y")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (width, height, x, y)):
            raise fail("broken export: a keypoint without x, y, original_width and original_height")
        if not (0 <= x <= 100 and 0 <= y <= 100):
            raise fail(f"click outside the image (x = {x}%, y = {y}%)")
        if (width, height) != (frame.width, frame.height):
            raise fail(f"image of {width}x{height}, the build wrote {frame.width}x{frame.height}")
        return Response(**common, response=CLICK, x_px=x / 100 * width, y_px=y / 100 * height,
                        width=int(width), height=int(height))
    if kind == "choices":
        choices = value.get("choices")
        if not isinstance(choices, list) or len(choices) != 1 or choices[0] not in CHOICES:
            raise fail(f"unknown choice {choices!r} (expected one of {', '.join(CHOICES)})")
        return Response(**common, response=choices[0], x_px=float("nan"), y_px=float("nan"), width=frame.width,
                        height=frame.height)
    raise fail(f"unexpected result type {kind!r}")
