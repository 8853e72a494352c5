"""The canonical ``stvg-bench/predictions`` format, version 1.

::

    {"format": "stvg-bench/predictions", "version": 1,
     "dataset": "vidstg", "split": "test", "method": {...free metadata...},
     "predictions": {"<sample_id>": {"segment": [start, end_exclusive],
                                     "boxes": {"<frame>": [x1, y1, x2, y2], ...}}}}

JSON Schema: ``schemas/predictions-v1.schema.json`` (it checks the envelope;
per-value checks run vectorised on the arrays).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from itertools import chain

import msgspec
import numpy as np

from ..core.errors import FormatError
from ..core.ids import parse_ids
from ..core.jsonio import check_no_duplicates, gc_paused, loads_exact
from ..data.tubes import Predictions
from ..datasets.base import Dataset
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

FORMAT = "stvg-bench/predictions"
VERSION = 1
ENVELOPE_KEYS = ("format", "version", "dataset", "split", "predictions")


class _Entry(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    segment: tuple[float, float]
    boxes: dict[str, tuple[float, float, float, float]]


class _File(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    format: str
    version: int
    dataset: str
    split: str
    predictions: dict[str, _Entry]
    method: msgspec.Raw = msgspec.Raw(b"{}")


_DECODER = msgspec.json.Decoder(_File)


@cache
def schema() -> dict:
    """The JSON Schema of the format (packaged with stvg-bench)."""
    text = resources.files("stvg_bench.formats").joinpath("schemas/predictions-v1.schema.json").read_text()
    return json.loads(text)


def check_envelope(envelope: dict, path) -> tuple[str, str, dict]:
    """Check the envelope (everything but the predictions); return dataset, split and method.

    The format name and version are checked first so that a file of another
    format or version gets a plain message; jsonschema checks the rest.
    """
    if envelope.get("format") != FORMAT:
        raise FormatError(
            f"not an stvg-bench prediction file (format is {envelope.get('format')!r})", path=path
        )
    version = envelope.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise FormatError(
            f"unknown format version {version!r} (this stvg-bench reads version {VERSION})", path=path
        )
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors({**envelope, "predictions": {}}))
    if error is not None:
        field = ".".join(str(p) for p in error.absolute_path) or None
        raise FormatError(error.message, path=path, field=field)
    return envelope["dataset"], envelope["split"], envelope.get("method", {})


class CanonicalFormat(JsonPredictionFormat):
    name = "stvg-bench"
    description = "stvg-bench/predictions v1 (JSON, optionally .json.gz)"

    def sniff(self, data: bytes) -> bool:
        return sniff_after(data, b'"format"', rb'"format"\s*:\s*"stvg-bench/predictions"')

    def read_fast(self, data, path, sha256, dataset) -> Predictions | None:
        try:
            with gc_paused():
                parsed = _DECODER.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        method_raw = bytes(parsed.method)
        keys = ENVELOPE_KEYS + (("method",) if b'"method"' in data else ())
        if escapes_outside(data, method_raw) or not keys_written_once(data, keys):
            return None
        entries = list(parsed.predictions.values())
        n_boxes = np.fromiter((len(e.boxes) for e in entries), dtype=np.int64, count=len(entries))
        decoded = (
            2
            + 3 * len(entries)
            + int(n_boxes.sum())
            + (containers_in(method_raw) if b'"method"' in data else 0)
        )
        if containers_in(data) != decoded:
            return None
        sample_ids = parse_ids(list(parsed.predictions))
        frames = parse_ids(list(chain.from_iterable(e.boxes for e in entries)))
        if sample_ids is None or frames is None:
            return None
        method = loads_exact(method_raw, path) if b'"method"' in data else {}
        envelope = {
            "format": parsed.format,
            "version": parsed.version,
            "dataset": parsed.dataset,
            "split": parsed.split,
            "method": method,
        }
        dataset_name, split, method = check_envelope(envelope, path)
        check_no_duplicates_deep(method, path)
        boxes = np.array(list(chain.from_iterable(e.boxes.values() for e in entries)), dtype=np.float64)
        return Predictions.from_arrays(
            sample_ids=sample_ids,
            segments=np.array([e.segment for e in entries], dtype=np.float64).reshape(-1, 2),
            box_sample_ids=np.repeat(sample_ids, n_boxes),
            box_frames=frames,
            boxes=boxes.reshape(-1, 4),
            method=method,
            dataset=dataset_name,
            split=split,
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def read_exact(self, parsed, path, sha256, dataset) -> Predictions:
        top = require_dict(parsed, path, "the file")
        envelope = {k: v for k, v in top.items() if k != "predictions"}
        envelope["predictions"] = {}
        dataset_name, split, method = check_envelope(envelope, path)
        check_no_duplicates_deep(method, path)
        if "predictions" not in top:
            raise FormatError("missing 'predictions'", path=path)
        predictions = require_dict(top["predictions"], path, "'predictions'", keys_are="sample id")
        sample_ids, segments, box_ids, frames, boxes = [], [], [], [], []
        for key, entry in predictions.items():
            sample = sample_key(key, path)
            entry = require_dict(entry, path, "a prediction", sample_id=key)
            for missing in {"segment", "boxes"} - entry.keys():
                raise FormatError(f"missing '{missing}'", path=path, sample_id=key)
            for extra in entry.keys() - {"segment", "boxes"}:
                raise FormatError(
                    f"unknown field {extra!r} (a prediction has 'segment' and 'boxes')",
                    path=path,
                    sample_id=key,
                )
            sample_ids.append(sample)
            segments.append(require_numbers(entry["segment"], 2, path, key, "segment"))
            boxes_of_sample = require_dict(
                entry["boxes"], path, "'boxes'", sample_id=key, field="boxes", keys_are="frame"
            )
            for frame_key, box in boxes_of_sample.items():
                frame = sample_key(frame_key, path, what=f"sample {key}: frame id")
                box_ids.append(sample)
                frames.append(frame)
                boxes.append(require_numbers(box, 4, path, key, f"boxes (frame {frame})"))
        return Predictions.from_arrays(
            sample_ids=np.array(sample_ids, dtype=np.int64),
            segments=np.array(segments, dtype=np.float64).reshape(-1, 2),
            box_sample_ids=np.array(box_ids, dtype=np.int64),
            box_frames=np.array(frames, dtype=np.int64),
            boxes=np.array(boxes, dtype=np.float64).reshape(-1, 4),
            method=method,
            dataset=dataset_name,
            split=split,
            source=str(path),
            sha256=sha256,
            format=self.name,
        )

    def describe_position(self, data, offset):
        def sample(key: str, opener: bytes):
            return (int(key), None) if key.isdigit() and opener == b"{" else None

        return innermost(data, offset, sample)

    def encode(self, predictions: Predictions, dataset: Dataset | None) -> bytes:
        return msgspec.json.encode(canonical_document(predictions, dataset))


def canonical_document(predictions: Predictions, dataset: Dataset | None) -> dict:
    """The canonical JSON document of ``predictions`` as Python objects."""
    dataset_name = dataset.name if dataset is not None else predictions.meta.dataset
    split = dataset.split if dataset is not None else predictions.meta.split
    if dataset_name is None or split is None:
        raise FormatError("the canonical format names its dataset and split: pass --dataset (and --split)")
    bounds = np.searchsorted(predictions.box_sample_id, predictions.segment_sample_id, side="left")
    ends = np.searchsorted(predictions.box_sample_id, predictions.segment_sample_id, side="right")
    frames = predictions.box_frame.tolist()
    boxes = predictions.box_xyxy.tolist()
    entries = {}
    for sample, start, end, lo, hi in zip(
        predictions.segment_sample_id.tolist(),
        predictions.segment_start_frame.tolist(),
        predictions.segment_end_frame.tolist(),
        bounds.tolist(),
        ends.tolist(),
    ):
        entries[str(sample)] = {
            "segment": [start, end],
            "boxes": dict(zip(map(str, frames[lo:hi]), boxes[lo:hi])),
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "dataset": dataset_name,
        "split": split,
        "method": predictions.meta.method,
        "predictions": entries,
    }


def check_no_duplicates_deep(value: object, path) -> None:
    """Refuse duplicate keys anywhere inside free metadata."""
    if isinstance(value, dict):
        check_no_duplicates(value, path, "key in 'method'")
        for item in value.values():
            check_no_duplicates_deep(item, path)
    elif isinstance(value, list):
        for item in value:
            check_no_duplicates_deep(item, path)


FORMAT_OBJECT = CanonicalFormat()
