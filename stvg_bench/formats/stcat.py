"""STCAT's prediction layout, also CG-STVG's ``test_results.json``.

::

    {"predictions": {"<item_id>": {"<frame>": [[x1, y1, x2, y2], ...]}},
     "video_predictions": {"<item_id>": {"sted": [start, end], "qtype": ...}}}

``item_id`` is STCAT's numbering (VidSTG: captions first within an
annotation entry); it is mapped to sample ids by video and sentence, so
reading needs the dataset. Only the first box of a frame is scored; ``qtype``
(``declar``/``inter``) is ignored.
"""

from __future__ import annotations

from itertools import chain

import msgspec
import numpy as np

from ..core.errors import FormatError, OptionError, quote
from ..core.ids import is_decimal, parse_ids
from ..core.jsonio import gc_paused
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

QTYPE_NAMES = {"declarative": "declar", "interrogative": "inter"}


class _Video(msgspec.Struct, gc=False):
    sted: tuple[float, float]
    qtype: str | None = None


class _File(msgspec.Struct, gc=False):
    predictions: dict[str, dict[str, list[tuple[float, float, float, float]]]]
    video_predictions: dict[str, _Video]


_DECODER = msgspec.json.Decoder(_File)


def _require_dataset(dataset):
    if dataset is None:
        raise OptionError(
            "the stcat format numbers sentences its own way: pass --dataset (and --annotations)"
        )
    return dataset


class StcatFormat(JsonPredictionFormat):
    name = "stcat"

    def sniff(self, data: bytes) -> bool:
        return sniff_after(
            data, b'"predictions"', rb'"predictions"\s*:\s*\{\s*"\d+"\s*:\s*\{\s*(\}|"\d+"\s*:\s*\[)'
        )

    def read_fast(self, data, path, sha256, dataset) -> Predictions | None:
        dataset = _require_dataset(dataset)
        try:
            with gc_paused():
                parsed = _DECODER.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # the exact path names it
            return None
        if escapes_outside(data) or not keys_written_once(data, ("predictions", "video_predictions")):
            return None
        items = list(parsed.predictions.values())
        n_frames = np.fromiter((len(item) for item in items), dtype=np.int64, count=len(items))
        first_boxes = [
            boxes[0] if boxes else None for boxes in chain.from_iterable(i.values() for i in items)
        ]
        n_boxes = sum(len(b) for b in chain.from_iterable(i.values() for i in items))
        decoded = 3 + len(items) + int(n_frames.sum()) + n_boxes + 2 * len(parsed.video_predictions)
        if containers_in(data) != decoded or any(b is None for b in first_boxes):
            return None
        box_items = parse_ids(list(parsed.predictions))
        frames = parse_ids(list(chain.from_iterable(items)))
        video_items = parse_ids(list(parsed.video_predictions))
        if box_items is None or frames is None or video_items is None:
            return None
        return Predictions.from_arrays(
            sample_ids=dataset.sample_ids_from_stcat(video_items, str(path)),
            segments=np.array([v.sted for v in parsed.video_predictions.values()], dtype=np.float64).reshape(
                -1, 2
            ),
            box_sample_ids=np.repeat(dataset.sample_ids_from_stcat(box_items, str(path)), n_frames),
            box_frames=frames,
            boxes=np.array(first_boxes, dtype=np.float64).reshape(-1, 4),
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def read_exact(self, parsed, path, sha256, dataset) -> Predictions:
        dataset = _require_dataset(dataset)
        top = require_dict(parsed, path, "the file")
        for key in ("predictions", "video_predictions"):
            if key not in top:
                raise FormatError(f"missing {quote(key)} (not an STCAT prediction file)", path=path)
        items, segments = [], []
        videos = require_dict(top["video_predictions"], path, "'video_predictions'", keys_are="sample id")
        for key, video in videos.items():
            items.append(sample_key(key, path, "item id"))
            video = require_dict(video, path, "a video prediction", sample_id=f"item {key}")
            if "sted" not in video:
                raise FormatError("missing 'sted'", path=path, sample_id=f"item {key}")
            segments.append(require_numbers(video["sted"], 2, path, f"item {key}", "sted"))
        box_items, frames, boxes = [], [], []
        for key, per_frame in require_dict(
            top["predictions"], path, "'predictions'", keys_are="sample id"
        ).items():
            item = sample_key(key, path, "item id")
            per_frame = require_dict(
                per_frame, path, "a prediction", sample_id=f"item {key}", keys_are="frame"
            )
            for frame_key, frame_boxes in per_frame.items():
                frame = sample_key(frame_key, path, f"item {key}: frame id")
                field = f"boxes (frame {frame})"
                if not isinstance(frame_boxes, list) or not frame_boxes:
                    raise FormatError(
                        "expected a non-empty array of boxes", path=path, sample_id=f"item {key}", field=field
                    )
                for box in frame_boxes:
                    require_numbers(box, 4, path, f"item {key}", field)
                box_items.append(item)
                frames.append(frame)
                boxes.append(frame_boxes[0])
        return Predictions.from_arrays(
            sample_ids=dataset.sample_ids_from_stcat(np.array(items, dtype=np.int64), str(path)),
            segments=np.array(segments, dtype=np.float64).reshape(-1, 2),
            box_sample_ids=dataset.sample_ids_from_stcat(np.array(box_items, dtype=np.int64), str(path)),
            box_frames=np.array(frames, dtype=np.int64),
            boxes=np.array(boxes, dtype=np.float64).reshape(-1, 4),
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def describe_position(self, data, offset):
        def sample(key: str, opener: bytes):
            return (f"item {int(key)}", None) if is_decimal(key) and opener == b"{" else None

        return innermost(data, offset, sample)

    def encode(self, predictions: Predictions, dataset) -> bytes:
        dataset = _require_dataset(dataset)
        item_of = np.asarray(dataset.gt.stcat_item_id)
        qtype_of = np.asarray(dataset.gt.query_type_names, dtype=object)[np.asarray(dataset.gt.query_type)]
        per_item: dict[str, dict[str, list]] = {}
        for s, f, box in zip(
            item_of[predictions.box_sample_id].tolist(),
            predictions.box_frame.tolist(),
            predictions.box_xyxy.tolist(),
        ):
            per_item.setdefault(str(s), {})[str(f)] = [box]
        videos = {}
        for s, start, end in zip(
            predictions.segment_sample_id.tolist(),
            predictions.segment_start_frame.tolist(),
            predictions.segment_end_frame.tolist(),
        ):
            videos[str(int(item_of[s]))] = {
                "sted": [start, end],
                "qtype": QTYPE_NAMES.get(qtype_of[s], qtype_of[s]),
            }
        return msgspec.json.encode({"predictions": per_item, "video_predictions": videos})


FORMAT = StcatFormat()
