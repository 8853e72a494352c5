"""The canonical ``stvg-bench`` format: the project's own JSON document for each data-model family.

The ``format`` field of a document says which it is: ``stvg-bench/predictions``
(tubes, below) or ``stvg-bench/action-grounding`` (actions,
:mod:`stvg_bench.formats.action_grounding`). Tube documents, version 1::

    {"format": "stvg-bench/predictions", "version": 1,
     "dataset": "vidstg", "split": "test", "method": {...free metadata...},
     "predictions": {"<sample_id>": {"segment": [start, end_exclusive],
                                     "boxes": {"<frame>": [x1, y1, x2, y2], ...}}}}

Segments are half-open ``[start, end_exclusive)`` frame ids; boxes ``[x1, y1,
x2, y2]`` in pixels of the original frame, keyed by 0-based frame id. JSON
Schema: ``schemas/predictions-v1.schema.json``; the envelope is checked by
:mod:`stvg_bench.formats.envelope`, per-value checks run vectorised on the arrays.
"""

from __future__ import annotations

from itertools import chain

import msgspec
import numpy as np

from ..core.errors import FormatError, quote
from ..core.ids import is_decimal, parse_ids
from ..core.jsonio import check_no_duplicates, gc_paused, loads_exact
from ..data.tubes import Predictions
from .base import (
    JsonPredictionFormat,
    PredictionFormat,
    containers_in,
    escapes_outside,
    innermost,
    keys_written_once,
    read_document,
    require_dict,
    require_numbers,
    sample_key,
    sniff_after,
)
from .envelope import TUBE_PREDICTIONS, check_envelope, provenance

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


class TubeDocument(JsonPredictionFormat):
    """Reads and writes tube :class:`~stvg_bench.data.tubes.Predictions` as the canonical document."""

    name = "stvg-bench"
    document = TUBE_PREDICTIONS

    def sniff(self, data: bytes) -> bool:
        return sniff_after(data, b'"format"', rb'"format"\s*:\s*"stvg-bench/predictions"')

    def read_fast(self, data, path, sha256, dataset) -> Predictions | None:
        try:
            with gc_paused():
                parsed = _DECODER.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # the exact path names it
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
        envelope = check_envelope(self.document, {
            "format": parsed.format,
            "version": parsed.version,
            "dataset": parsed.dataset,
            "split": parsed.split,
            "method": method,
        }, path)
        check_no_duplicates_deep(method, path)
        boxes = np.array(list(chain.from_iterable(e.boxes.values() for e in entries)), dtype=np.float64)
        return Predictions.from_arrays(
            sample_ids=sample_ids,
            segments=np.array([e.segment for e in entries], dtype=np.float64).reshape(-1, 2),
            box_sample_ids=np.repeat(sample_ids, n_boxes),
            box_frames=frames,
            boxes=boxes.reshape(-1, 4),
            **provenance(envelope, path, sha256, self.name),
        )

    def read_exact(self, parsed, path, sha256, dataset) -> Predictions:
        top = require_dict(parsed, path, "the file")
        envelope = check_envelope(self.document, top, path)
        check_no_duplicates_deep(envelope.method, path)
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
                    f"unknown field {quote(extra)} (a prediction has 'segment' and 'boxes')",
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
            **provenance(envelope, path, sha256, self.name),
        )

    def describe_position(self, data, offset):
        def sample(key: str, opener: bytes):
            return (int(key), None) if is_decimal(key) and opener == b"{" else None

        return innermost(data, offset, sample)

    def encode(self, predictions: Predictions, dataset) -> bytes:
        return msgspec.json.encode(canonical_document(predictions, dataset))


def canonical_document(predictions: Predictions, dataset) -> dict:
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
        "format": TUBE_PREDICTIONS.format,
        "version": TUBE_PREDICTIONS.version,
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


class CanonicalFormat(PredictionFormat):
    """``stvg-bench``: one format name for the canonical document of either family.

    A file is read by the document type its ``format`` field names (or, when it
    names none, the one of the dataset's family); predictions are written as the
    document of their own family.
    """

    name = "stvg-bench"

    def __init__(self, documents: dict[str, JsonPredictionFormat]) -> None:
        self.documents = documents

    def _for_data(self, data: bytes, dataset) -> JsonPredictionFormat:
        for document in self.documents.values():
            if document.sniff(data):
                return document
        return self.documents[dataset.family if dataset is not None else "tubes"]

    def sniff(self, data: bytes) -> bool:
        return any(document.sniff(data) for document in self.documents.values())

    def read(self, path, dataset):
        data, sha256 = read_document(path)
        return self.read_bytes(data, path, sha256, dataset)

    def read_bytes(self, data, path, sha256, dataset):
        return self._for_data(data, dataset).read_bytes(data, path, sha256, dataset)

    def write(self, predictions, path, dataset) -> None:
        self.documents[predictions.family].write(predictions, path, dataset)


def _documents() -> dict[str, JsonPredictionFormat]:
    from .action_grounding import FORMAT as ACTION_DOCUMENT

    return {"tubes": TubeDocument(), "actions": ACTION_DOCUMENT}


FORMAT = CanonicalFormat(_documents())
