"""TubeDETR's prediction layout (what its ``main.py --eval`` saves).

::

    {"predictions": {"<video_id>_<frame>": {"boxes": [[x1, y1, x2, y2], ...]}},
     "video_predictions": {"<video_id>": {"sted": [start, end], "qtype": ...}}}

``video_id`` is the sample id. Only the first box of a frame is scored;
``qtype`` is ignored (query types come from the annotations).
"""

from __future__ import annotations

import re
from itertools import chain

import msgspec
import numpy as np

from ..core.errors import FormatError, SampleIdError, quote
from ..core.ids import is_decimal, parse_id_pairs, parse_ids
from ..core.jsonio import DuplicateKeys, gc_paused
from ..data.tubes import Predictions
from .base import (
    JsonPredictionFormat,
    containers_in,
    escapes_outside,
    innermost,
    keys_written_once,
    require_dict,
    require_numbers,
    sample_key,
    sniff_after,
)

_KEY = re.compile(r"([0-9]{1,18})_([0-9]{1,18})")


class _Frame(msgspec.Struct, gc=False):
    boxes: list[tuple[float, float, float, float]]


class _Video(msgspec.Struct, gc=False):
    sted: tuple[float, float]
    qtype: str | None = None


class _File(msgspec.Struct, gc=False):
    predictions: dict[str, _Frame]
    video_predictions: dict[str, _Video]


_DECODER = msgspec.json.Decoder(_File)


class TubedetrFormat(JsonPredictionFormat):
    name = "tubedetr"

    def sniff(self, data: bytes) -> bool:
        return sniff_after(
            data, b'"predictions"', rb'"predictions"\s*:\s*\{\s*(\}|"\d+_\d+"\s*:\s*\{\s*"boxes")'
        )

    def read_fast(self, data, path, sha256, dataset) -> Predictions | None:
        if escapes_outside(data) or not keys_written_once(data, ("predictions", "video_predictions")):
            return None
        with gc_paused():  # until the decoded objects are gone, so no collection walks them
            try:
                parsed = _DECODER.decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # the exact path names it
                return None
            columns = _columns(parsed, containers_in(data))
            del parsed
        if columns is None:
            return None
        sample_ids, segments, frame_ids, boxes = columns
        return Predictions.from_arrays(
            sample_ids=sample_ids,
            segments=segments,
            box_sample_ids=frame_ids[:, 0],
            box_frames=frame_ids[:, 1],
            boxes=boxes,
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def read_exact(self, parsed, path, sha256, dataset) -> Predictions:
        top = require_dict(parsed, path, "the file")
        for key in ("predictions", "video_predictions"):
            if key not in top:
                raise FormatError(f"missing {quote(key)} (not a TubeDETR prediction file)", path=path)
        sample_ids, segments = [], []
        videos = require_dict(top["video_predictions"], path, "'video_predictions'", keys_are="sample id")
        for key, video in videos.items():
            sample_ids.append(sample_key(key, path))
            video = require_dict(video, path, "a video prediction", sample_id=key)
            if "sted" not in video:
                raise FormatError("missing 'sted'", path=path, sample_id=key)
            segments.append(require_numbers(video["sted"], 2, path, key, "sted"))
        box_ids, frames, boxes = [], [], []
        if isinstance(top["predictions"], DuplicateKeys):
            duplicate = top["predictions"].duplicates[0]
            match = _KEY.fullmatch(duplicate)
            raise SampleIdError(
                "frame given twice in one JSON object",
                path=path,
                sample_id=int(match.group(1)) if match else duplicate,
                field=f"boxes (frame {int(match.group(2))})" if match else "predictions",
            )
        for key, frame in require_dict(top["predictions"], path, "'predictions'").items():
            match = _KEY.fullmatch(key)
            if match is None:
                raise FormatError(f"key {quote(key)} is not '<video_id>_<frame>'", path=path, field="predictions")
            sample, frame_id = int(match.group(1)), int(match.group(2))
            field = f"boxes (frame {frame_id})"
            frame = require_dict(frame, path, "a frame prediction", sample_id=sample, field=field)
            if not isinstance(frame.get("boxes"), list) or not frame["boxes"]:
                raise FormatError(
                    "'boxes' must be a non-empty array of boxes", path=path, sample_id=sample, field=field
                )
            for box in frame["boxes"]:
                require_numbers(box, 4, path, sample, field)
            box_ids.append(sample)
            frames.append(frame_id)
            boxes.append(frame["boxes"][0])
        return Predictions.from_arrays(
            sample_ids=np.array(sample_ids, dtype=np.int64),
            segments=np.array(segments, dtype=np.float64).reshape(-1, 2),
            box_sample_ids=np.array(box_ids, dtype=np.int64),
            box_frames=np.array(frames, dtype=np.int64),
            boxes=np.array(boxes, dtype=np.float64).reshape(-1, 4),
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def describe_position(self, data, offset):
        def sample(key: str, opener: bytes):
            match = _KEY.fullmatch(key)
            if match and opener == b"{":
                return int(match.group(1)), f"boxes (frame {int(match.group(2))})"
            if is_decimal(key) and opener == b"{":
                return int(key), "sted"
            return None

        return innermost(data, offset, sample)

    def encode(self, predictions: Predictions, dataset) -> bytes:
        qtypes = _qtype_names(predictions, dataset)
        boxes = {
            f"{s}_{f}": {"boxes": [box]}
            for s, f, box in zip(
                predictions.box_sample_id.tolist(),
                predictions.box_frame.tolist(),
                predictions.box_xyxy.tolist(),
            )
        }
        videos = {}
        for s, start, end, qtype in zip(
            predictions.segment_sample_id.tolist(),
            predictions.segment_start_frame.tolist(),
            predictions.segment_end_frame.tolist(),
            qtypes,
        ):
            videos[str(s)] = {"sted": [start, end], "qtype": qtype}
        return msgspec.json.encode({"predictions": boxes, "video_predictions": videos})


def _columns(parsed: _File, containers: int):
    """Arrays of a typed decode, or None when the decode may have lost something (see base)."""
    frames = list(parsed.predictions.values())
    videos = parsed.video_predictions
    try:
        boxes = np.fromiter(
            chain.from_iterable(f.boxes[0] for f in frames), dtype=np.float64, count=4 * len(frames)
        )
    except IndexError:  # an empty box list: the exact path names it
        return None
    # Every frame holds an object, a list and at least one box: 3 containers, or more with extra boxes.
    if containers != 3 + 3 * len(frames) + 2 * len(videos):
        n_boxes = sum(len(f.boxes) for f in frames)
        if containers != 3 + 2 * len(frames) + n_boxes + 2 * len(videos):
            return None
    frame_ids = parse_id_pairs(list(parsed.predictions))
    sample_ids = parse_ids(list(videos))
    if frame_ids is None or sample_ids is None:
        return None
    segments = np.array([v.sted for v in videos.values()], dtype=np.float64).reshape(-1, 2)
    return sample_ids, segments, frame_ids, boxes.reshape(-1, 4)


def _qtype_names(predictions: Predictions, dataset) -> list[str | None]:
    """Query type of each predicted sample, when the dataset is known (informative only)."""
    if dataset is None:
        return [None] * predictions.n_samples
    names = np.asarray(dataset.gt.query_type_names, dtype=object)
    known = predictions.segment_sample_id < dataset.n_samples
    codes = np.asarray(dataset.gt.query_type)[np.where(known, predictions.segment_sample_id, 0)]
    return [n if k else None for n, k in zip(names[codes].tolist(), known.tolist())]


FORMAT = TubedetrFormat()
