"""Prediction files for action grounding (GroundingYouTube, YouCook2-Interactions).

``stvg-bench/action-grounding`` version 1 (schema:
``schemas/action-grounding-v1.schema.json``) has one envelope and three
task layouts:

* ``spatial``: ``{group: {second: {"point": [x, y]} | {"box": [x1, y1, x2, y2]}
  | {"heatmap": [[...], ...], "frame_size": [width, height]}}}``, the group
  being a video id (GroundingYouTube) or a segment id (YouCook2-Interactions);
* ``temporal``: ``{video: {second: step}}``, absent seconds are background;
* ``spatio-temporal``: ``{video: {"seconds": {second: {"step": s, "point": [x, y]}},
  "tubes": [{"step": s, "score": p, "boxes": {second: [x1, y1, x2, y2]}}]}}``.

``gyt-clicks`` reads GroundingYouTube's aggregated centre-point clicks as a
spatial prediction (the human baseline). These files are small, so they are
read with the exact (duplicate-keeping) decoder only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.errors import FormatError, InvalidValueError, OptionError
from ..core.jsonio import decompress, dumps_pretty, loads_exact, read_raw
from ..data.actions import BACKGROUND, normalise_step
from ..data.tubes import PredictionMeta
from ..datasets.base import ActionDataset
from .base import require_dict, require_numbers, sample_key

FORMAT = "stvg-bench/action-grounding"
VERSION = 1
TASKS = ("spatial", "temporal", "spatio-temporal")
POINT, BOX, HEATMAP = 0, 1, 2


@dataclass(frozen=True)
class ActionPredictions:
    """Predictions of one task as flat arrays; keys stay strings until matched to a dataset.

    Spatial rows (``spatial_*``): group key, second, kind (0 point, 1 box, 2
    heatmap), the point or box (NaN when absent), the heatmap grid and its
    frame size. Label rows (``label_*``): video key, second, normalised step,
    point (NaN when absent). Tubes: video, step, score; tube boxes: tube index,
    second, box. ``videos`` lists every video key present.
    """

    task: str
    meta: PredictionMeta
    spatial_group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    spatial_second: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spatial_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    spatial_point: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    spatial_box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    heatmaps: tuple = ()
    heatmap_frame_size: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    label_video: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    label_second: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    label_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    label_point: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    tube_video: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    tube_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    tube_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tube_box_tube: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tube_box_second: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tube_box_xyxy: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    has_tubes: bool = False
    videos: tuple[str, ...] = ()


@cache
def schema() -> dict:
    text = resources.files("stvg_bench.formats").joinpath("schemas/action-grounding-v1.schema.json").read_text()
    return json.loads(text)


def _check_envelope(top: dict, path) -> tuple[str, str, str, dict]:
    if top.get("format") != FORMAT:
        raise FormatError(f"not an action-grounding prediction file (format is {top.get('format')!r})", path=path)
    version = top.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise FormatError(f"unknown format version {version!r} (this stvg-bench reads version {VERSION})", path=path)
    import jsonschema

    envelope = {**{k: v for k, v in top.items() if k != "predictions"}, "predictions": {}}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(envelope))
    if error is not None:
        raise FormatError(error.message, path=path, field=".".join(map(str, error.absolute_path)) or None)
    return top["dataset"], top["split"], top["task"], top.get("method", {})


def _finite(values: np.ndarray, keys: list[tuple[str, str]], path) -> None:
    """Refuse NaN / infinite values, naming the video (or group) and field of the first."""
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1) if len(values) else np.zeros(0, bool)
    if bad.any():
        video, where = keys[int(np.argmax(bad))]
        raise InvalidValueError("NaN or infinite value", path=path, sample_id=video, field=where)


def _spatial(predictions: dict, path, meta) -> ActionPredictions:
    groups, seconds, kinds, points, boxes, grids, sizes, keys = [], [], [], [], [], [], [], []
    for group, per_second in predictions.items():
        per_second = require_dict(per_second, path, "a query group", sample_id=group, keys_are="second")
        for second_key, entry in per_second.items():
            second = sample_key(second_key, path, f"{group}: second")
            where = f"second {second}"
            entry = require_dict(entry, path, "a spatial prediction", sample_id=group, field=where)
            kind = [k for k in ("point", "box", "heatmap") if k in entry]
            extra = set(entry) - {"point", "box", "heatmap", "frame_size"}
            if len(kind) != 1 or extra or (("frame_size" in entry) != (kind == ["heatmap"])):
                raise FormatError(
                    "give exactly one of 'point', 'box' or 'heatmap' (with 'frame_size')",
                    path=path, sample_id=group, field=where,
                )
            point, box = [np.nan, np.nan], [np.nan] * 4
            grid, size = None, (0, 0)
            if kind == ["point"]:
                point = require_numbers(entry["point"], 2, path, group, f"{where}: point")
                kinds.append(POINT)
            elif kind == ["box"]:
                box = require_numbers(entry["box"], 4, path, group, f"{where}: box")
                kinds.append(BOX)
            else:
                grid = _grid(entry["heatmap"], path, group, f"{where}: heatmap")
                size = tuple(require_numbers(entry["frame_size"], 2, path, group, f"{where}: frame_size"))
                if any(int(v) != v or v < 1 for v in size):
                    raise FormatError("frame_size must be two positive integers [width, height]", path=path,
                                      sample_id=group, field=f"{where}: frame_size")
                kinds.append(HEATMAP)
            groups.append(group)
            seconds.append(second)
            points.append(point)
            boxes.append(box)
            grids.append(grid)
            sizes.append(size)
            keys.append((group, where))
    points_array = np.array(points, dtype=np.float64).reshape(-1, 2)
    boxes_array = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    kinds_array = np.array(kinds, dtype=np.int8)
    _finite(np.where(kinds_array[:, None] == POINT, points_array, 0.0), keys, path)
    _finite(np.where(kinds_array[:, None] == BOX, boxes_array, 0.0), keys, path)
    for grid, key in zip(grids, keys):
        if grid is not None and not np.isfinite(grid).all():
            raise InvalidValueError("NaN or infinite value", path=path, sample_id=key[0], field=f"{key[1]}: heatmap")
    return ActionPredictions(
        task="spatial",
        meta=meta,
        spatial_group=np.array(groups, dtype=str),
        spatial_second=np.array(seconds, dtype=np.int64),
        spatial_kind=kinds_array,
        spatial_point=points_array,
        spatial_box=boxes_array,
        heatmaps=tuple(grids),
        heatmap_frame_size=np.array(sizes, dtype=np.int64).reshape(-1, 2),
        videos=tuple(predictions),
    )


def _grid(value, path, group, where) -> np.ndarray:
    if not isinstance(value, list) or not value or not all(isinstance(r, list) and r for r in value):
        raise FormatError("a heatmap is a non-empty array of non-empty rows", path=path, sample_id=group, field=where)
    width = len(value[0])
    if any(len(row) != width for row in value):
        raise FormatError("heatmap of the wrong shape: rows of different lengths", path=path, sample_id=group,
                          field=where)
    for row in value:
        require_numbers(row, width, path, group, where)
    return np.array(value, dtype=np.float64)


def _labels(predictions: dict, path, meta, task: str) -> ActionPredictions:
    videos, seconds, steps, points, keys, has_point = [], [], [], [], [], []
    tube_video, tube_step, tube_score, box_tube, box_second, box_xyxy, box_keys = [], [], [], [], [], [], []
    has_tubes = False
    for video, entry in predictions.items():
        entry = require_dict(entry, path, "a video prediction", sample_id=video,
                             keys_are="second" if task == "temporal" else None)
        per_second = entry if task == "temporal" else entry.get("seconds", {})
        if task == "spatio-temporal":
            extra = set(entry) - {"seconds", "tubes"}
            if extra:
                raise FormatError(f"unknown field {sorted(extra)[0]!r} (a video has 'seconds' and 'tubes')",
                                  path=path, sample_id=video)
            per_second = require_dict(per_second, path, "'seconds'", sample_id=video, field="seconds",
                                      keys_are="second")
        for second_key, value in per_second.items():
            second = sample_key(second_key, path, f"{video}: second")
            where = f"second {second}"
            point = [np.nan, np.nan]
            if task == "temporal":
                step = value
            else:
                value = require_dict(value, path, "a second's prediction", sample_id=video, field=where)
                step = value.get("step")
                if set(value) - {"step", "point"}:
                    raise FormatError("a second holds 'step' and 'point'", path=path, sample_id=video, field=where)
                if "point" in value:
                    point = require_numbers(value["point"], 2, path, video, f"{where}: point")
                elif isinstance(step, str) and normalise_step(step) != BACKGROUND:
                    raise FormatError("a step other than background needs a 'point'", path=path, sample_id=video,
                                      field=where)
            if not isinstance(step, str):
                raise FormatError("the step must be a string", path=path, sample_id=video, field=where)
            videos.append(video)
            seconds.append(second)
            steps.append(normalise_step(step))
            points.append(point)
            has_point.append(task != "temporal" and "point" in value)
            keys.append((video, f"{where}: point"))
        if task == "spatio-temporal" and "tubes" in entry:
            has_tubes = True
            if not isinstance(entry["tubes"], list):
                raise FormatError("'tubes' must be an array", path=path, sample_id=video, field="tubes")
            for k, tube in enumerate(entry["tubes"]):
                where = f"tubes[{k}]"
                tube = require_dict(tube, path, "a tube", sample_id=video, field=where)
                if set(tube) != {"step", "score", "boxes"}:
                    raise FormatError("a tube has 'step', 'score' and 'boxes'", path=path, sample_id=video, field=where)
                if not isinstance(tube["step"], str):
                    raise FormatError("the step must be a string", path=path, sample_id=video, field=f"{where}.step")
                (score,) = require_numbers([tube["score"]], 1, path, video, f"{where}.score")
                index = len(tube_video)
                tube_video.append(video)
                tube_step.append(normalise_step(tube["step"]))
                tube_score.append(score)
                per_box = require_dict(tube["boxes"], path, "a tube's boxes", sample_id=video,
                                       field=f"{where}.boxes", keys_are="second")
                for second_key, box in per_box.items():
                    second = sample_key(second_key, path, f"{video}: second")
                    box_tube.append(index)
                    box_second.append(second)
                    box_xyxy.append(require_numbers(box, 4, path, video, f"{where}.boxes (second {second})"))
                    box_keys.append((video, f"{where}.boxes (second {second})"))
    points_array = np.array(points, dtype=np.float64).reshape(-1, 2)
    _finite(np.where(np.array(has_point, dtype=bool)[:, None], points_array, 0.0), keys, path)
    scores = np.array(tube_score, dtype=np.float64)
    _finite(scores, [(v, f"tubes of {v}: score") for v in tube_video], path)
    boxes = np.array(box_xyxy, dtype=np.float64).reshape(-1, 4)
    _finite(boxes, box_keys, path)
    return ActionPredictions(
        task=task,
        meta=meta,
        label_video=np.array(videos, dtype=str),
        label_second=np.array(seconds, dtype=np.int64),
        label_step=np.array(steps, dtype=str),
        label_point=points_array,
        tube_video=np.array(tube_video, dtype=str),
        tube_step=np.array(tube_step, dtype=str),
        tube_score=scores,
        tube_box_tube=np.array(box_tube, dtype=np.int64),
        tube_box_second=np.array(box_second, dtype=np.int64),
        tube_box_xyxy=boxes,
        has_tubes=has_tubes,
        videos=tuple(predictions),
    )


def read_action_grounding(data: bytes, path, sha256: str) -> ActionPredictions:
    """Read an ``stvg-bench/action-grounding`` document."""
    top = require_dict(loads_exact(data, path), path, "the file")
    dataset, split, task, method = _check_envelope(top, path)
    meta = PredictionMeta(format="stvg-bench", dataset=dataset, split=split, method=method, source=str(path),
                          sha256=sha256)
    predictions = require_dict(top["predictions"], path, "'predictions'", keys_are="sample id")
    if task == "spatial":
        return _spatial(predictions, path, meta)
    return _labels(predictions, path, meta, task)


def read_gyt_clicks(data: bytes, path, sha256: str, dataset: ActionDataset) -> ActionPredictions:
    """GroundingYouTube's aggregated clicks as spatial predictions (the human baseline).

    Each entry ``{image_url, x, y, mean_dist}`` names its frame by the URL's last
    two parts, ``<video>/<video>_<second>_<step with underscores>.jpg``. A query
    (video, second) gets the click whose normalised step is the step of its
    box; entries with null coordinates, for another step, or for no query are
    left out: those queries are missing predictions.
    """
    if dataset is None or dataset.name != "groundingyoutube":
        raise OptionError("gyt-clicks are matched to boxes by step: pass --dataset groundingyoutube --annotations DIR")
    entries = loads_exact(data, path)
    if not isinstance(entries, list):
        raise FormatError("expected a JSON array of clicks", path=path)
    gt = dataset.gt
    queries = gt.queries
    wanted = {
        (str(gt.video_ids[v]), int(s)): gt.steps[c]
        for v, s, c in zip(queries.group.tolist(), queries.second.tolist(), queries.step.tolist())
    }
    chosen: dict[tuple[str, int], tuple[float, float]] = {}
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("image_url"), str):
            raise FormatError("each click needs an 'image_url'", path=path, sample_id=f"entry {k}")
        folder, name = entry["image_url"].rsplit("/", 2)[-2:]
        stem = name.rsplit(".", 1)[0]
        if not stem.startswith(folder + "_"):
            raise FormatError(f"cannot read video and second from {entry['image_url']!r}", path=path,
                              sample_id=f"entry {k}")
        second_text, _, step = stem[len(folder) + 1 :].partition("_")
        if not second_text.isdigit():
            raise FormatError(f"cannot read the second from {entry['image_url']!r}", path=path,
                              sample_id=f"entry {k}")
        key = (folder, int(second_text))
        x, y = entry.get("x"), entry.get("y")
        if x is None or y is None or wanted.get(key) != normalise_step(step):
            continue
        chosen[key] = tuple(require_numbers([x, y], 2, path, f"entry {k}", "x, y"))
    by_video: dict[str, dict[str, dict]] = {}
    for (video, second), point in chosen.items():
        by_video.setdefault(video, {})[str(second)] = {"point": list(point)}
    meta = PredictionMeta(format="gyt-clicks", dataset="groundingyoutube", split=dataset.split,
                          method={"name": "human (aggregated centre-point clicks)"}, source=str(path), sha256=sha256)
    return _spatial(by_video, path, meta)


def load_action_predictions(path, dataset: ActionDataset | None, format: str = "auto") -> ActionPredictions:
    """Read action-grounding predictions (``stvg-bench``) or clicks (``gyt-clicks``)."""
    path = Path(path)
    raw = read_raw(path)
    data = decompress(raw, path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if format == "auto":
        format = "gyt-clicks" if data.lstrip()[:1] == b"[" and b'"image_url"' in data[:4096] else "stvg-bench"
    if format == "gyt-clicks":
        return read_gyt_clicks(data, path, sha256, dataset)
    if format != "stvg-bench":
        raise OptionError(f"action-grounding predictions are read as stvg-bench or gyt-clicks, not {format!r}")
    return read_action_grounding(data, path, sha256)


def encode(predictions: ActionPredictions, dataset: ActionDataset | None) -> dict:
    """The ``stvg-bench/action-grounding`` document of ``predictions``."""
    body: dict = {}
    if predictions.task == "spatial":
        for k, (group, second, kind) in enumerate(
            zip(predictions.spatial_group.tolist(), predictions.spatial_second.tolist(),
                predictions.spatial_kind.tolist())
        ):
            if kind == POINT:
                value = {"point": predictions.spatial_point[k].tolist()}
            elif kind == BOX:
                value = {"box": predictions.spatial_box[k].tolist()}
            else:
                value = {"heatmap": predictions.heatmaps[k].tolist(),
                         "frame_size": predictions.heatmap_frame_size[k].tolist()}
            body.setdefault(group, {})[str(second)] = value
    else:
        for video in predictions.videos:
            body[video] = {} if predictions.task == "temporal" else {"seconds": {}}
        for video, second, step, point in zip(predictions.label_video.tolist(), predictions.label_second.tolist(),
                                              predictions.label_step.tolist(), predictions.label_point.tolist()):
            if predictions.task == "temporal":
                body[video][str(second)] = step
            else:
                value = {"step": step}
                if not np.isnan(point).any():
                    value["point"] = point
                body[video]["seconds"][str(second)] = value
        if predictions.has_tubes:
            for video in predictions.videos:
                body[video]["tubes"] = []
            for k, (video, step, score) in enumerate(zip(predictions.tube_video.tolist(),
                                                         predictions.tube_step.tolist(),
                                                         predictions.tube_score.tolist())):
                rows = predictions.tube_box_tube == k
                boxes = dict(zip(map(str, predictions.tube_box_second[rows].tolist()),
                                 predictions.tube_box_xyxy[rows].tolist()))
                body[video]["tubes"].append({"step": step, "score": score, "boxes": boxes})
    meta = predictions.meta
    return {
        "format": FORMAT,
        "version": VERSION,
        "dataset": dataset.name if dataset is not None else meta.dataset,
        "split": dataset.split if dataset is not None else meta.split,
        "task": predictions.task,
        "method": meta.method,
        "predictions": body,
    }


def write_action_predictions(predictions: ActionPredictions, path, dataset: ActionDataset | None = None) -> None:
    """Write ``predictions`` as ``stvg-bench/action-grounding`` JSON (gzip for ``.gz``), atomically."""
    payload = dumps_pretty(encode(predictions, dataset))
    if Path(path).suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    atomic.write_bytes(path, payload)
