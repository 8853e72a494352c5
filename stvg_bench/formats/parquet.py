"""A columnar container of the canonical format, for large submissions.

A directory holding::

    boxes.parquet     sample_id, frame, x1, y1, x2, y2
    segments.parquet  sample_id, start, end_exclusive

with the canonical envelope (``format``, ``version``, ``dataset``, ``split``,
``method``) as JSON under the Parquet key-value metadata key ``stvg-bench``
of both files. Its sha256 is that of the two files' sha256 digests
concatenated (boxes first).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np

from ..core import atomic
from ..core.errors import FormatError, InputFileError, InvalidValueError
from ..core.jsonio import max_input_bytes, too_large
from ..data.tubes import Predictions
from .base import PredictionFormat
from .envelope import TUBE_PREDICTIONS, check_envelope, provenance

METADATA_KEY = b"stvg-bench"
BOX_COLUMNS = ("sample_id", "frame", "x1", "y1", "x2", "y2")
SEGMENT_COLUMNS = ("sample_id", "start", "end_exclusive")


def _read_table(path: Path, columns: tuple[str, ...]):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        mode = os.stat(path)
    except FileNotFoundError:
        raise InputFileError("missing from the Parquet container", path=path) from None
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if not stat.S_ISREG(mode.st_mode):
        raise InputFileError("not a regular file", path=path)
    if mode.st_size > max_input_bytes():
        raise too_large(path, "holds")
    try:
        parquet = pq.ParquetFile(path)  # not pq.read_table: that imports the whole dataset API
        metadata = parquet.metadata
        if sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)) > max_input_bytes():
            raise too_large(path, "decompresses to")
        table = parquet.read()
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # a column name of invalid UTF-8
        raise InputFileError(f"not a readable Parquet file ({exc})", path=path) from None
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise FormatError(
            f"missing column(s) {', '.join(missing)} (expected {', '.join(columns)})", path=path
        )
    for name in columns:
        column = table.column(name)
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            raise FormatError(f"column {name} has type {kind}, expected numbers", path=path, field=name)
        if column.null_count:
            row = next(i for i, value in enumerate(column) if not value.is_valid)
            sample = table.column("sample_id")[row].as_py()
            raise InvalidValueError(f"null value in column {name}", path=path, sample_id=sample, field=name)
    return table


def column(table, name: str) -> np.ndarray:
    """A numeric column without nulls as a numpy array, read from the Arrow buffers.

    (``to_numpy`` would import pandas, which costs more than reading the file.)
    """
    import pyarrow as pa

    parts = []
    for chunk in table.column(name).chunks:
        kind = chunk.type
        code = "f" if pa.types.is_floating(kind) else "i" if pa.types.is_signed_integer(kind) else "u"
        dtype = np.dtype(f"{code}{kind.bit_width // 8}")
        parts.append(
            np.frombuffer(
                chunk.buffers()[1], dtype=dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize
            )
        )
    return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.zeros(0)


def _envelope(table, path: Path) -> dict:
    metadata = table.schema.metadata or {}
    if METADATA_KEY not in metadata:
        raise FormatError("no 'stvg-bench' key in the Parquet metadata", path=path)
    try:
        envelope = json.loads(metadata[METADATA_KEY])
    except ValueError as exc:
        raise FormatError(f"the 'stvg-bench' metadata is not JSON ({exc})", path=path) from None
    if not isinstance(envelope, dict):
        raise FormatError("the 'stvg-bench' metadata must be a JSON object", path=path)
    return envelope


class ParquetFormat(PredictionFormat):
    name = "parquet"

    def read(self, path: Path, dataset) -> Predictions:
        path = Path(path)
        if not path.is_dir():
            raise InputFileError("a Parquet container is a directory", path=path)
        boxes = _read_table(path / "boxes.parquet", BOX_COLUMNS)
        segments = _read_table(path / "segments.parquet", SEGMENT_COLUMNS)
        envelope = check_envelope(TUBE_PREDICTIONS, _envelope(segments, path), path)
        digest = hashlib.sha256()
        for name in ("boxes.parquet", "segments.parquet"):
            with open(path / name, "rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())

        return Predictions.from_arrays(
            sample_ids=column(segments, "sample_id"),
            segments=np.stack([column(segments, "start"), column(segments, "end_exclusive")], axis=1),
            box_sample_ids=column(boxes, "sample_id"),
            box_frames=column(boxes, "frame"),
            boxes=np.stack([column(boxes, c) for c in ("x1", "y1", "x2", "y2")], axis=1),
            **provenance(envelope, path, digest.hexdigest(), self.name),
        )

    def write(self, predictions: Predictions, path: Path, dataset) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        dataset_name = dataset.name if dataset is not None else predictions.meta.dataset
        split = dataset.split if dataset is not None else predictions.meta.split
        if dataset_name is None or split is None:
            raise FormatError(
                "the Parquet container names its dataset and split: pass --dataset (and --split)"
            )
        envelope = {
            "format": TUBE_PREDICTIONS.format,
            "version": TUBE_PREDICTIONS.version,
            "dataset": dataset_name,
            "split": split,
            "method": predictions.meta.method,
        }
        metadata = {METADATA_KEY: json.dumps(envelope).encode()}
        boxes = pa.table(
            {
                "sample_id": predictions.box_sample_id,
                "frame": predictions.box_frame,
                **{name: predictions.box_xyxy[:, k] for k, name in enumerate(("x1", "y1", "x2", "y2"))},
            }
        ).replace_schema_metadata(metadata)
        segments = pa.table(
            {
                "sample_id": predictions.segment_sample_id,
                "start": predictions.segment_start_frame,
                "end_exclusive": predictions.segment_end_frame,
            }
        ).replace_schema_metadata(metadata)
        with atomic.directory(path) as tmp:
            pq.write_table(boxes, tmp / "boxes.parquet")
            pq.write_table(segments, tmp / "segments.parquet")


FORMAT = ParquetFormat()
