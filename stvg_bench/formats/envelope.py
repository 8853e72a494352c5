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

from ..core.errors import FormatError, quote

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
