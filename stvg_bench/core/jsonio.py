"""Reading JSON submissions and annotations: bytes, gzip, and precise error positions.

Two decoders are used on purpose:

* the *fast* path (msgspec, typed) builds columnar arrays without creating a
  Python object per JSON value;
* the *exact* path (the standard library, with a hook that keeps duplicate
  keys) runs only when the fast path refuses a file, to name the sample and
  field at fault.
"""

from __future__ import annotations

import gc
import gzip
import json
import re
import zlib
from contextlib import contextmanager
from pathlib import Path

from .errors import FormatError, InputFileError

GZIP_MAGIC = b"\x1f\x8b"


DEFAULT_MAX_INPUT_MB = 4096
_limit = {"bytes": DEFAULT_MAX_INPUT_MB << 20}
CHUNK = 1 << 20


def set_max_input_mb(megabytes: float) -> None:
    """Cap the bytes read from any input file, and what a gzip stream may decompress to (``--max-input-mb``)."""
    from .errors import OptionError

    if not isinstance(megabytes, (int, float)) or not (0 < megabytes < float("inf")):
        raise OptionError(f"--max-input-mb must be a positive number, got {megabytes!r}")
    _limit["bytes"] = int(megabytes * (1 << 20))


def max_input_bytes() -> int:
    return _limit["bytes"]


def too_large(path, what: str) -> InputFileError:
    """The error of an input over the limit: ``what`` is "holds" (bytes stored) or "decompresses to"."""
    megabytes = _limit["bytes"] / (1 << 20)
    return InputFileError(f"{what} more than the input limit of {megabytes:g} MB (--max-input-mb raises it)",
                          path=path)


def read_raw(path: str | Path) -> bytes:
    """The bytes of ``path`` as stored (InputFileError if it cannot be read), read once, in chunks, up to the
    input limit: a pipe, a device or an endless stream is refused when it passes the limit."""
    path = Path(path)
    limit = _limit["bytes"]
    try:
        with open(path, "rb") as handle:
            chunks, size = [], 0
            while chunk := handle.read(min(CHUNK, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise too_large(path, "holds")
    except FileNotFoundError:
        raise InputFileError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputFileError("is a directory, expected a file", path=path) from None
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror or exc}", path=path) from None
    return b"".join(chunks)


def read_head(path: str | Path, size: int = 1 << 16) -> bytes:
    """The first ``size`` bytes of the (gunzipped) content of ``path``, to recognise its layout cheaply."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(size)
        if head[:2] == GZIP_MAGIC:
            with gzip.open(path, "rb") as handle:
                head = handle.read(size)
    except FileNotFoundError:
        raise InputFileError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputFileError("is a directory, expected a file", path=path) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputFileError(f"corrupt gzip stream ({exc})", path=path) from None
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if not head.strip():
        raise InputFileError("empty file", path=path)
    return head


def decompress(raw: bytes, path: str | Path) -> bytes:
    """``raw`` gunzipped when it is a gzip stream (every member), decompressing no more than the input limit;
    refuses corrupt gzip and empty content."""
    path = Path(path)
    data = raw
    if raw[:2] == GZIP_MAGIC:
        limit, parts, size, rest = _limit["bytes"], [], 0, raw
        try:
            while rest[:2] == GZIP_MAGIC:  # one member after another, as gzip.decompress reads them
                stream = zlib.decompressobj(wbits=31)
                pending = rest
                while pending and not stream.eof:
                    part = stream.decompress(pending, limit + 1 - size)
                    parts.append(part)
                    size += len(part)
                    if size > limit:
                        raise too_large(path, "decompresses to")
                    pending = stream.unconsumed_tail
                if not stream.eof:
                    raise InputFileError("corrupt gzip stream (truncated)", path=path)
                rest = stream.unused_data
        except zlib.error as exc:
            raise InputFileError(f"corrupt gzip stream ({exc})", path=path) from None
        if rest.strip(b"\0"):
            raise InputFileError("corrupt gzip stream (trailing garbage)", path=path)
        data = b"".join(parts)
    elif path.suffix == ".gz":
        raise InputFileError("named .gz but is not a gzip stream", path=path)
    if not data.strip():
        raise InputFileError("empty file", path=path)
    return data


def read_bytes(path: str | Path) -> bytes:
    """Content of ``path``, gunzipped when it is a gzip stream."""
    return decompress(read_raw(path), path)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a decoder allocates millions of acyclic objects.

    Without this, collections triggered by the allocations rescan the growing
    result again and again (about a third of the decode time on large files).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def line_column(data: bytes, byte_offset: int) -> str:
    """Describe a byte offset as ``line L, column C`` (both 1-based)."""
    byte_offset = max(0, min(byte_offset, len(data)))
    line = data.count(b"\n", 0, byte_offset) + 1
    line_start = data.rfind(b"\n", 0, byte_offset) + 1
    return f"line {line}, column {byte_offset - line_start + 1}"


_KEY_BEFORE = re.compile(rb'"([^"\\]{1,200})"\s*:\s*([\[{]?)')


def nearest_keys(data: bytes, byte_offset: int, window: int = 1 << 16) -> list[tuple[str, bytes]]:
    """Return the object keys written before ``byte_offset`` (nearest last), with the
    character that opens their value (``{``, ``[`` or empty for a scalar).

    Used only on the error path to say which sample a broken position belongs to.
    """
    start = max(0, byte_offset - window)
    chunk = data[start:byte_offset]
    return [(m.group(1).decode("utf-8", "replace"), m.group(2)) for m in _KEY_BEFORE.finditer(chunk)]


class DuplicateKeys(dict):
    """A decoded JSON object in which some keys occurred more than once."""

    def __init__(self, pairs: list[tuple[str, object]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


def _keep_duplicates(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]
    return DuplicateKeys(pairs, duplicates)


def check_no_duplicates(obj: object, path: str | Path, what: str = "key") -> None:
    """Raise FormatError if ``obj`` (a dict from :func:`loads_exact`) had duplicate keys."""
    if isinstance(obj, DuplicateKeys):
        raise FormatError(f"duplicate {what} {obj.duplicates[0]!r} in one JSON object", path=path)


def loads_exact(data: bytes, path: str | Path, describe_position=None) -> object:
    """Decode with the standard library, keeping a record of duplicate keys.

    NaN and Infinity literals are accepted here so that the value checks can
    name the sample that holds them. ``describe_position(data, offset)`` may add
    the sample and field a syntax error falls in.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"not UTF-8 text (byte {exc.start})", path=path, position=line_column(data, exc.start)
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_keep_duplicates)
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode("utf-8"))
        raise syntax_error(data, offset, exc.msg, path, describe_position) from None
    except RecursionError:
        raise InputFileError("JSON nested too deeply", path=path) from None


def syntax_error(data: bytes, offset: int, reason: str, path, describe_position=None):
    """Build the error for malformed JSON at ``offset``: truncated, or another syntax error."""
    stripped_end = len(data.rstrip())
    truncated = offset >= stripped_end
    message = "truncated JSON (the file ends inside a value)" if truncated else f"not valid JSON: {reason}"
    error = InputFileError(message, path=path, position=line_column(data, offset))
    if describe_position is not None:
        sample_id, field = describe_position(data, offset)
        error.sample_id, error.field = sample_id, field
    return error


def dumps_pretty(obj: object) -> bytes:
    """Serialise results and small metadata files: keys in insertion order, two-space indent, UTF-8."""
    return (json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n").encode()
