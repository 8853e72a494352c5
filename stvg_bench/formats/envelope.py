"""The envelope of stvg-bench's own prediction documents, checked in one place for every family.

An envelope is everything but the predictions: ``format``, ``version``,
``dataset``, ``split``, ``method`` (free metadata) and, for action grounding,
``task``. The published JSON Schemas (``schemas/*.schema.json``) describe whole
documents for other tools; here the envelope is validated with msgspec types
that say the same (a test checks that both accept and refuse the same
envelopes), because importing a JSON Schema validator costs more than reading
most prediction files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec

from ..core.errors import FormatError, StvgBenchError, quote

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class TubeEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    version: int
    dataset: NonEmpty
    split: NonEmpty
    method: dict = {}


class ActionEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    version: int
    dataset: NonEmpty
    split: NonEmpty
    task: Literal["spatial", "temporal", "spatio-temporal"]
    method: dict = {}


@dataclass(frozen=True)
class DocumentType:
    """One kind of stvg-bench document: its ``format`` value, the version this stvg-bench reads, its envelope."""

    format: str
    version: int
    envelope: type
    what: str


TUBE_PREDICTIONS = DocumentType("stvg-bench/predictions", 1, TubeEnvelope, "stvg-bench prediction file")
ACTION_PREDICTIONS = DocumentType("stvg-bench/action-grounding", 1, ActionEnvelope,
                                  "action-grounding prediction file")


def check_envelope(document: DocumentType, envelope: dict, path):
    """Check the envelope of a parsed document (its ``predictions`` are not looked at) and return it as
    ``document.envelope``.

    The format name and version are checked first, so that a file of another
    format or version gets a plain message.
    """
    if envelope.get("format") != document.format:
        raise FormatError(f"not an {document.what} (format is {quote(envelope.get('format'))})", path=path)
    version = envelope.get("version")
    if isinstance(version, bool) or version != document.version:
        raise FormatError(f"unknown format version {quote(version)} (this stvg-bench reads version {document.version})",
                          path=path)
    try:
        return msgspec.convert({k: v for k, v in envelope.items() if k != "predictions"}, document.envelope)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        raise FormatError(message, path=path, field=where.rstrip("`").split(".")[0] or None) from None


def provenance(envelope, path, sha256: str, format: str) -> dict:
    """What a checked envelope says about the predictions, as keyword arguments of ``Predictions.from_arrays``
    (and of :class:`~stvg_bench.data.tubes.PredictionMeta`)."""
    return {"method": envelope.method, "dataset": envelope.dataset, "split": envelope.split, "source": str(path),
            "sha256": sha256, "format": format}


def declared_split(path) -> str | None:
    """The ``split`` an stvg-bench prediction file declares, read from its first 64 KiB (the envelope comes
    before the predictions in files stvg-bench writes) or, for a Parquet container, from its metadata; None
    when it cannot be seen that cheaply. Pipes are never peeked at: they can be read once only."""
    import json
    import os

    from ..core.jsonio import read_head

    path = os.fspath(path)
    try:
        if os.path.isdir(path):
            import pyarrow.parquet as pq

            metadata = pq.read_schema(os.path.join(path, "segments.parquet")).metadata or {}
            envelope = json.loads(metadata.get(b"stvg-bench", b"{}"))
            split = envelope.get("split") if isinstance(envelope, dict) else None
            return split if isinstance(split, str) else None
        if not os.path.isfile(path):
            return None
        return _top_level_string(read_head(path).decode("utf-8", errors="replace"), "split")
    except (OSError, ValueError, RecursionError, StvgBenchError):  # a failed peek infers nothing: the read
        return None  # reports what is wrong with the file


def _top_level_string(text: str, key: str) -> str | None:
    """The string value of ``key`` in the JSON object ``text`` starts (possibly truncated), if it comes before
    a value that does not fit in ``text``."""
    import json

    decoder = json.JSONDecoder()
    position = text.find("{") + 1
    if position == 0 or text[:position - 1].strip():
        return None
    try:
        return _scan_for(text, key, decoder, position)
    except ValueError:  # truncated before the key
        return None


def _scan_for(text: str, key: str, decoder, position: int) -> str | None:
    while True:
        position = len(text) - len(text[position:].lstrip(" \t\r\n,"))
        name, position = decoder.raw_decode(text, position)
        position = len(text) - len(text[position:].lstrip(" \t\r\n"))
        if text[position : position + 1] != ":":
            return None
        position = len(text) - len(text[position + 1 :].lstrip(" \t\r\n"))
        value, position = decoder.raw_decode(text, position)
        if name == key:
            return value if isinstance(value, str) else None
