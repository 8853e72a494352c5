"""Per-sample Parquet shards in a run directory: one file per finished sample, one row in it.

``<run dir>/shards/<position, 8 digits>.parquet`` holds a sample's output
(:mod:`baselines.outputs`: scalars as columns, arrays as list columns, boxes
and points as fixed-size lists) and, under the Parquet metadata key
``stvg-bench-shard``, its key: runner, runner version, parameters hash,
checkpoint sha256, dataset, split, sample id, position and the run key. A
shard is written to a temporary file and renamed, so a killed run leaves only
whole shards (the samples in flight are lost, nothing else).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from stvg_bench.core.errors import InputFileError

from ..outputs import OUTPUT_TYPES

METADATA_KEY = b"stvg-bench-shard"

# column -> (kind, width): "int" a scalar, "ints"/"int8s"/"floats"/"strings" a list, "rows" ("introws") a
# list of fixed-size float (int64) lists of that width.
COLUMNS: dict[str, dict[str, tuple[str, int]]] = {
    "tubes": {
        "segment_start_frame": ("int", 0), "segment_end_frame_exclusive": ("int", 0),
        "box_frame": ("ints", 0), "box_xyxy": ("rows", 4),
    },
    "actions": {
        "spatial_second": ("ints", 0), "spatial_kind": ("int8s", 0), "spatial_point": ("rows", 2),
        "spatial_box": ("rows", 4), "spatial_heatmap_shape": ("introws", 2),
        "spatial_heatmap_frame_size": ("introws", 2), "spatial_heatmap_values": ("floats", 0), "label_second": ("ints", 0), "label_step": ("strings", 0),
        "label_point": ("rows", 2), "tube_step": ("strings", 0), "tube_score": ("floats", 0),
        "tube_box_tube": ("ints", 0), "tube_box_second": ("ints", 0), "tube_box_xyxy": ("rows", 4),
    },
}
_VALUE_TYPES = {"ints": pa.int64(), "int8s": pa.int8(), "floats": pa.float64(), "strings": pa.string()}
_ROW_TYPES = {"rows": pa.float64(), "introws": pa.int64()}


def _type(kind: str, width: int) -> pa.DataType:
    if kind == "int":
        return pa.int64()
    if kind in _ROW_TYPES:
        return pa.list_(pa.list_(_ROW_TYPES[kind], width))
    return pa.list_(_VALUE_TYPES[kind])


def schema(family: str, sample_id_type: pa.DataType) -> pa.Schema:
    fields = [("sample_id", sample_id_type), ("position", pa.int64())]
    fields += [(name, _type(kind, width)) for name, (kind, width) in COLUMNS[family].items()]
    return pa.schema(fields)


def _column(value, kind: str, width: int) -> pa.Array:
    if kind == "int":
        return pa.array([int(value)], pa.int64())
    values = np.asarray(value)
    if kind in _ROW_TYPES:
        inner = pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1), _ROW_TYPES[kind]), width)
        n = len(values)
    else:
        inner = pa.array(values.tolist() if kind == "strings" else values, _VALUE_TYPES[kind])
        n = len(inner)
    return pa.ListArray.from_arrays(pa.array([0, n], pa.int32()), inner)


class ShardStore:
    """The shards of one run (``key``: the run-level fields every shard's metadata repeats)."""

    def __init__(self, run_dir: Path, family: str, key: dict) -> None:
        self.directory = Path(run_dir) / "shards"
        self.family = family
        self.key = key
        self.sample_id_type = pa.int64() if family == "tubes" else pa.string()
        self.schema = schema(family, self.sample_id_type)

    def path(self, position: int) -> Path:
        return self.directory / f"{position:08d}.parquet"

    def done(self) -> set[int]:
        """Positions with a finished shard (temporary files of a killed run are ignored)."""
        if not self.directory.is_dir():
            return set()
        return {int(p.stem) for p in self.directory.glob("*.parquet") if p.stem.isdigit()}

    def encode(self, sample, output) -> bytes:
        columns = [pa.array([sample.sample_id], self.sample_id_type), pa.array([sample.position], pa.int64())]
        columns += [_column(getattr(output, name), kind, width) for name, (kind, width) in COLUMNS[self.family].items()]
        metadata = {**self.key, "sample_id": sample.sample_id, "position": sample.position}
        table = pa.Table.from_arrays(columns, schema=self.schema.with_metadata({METADATA_KEY: json.dumps(metadata)}))
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="none", use_dictionary=False, write_statistics=False)
        return buffer.getvalue()

    def write(self, sample, output) -> None:
        if not isinstance(output, OUTPUT_TYPES[self.family]):
            raise TypeError(f"a {self.family} runner returned {type(output).__name__}")
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path(sample.position)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        tmp.write_bytes(self.encode(sample, output))
        os.replace(tmp, final)

    def read(self, samples: list) -> pa.Table:
        """The shards of ``samples`` as one table, in their order; each shard's key must be this run's."""
        tables = []
        for sample in samples:
            path = self.path(sample.position)
            try:
                table = pq.ParquetFile(path).read()
            except (OSError, pa.ArrowInvalid) as exc:
                raise InputFileError(f"damaged shard ({exc}): delete it and run again with --resume",
                                     path=path) from None
            key = json.loads(table.schema.metadata[METADATA_KEY])
            if key.get("run_key") != self.key["run_key"] or key.get("sample_id") != sample.sample_id:
                raise InputFileError(f"shard of another run or sample (run key {key.get('run_key')}, sample "
                                     f"{key.get('sample_id')}): use another --run-dir", path=path)
            tables.append(table.replace_schema_metadata(None))
        return pa.concat_tables(tables) if tables else self.schema.empty_table()


def columns(table: pa.Table, family: str) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Each output column as ``(values, lengths)``: scalars have no lengths; lists are flattened."""
    out: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    for name, (kind, width) in COLUMNS[family].items():
        column = table.column(name).combine_chunks()
        if kind == "int":
            out[name] = (column.to_numpy(), None)
            continue
        lengths = np.diff(column.offsets.to_numpy())
        values = column.flatten()
        if kind in _ROW_TYPES:
            array = values.flatten().to_numpy().reshape(-1, width)
        elif kind == "strings":
            array = np.asarray(values.to_pylist(), dtype=object)
        else:
            array = values.to_numpy()
        out[name] = (array, lengths)
    return out
