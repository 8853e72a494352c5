"""What a prediction format provides, and the two-path JSON reading they share.

JSON formats are read twice over only when something is wrong:

1. the *fast* path decodes with msgspec into typed structs (no Python object
   per number that is not needed) and builds arrays in bulk. It accepts a file
   only when it can prove the typed decode lost nothing: no backslash escapes
   outside free metadata, every envelope key written once, and as many ``{``
   and ``[`` bytes in the file as objects and arrays decoded. A duplicate key
   drops a value, which always holds an object or array in these formats, so a
   duplicate always makes the counts differ.
2. otherwise the *exact* path decodes with the standard library, keeping
   duplicate keys, and walks the result to name the sample and field at fault
   (or, for a file that was merely unusual, to read it correctly).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from ..core import atomic
from ..core.errors import FormatError, InvalidValueError, SampleIdError, quote
from ..core.ids import is_decimal
from ..core.jsonio import DuplicateKeys, decompress, loads_exact, nearest_keys, read_raw


def read_document(path: Path) -> tuple[bytes, str]:
    """The (gunzipped) content of a prediction file and the sha256 of its bytes as stored."""
    raw = read_raw(path)
    return decompress(raw, path), hashlib.sha256(raw).hexdigest()


class PredictionFormat(ABC):
    """A named way of writing predictions down (registered in :data:`stvg_bench.registries.FORMATS`,
    with the data-model families it carries)."""

    name: str

    def sniff(self, data: bytes) -> bool:
        """True when ``data`` (a file's content) is in this format."""
        return False

    @abstractmethod
    def read(self, path: Path, dataset):
        """Read and validate the predictions stored at ``path``."""

    def read_bytes(self, data: bytes, path: Path, sha256: str, dataset):
        """Read predictions from a file's content (formats that are one document)."""
        raise FormatError(f"the {self.name} format is not a single document", path=path)

    @abstractmethod
    def write(self, predictions, path: Path, dataset) -> None:
        """Write ``predictions`` to ``path`` atomically (gzip when it ends in ``.gz``)."""


class JsonPredictionFormat(PredictionFormat):
    """A format stored as one JSON document (optionally gzip-compressed)."""

    def read(self, path: Path, dataset):
        data, sha256 = read_document(path)
        return self.read_bytes(data, path, sha256, dataset)

    def read_bytes(self, data: bytes, path: Path, sha256: str, dataset):
        """Fast path when it can vouch for the file, else the exact path."""
        fast = self.read_fast(data, path, sha256, dataset)
        if fast is not None:
            return fast
        parsed = loads_exact(data, path, self.describe_position)
        return self.read_exact(parsed, path, sha256, dataset)

    @abstractmethod
    def read_fast(self, data: bytes, path: Path, sha256: str, dataset):
        """Typed decode and bulk conversion, or None to defer to :meth:`read_exact`."""

    @abstractmethod
    def read_exact(self, parsed: object, path: Path, sha256: str, dataset):
        """Walk a standard-library decode, raising an error that names sample and field."""

    def describe_position(self, data: bytes, offset: int) -> tuple[object, str | None]:
        """The sample id and field a byte offset falls in, for syntax errors."""
        return None, None

    def write(self, predictions, path: Path, dataset) -> None:
        payload = self.encode(predictions, dataset)
        if Path(path).suffix == ".gz":
            payload = gzip.compress(payload, compresslevel=6, mtime=0)
        atomic.write_bytes(path, payload)

    @abstractmethod
    def encode(self, predictions, dataset) -> bytes:
        """The JSON bytes of ``predictions`` in this format."""


def sniff_after(data: bytes, anchor: bytes, pattern: bytes, window: int = 4096) -> bool:
    """True when ``pattern`` matches where some occurrence of the literal ``anchor`` starts.

    ``bytes.find`` locates candidates far faster than a regular expression scan.
    """
    compiled = re.compile(pattern)
    at = data.find(anchor)
    while at != -1:
        if compiled.match(data, at, at + window):
            return True
        at = data.find(anchor, at + 1)
    return False


def containers_in(data: bytes | memoryview) -> int:
    """Number of ``{`` and ``[`` bytes: objects and arrays, plus any inside strings."""
    data = bytes(data)
    return data.count(b"{") + data.count(b"[")


def keys_written_once(data: bytes, keys: tuple[str, ...]) -> bool:
    """True when each ``"key"`` occurs exactly once in ``data`` (as key or anywhere else)."""
    return all(data.count(b'"' + key.encode() + b'"') == 1 for key in keys)


def escapes_outside(data: bytes, *allowed: bytes | memoryview) -> bool:
    """True when ``data`` has backslashes outside the ``allowed`` slices of it."""
    return data.count(b"\\") != sum(bytes(a).count(b"\\") for a in allowed)


def require_dict(
    value: object, path, what: str, sample_id=None, field=None, keys_are: str | None = None
) -> dict:
    """``value`` as a dict, refusing other types and duplicate keys.

    ``keys_are`` names what the keys are (``"sample id"``, ``"frame"``) so that a
    duplicate is reported as that id; otherwise as a duplicate key of ``what``.
    """
    if not isinstance(value, dict):
        raise FormatError(
            f"{what} must be a JSON object, got {_json_type(value)}",
            path=path,
            sample_id=sample_id,
            field=field,
        )
    if isinstance(value, DuplicateKeys):
        duplicate = value.duplicates[0]
        if keys_are == "sample id":
            raise SampleIdError(
                "duplicate sample id (written twice in one JSON object)", path=path, sample_id=duplicate
            )
        if keys_are == "frame":
            raise SampleIdError(
                "frame given twice in one JSON object",
                path=path,
                sample_id=sample_id,
                field=f"boxes (frame {duplicate})",
            )
        raise FormatError(
            f"duplicate key {quote(duplicate)} in {what}", path=path, sample_id=sample_id, field=field
        )
    return value


def require_numbers(value: object, length: int, path, sample_id, field: str) -> list:
    """``value`` as a list of ``length`` JSON numbers (NaN allowed here; value checks come later)."""
    if not isinstance(value, list):
        raise FormatError(
            f"expected an array of {length} numbers, got {_json_type(value)}",
            path=path,
            sample_id=sample_id,
            field=field,
        )
    if len(value) != length:
        raise FormatError(
            f"expected {length} numbers, got {len(value)}", path=path, sample_id=sample_id, field=field
        )
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InvalidValueError(f"non-numeric value {quote(v)}", path=path, sample_id=sample_id, field=field)
    return value


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def require_text(value: str, path, what: str, sample_id=None, field: str | None = None) -> str:
    """``value`` unchanged, refusing control characters (NUL included): they are never stripped, since a
    stripped id would silently become another one."""
    if _CONTROL.search(value):
        raise FormatError(f"{what} {quote(value)} holds a control character", path=path, sample_id=sample_id,
                          field=field)
    return value


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number"


def sample_key(key: str, path, what: str = "sample id", sample_id=None) -> int:
    """A decimal JSON key as an integer id (``"007"`` is 7); ``sample_id`` names the sample (or video) the
    key is inside of, if any."""
    if not (is_decimal(key) and len(key) <= 18):
        raise SampleIdError(f"{what} {quote(key)} is not a non-negative decimal integer", path=path,
                            sample_id=sample_id)
    return int(key)


def innermost(
    data: bytes, offset: int, sample_pattern: Callable[[str, bytes], tuple[object, str | None] | None]
) -> tuple[object, str | None]:
    """Sample and field around ``offset``; ``sample_pattern(key, opener)`` spots a sample key
    and may name a field itself.

    Keys before the offset are read backwards: the nearest frame-like key
    (digits opening an array) or named field gives the field, the nearest
    sample-like key the sample.
    """
    field = None
    for key, opener in reversed(nearest_keys(data, offset)):
        found = sample_pattern(key, opener)
        if found is not None:
            sample, own_field = found
            return sample, own_field or field
        if field is None and is_decimal(key) and opener == b"[":
            field = f"boxes (frame {int(key)})"
        elif field is None and key in ("segment", "boxes", "sted"):
            field = key
    return None, field
