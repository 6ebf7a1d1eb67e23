"""Parquet io for the pipeline's tables: vector columns as fixed-size float32 lists, metadata as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import PipelineError
from pipeline.store.atomic import atomic_path

META_KEY = b"zssar"


def write_table(
    path: str | os.PathLike[str],
    columns: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write columns (1-D arrays or lists; 2-D float arrays become fixed-size vector columns) atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays, names = [], []
    for name, values in columns.items():
        arr = np.asarray(values) if not isinstance(values, list) else values
        if isinstance(arr, np.ndarray) and arr.ndim == 2:
            flat = pa.array(np.ascontiguousarray(arr, dtype=np.float32).reshape(-1))
            arrays.append(pa.FixedSizeListArray.from_arrays(flat, arr.shape[1]))
        else:
            arrays.append(pa.array(arr))
        names.append(name)
    table = pa.Table.from_arrays(arrays, names=names)
    table = table.replace_schema_metadata({META_KEY: json.dumps(metadata or {}, default=str).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_table(
    path: str | os.PathLike[str],
    exclude: tuple[str, ...] = (),
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a table written by `write_table`: vector columns come back as 2-D float32 arrays. Columns in
    `exclude` are not read at all (a large column a caller does not need costs neither time nor memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        names = [n for n in pq.read_schema(path).names if n not in exclude]
        table = pq.read_table(path, columns=names)
    except (OSError, pa.ArrowInvalid) as exc:
        raise PipelineError(f"{path}: not a readable Parquet file: {exc}") from None
    out: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_fixed_size_list(col.type):
            out[name] = col.values.to_numpy(zero_copy_only=False).reshape(len(col), col.type.list_size)
        elif pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            out[name] = (
                np.stack([np.asarray(v, dtype=np.float32) for v in col.to_pylist()])
                if len(col)
                else np.zeros((0, 0), np.float32)
            )
        else:
            out[name] = col.to_numpy(zero_copy_only=False)
    raw = (table.schema.metadata or {}).get(META_KEY, b"{}")
    return out, json.loads(raw)
