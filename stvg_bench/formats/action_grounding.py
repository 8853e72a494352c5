"""The canonical action-grounding document, ``stvg-bench/action-grounding`` version 1.

Schema: ``schemas/action-grounding-v1.schema.json``. One envelope
(``format``, ``version``, ``dataset``, ``split``, ``task``, ``method``) and
three task layouts:

* ``spatial``: ``{group: {second: {"point": [x, y]} | {"box": [x1, y1, x2, y2]}
  | {"heatmap": [[...], ...], "frame_size": [width, height]}}}``, the group
  being a video id (GroundingYouTube) or a segment id (YouCook2-Interactions);
* ``temporal``: ``{video: {second: step}}``, absent seconds are background;
* ``spatio-temporal``: ``{video: {"seconds": {second: {"step": s, "point": [x, y]}},
  "tubes": [{"step": s, "score": p, "boxes": {second: [x1, y1, x2, y2]}}]}}``.

Seconds are integers (inclusive segments, docs/METRICS.md §3). These files are
small, so they are read with the exact (duplicate-keeping) decoder only.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from ..core.errors import FormatError, InvalidValueError, quote
from ..core.geometry import MAX_COORDINATE
from ..core.jsonio import dumps_pretty
from ..data.actions import BACKGROUND, BOX, HEATMAP, POINT, ActionPredictions, normalise_step
from ..data.tubes import PredictionMeta
from ..datasets.base import MAX_FRAME_SIDE
from .base import JsonPredictionFormat, require_dict, require_numbers, require_text, sample_key, sniff_after
from .envelope import ACTION_PREDICTIONS, check_envelope, provenance


class ActionDocument(JsonPredictionFormat):
    """Reads and writes :class:`~stvg_bench.data.actions.ActionPredictions` as the canonical document."""

    name = "stvg-bench"
    document = ACTION_PREDICTIONS

    def sniff(self, data: bytes) -> bool:
        return sniff_after(data, b'"format"', rb'"format"\s*:\s*"stvg-bench/action-grounding"')

    def read_fast(self, data, path, sha256, dataset):
        return None  # small files: the exact decoder names every problem

    def read_exact(self, parsed, path, sha256, dataset) -> ActionPredictions:
        top = require_dict(parsed, path, "the file")
        envelope = check_envelope(self.document, top, path)
        if "predictions" not in top:
            raise FormatError("missing 'predictions'", path=path)
        meta = PredictionMeta(**provenance(envelope, path, sha256, self.name))
        predictions = require_dict(top["predictions"], path, "'predictions'", keys_are="sample id")
        if envelope.task == "spatial":
            return spatial_predictions(predictions, path, meta)
        return label_predictions(predictions, path, meta, envelope.task)

    def encode(self, predictions: ActionPredictions, dataset) -> bytes:
        return dumps_pretty(document(predictions, dataset))


def _finite(values: np.ndarray, keys: list[tuple[str, str]], path, bound: float = np.inf) -> None:
    """Refuse NaN / infinite values (and, given ``bound``, values beyond ±bound), naming the video (or group)
    and field of the first."""
    if not len(values):
        return
    rows = values.reshape(len(values), -1)
    bad = ~np.isfinite(rows).all(axis=1)
    if bad.any():
        video, where = keys[int(np.argmax(bad))]
        raise InvalidValueError("NaN or infinite value", path=path, sample_id=video, field=where)
    huge = (np.abs(rows) > bound).any(axis=1)
    if huge.any():
        video, where = keys[int(np.argmax(huge))]
        raise InvalidValueError(f"coordinate out of range (beyond ±{bound:.0e} pixels)", path=path,
                                sample_id=video, field=where)


def spatial_predictions(predictions: dict, path, meta) -> ActionPredictions:
    """Spatial rows from ``{group: {second: entry}}``, every value checked."""
    groups, seconds, kinds, points, boxes, grids, sizes, keys = [], [], [], [], [], [], [], []
    for group, per_second in predictions.items():
        require_text(group, path, "a query group id")
        per_second = require_dict(per_second, path, "a query group", sample_id=group, keys_are="second")
        for second_key, entry in per_second.items():
            second = sample_key(second_key, path, "second", sample_id=group)
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
                if not all(1 <= v <= MAX_FRAME_SIDE and int(v) == v for v in size):  # NaN, inf fail the range
                    raise FormatError(f"frame_size must be two integers [width, height] in 1-{MAX_FRAME_SIDE:,}",
                                      path=path, sample_id=group, field=f"{where}: frame_size")
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
    _finite(np.where(kinds_array[:, None] == POINT, points_array, 0.0), keys, path, MAX_COORDINATE)
    _finite(np.where(kinds_array[:, None] == BOX, boxes_array, 0.0), keys, path, MAX_COORDINATE)
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
    if not set(map(type, chain.from_iterable(value))) <= _NUMBERS:  # bools, strings, null: name the culprit
        for row in value:
            require_numbers(row, width, path, group, where)
    try:
        grid = np.array(value, dtype=np.float64)
    except OverflowError:
        raise InvalidValueError("a heatmap value is too large for a float", path=path, sample_id=group,
                                field=where) from None
    if (grid < 0).any():
        raise InvalidValueError("negative heatmap value (a heatmap is a non-negative map: shift or clip it)",
                                path=path, sample_id=group, field=where)
    return grid


_NUMBERS = {int, float}


def label_predictions(predictions: dict, path, meta, task: str) -> ActionPredictions:
    """Label rows (and tubes) of the temporal and spatio-temporal layouts, every value checked."""
    videos, seconds, steps, points, keys, has_point = [], [], [], [], [], []
    tube_video, tube_step, tube_score, box_tube, box_second, box_xyxy, box_keys = [], [], [], [], [], [], []
    has_tubes = False
    for video, entry in predictions.items():
        require_text(video, path, "a video id")
        entry = require_dict(entry, path, "a video prediction", sample_id=video,
                             keys_are="second" if task == "temporal" else None)
        per_second = entry if task == "temporal" else entry.get("seconds", {})
        if task == "spatio-temporal":
            extra = set(entry) - {"seconds", "tubes"}
            if extra:
                raise FormatError(f"unknown field {quote(min(extra))} (a video has 'seconds' and 'tubes')",
                                  path=path, sample_id=video)
            per_second = require_dict(per_second, path, "'seconds'", sample_id=video, field="seconds",
                                      keys_are="second")
        for second_key, value in per_second.items():
            second = sample_key(second_key, path, "second", sample_id=video)
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
            steps.append(normalise_step(require_text(step, path, "a step", video, where)))
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
                tube_step.append(normalise_step(require_text(tube["step"], path, "a step", video, f"{where}.step")))
                tube_score.append(score)
                per_box = require_dict(tube["boxes"], path, "a tube's boxes", sample_id=video,
                                       field=f"{where}.boxes", keys_are="second")
                for second_key, box in per_box.items():
                    second = sample_key(second_key, path, "second", sample_id=video)
                    box_tube.append(index)
                    box_second.append(second)
                    box_xyxy.append(require_numbers(box, 4, path, video, f"{where}.boxes (second {second})"))
                    box_keys.append((video, f"{where}.boxes (second {second})"))
    points_array = np.array(points, dtype=np.float64).reshape(-1, 2)
    pointed = np.array(has_point, dtype=bool)[:, None]
    _finite(np.where(pointed, points_array, 0.0), keys, path, MAX_COORDINATE)
    scores = np.array(tube_score, dtype=np.float64)
    _finite(scores, [(v, f"tubes of {v}: score") for v in tube_video], path)
    boxes = np.array(box_xyxy, dtype=np.float64).reshape(-1, 4)
    _finite(boxes, box_keys, path, MAX_COORDINATE)
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


def document(predictions: ActionPredictions, dataset) -> dict:
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
        "format": ACTION_PREDICTIONS.format,
        "version": ACTION_PREDICTIONS.version,
        "dataset": dataset.name if dataset is not None else meta.dataset,
        "split": dataset.split if dataset is not None else meta.split,
        "task": predictions.task,
        "method": meta.method,
        "predictions": body,
    }


FORMAT = ActionDocument()
