"""Errors raised for bad input.

Every error names what it can: the file, a position in it, the sample id and
the field. The CLI prints ``str(error)`` as one line and exits with
``error.exit_code`` (2); the Python API lets the exception propagate.
"""

from __future__ import annotations

from os import PathLike

QUOTE_LIMIT = 80


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters: messages never echo a whole hostile value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def _shown(value: object) -> str:
    """A sample id or field as text, quoted when it holds characters a terminal would not show as such."""
    text = str(value)
    if not text.isprintable():
        return quote(text)
    return text if len(text) <= QUOTE_LIMIT else f"{text[: QUOTE_LIMIT - 5]}...{text[-2:]}"


class StvgBenchError(Exception):
    """Bad input: a file, an option or a value the scorer refuses to guess about."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike | None = None,
        sample_id: object = None,
        field: str | None = None,
        position: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.sample_id = sample_id
        self.field = field
        self.position = position

    def with_path(self, path: str | PathLike) -> StvgBenchError:
        """Return this error, naming ``path`` if it did not name a file yet."""
        if self.path is None:
            self.path = path
        return self

    def context(self) -> list[str]:
        """What the error names between the file and the message, outermost first."""
        parts = []
        if self.position is not None:
            parts.append(self.position)
        if self.sample_id is not None:
            parts.append(f"sample {_shown(self.sample_id)}")
        if self.field is not None:
            parts.append(f"field {_shown(self.field)}")
        return parts

    def __str__(self) -> str:
        parts = [str(self.path)] if self.path is not None else []
        parts += [*self.context(), self.message]
        return ": ".join(" ".join(str(p).split()) for p in parts)


class InputFileError(StvgBenchError):
    """A file that cannot be read as what it claims to be: missing, empty, truncated, not JSON."""


class FormatError(StvgBenchError):
    """Well-formed JSON with the wrong structure: nesting, lengths, envelope, version."""


class InvalidValueError(StvgBenchError):
    """A value of the right shape that is not a usable number: NaN, inf, non-integral frame."""


class SampleIdError(StvgBenchError):
    """A sample id that is unknown, duplicated, or a required sample that is missing."""


class DatasetMismatchError(StvgBenchError):
    """A file that belongs to another dataset or split than the one being scored."""


class AnnotationError(StvgBenchError):
    """Ground-truth files that cannot be loaded (as opposed to defects that are reported)."""


class OptionError(StvgBenchError):
    """A command-line option or API argument with a value outside its domain."""
