"""Where generated rows go: one file per dataset of the data standard, written as the
rows come so that memory stays bounded (the province's 100 million payments never sit
in memory at once).

Rows are added as columns (lists or Arrow/NumPy arrays) and cast to the standard's types;
a column the standard has and the caller did not give is written empty. Small additions
are buffered so that a Parquet file is not a heap of tiny row groups; the order rows are
added in is the order they are written in, which keeps the files byte-identical for a seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from zhijian.warehouse.standard import DATASETS, ColumnType, Dataset, arrow_type

FLUSH_ROWS = 200_000
CRIME_SEPARATOR = "；"


def file_schema(dataset: Dataset, file_format: str) -> pa.Schema:
    """The columns as written: the standard's types, except that a crime list is one
    ``；``-separated text (as agencies export it) and, in CSV, a timestamp is text in
    the standard's ``YYYY-MM-DD HH:MM:SS`` form."""
    fields = []
    for column in dataset.columns:
        kind = arrow_type(column)
        if column.type is ColumnType.TEXT_LIST or (
            column.type is ColumnType.TIMESTAMP and file_format == "csv"
        ):
            kind = pa.string()
        fields.append(pa.field(column.name, kind))
    return pa.schema(fields)


def money(cents: Any, present: Any = None) -> pa.Array:
    """Yuan with two decimals from integer cents, empty where ``present`` is false; the
    float in between is exact to the cent at these magnitudes and the cast rounds to the
    nearest cent."""
    values = np.asarray(cents, dtype=np.int64) / 100.0
    mask = None if present is None else ~np.asarray(present, dtype=bool)
    return pc.cast(pa.array(values, mask=mask), pa.decimal128(18, 2), safe=False)


class _Output:
    def __init__(self, path: Path, schema: pa.Schema, file_format: str) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._format = file_format
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: Any = None

    def add(self, table: pa.Table) -> None:
        self._buffer.append(table)
        self._buffered += table.num_rows
        self.rows += table.num_rows
        if self._buffered >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._buffer and self._writer is not None:
            return
        table = pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table()
        self._buffer, self._buffered = [], 0
        if self._writer is None:
            if self._format == "csv":
                options = pcsv.WriteOptions(quoting_style="needed")
                self._writer = pcsv.CSVWriter(str(self.path), self.schema, write_options=options)
            else:
                self._writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        if table.num_rows or self._format == "csv":
            self._writer.write_table(table)

    def close(self) -> None:
        self.flush()
        self._writer.close()


class Tables:
    """The open output files of one generation run."""

    def __init__(self, directory: Path, file_format: str) -> None:
        self.directory = directory
        self.format = file_format
        self._outputs: dict[str, _Output] = {}

    def add(self, name: str, columns: Mapping[str, Any]) -> int:
        """Append rows; returns the number of rows added."""
        dataset = DATASETS[name]
        output = self._output(name)
        lengths = {len(v) for v in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"{name}: columns of different lengths {lengths}")
        (length,) = lengths
        arrays = [
            _column(columns.get(field.name), field.type, length, column.type)
            for field, column in zip(output.schema, dataset.columns, strict=True)
        ]
        unknown = set(columns) - set(dataset.column_names)
        if unknown:
            raise ValueError(f"{name}: no such columns {sorted(unknown)}")
        output.add(pa.Table.from_arrays(arrays, schema=output.schema))
        return length

    def rows(self, name: str) -> int:
        output = self._outputs.get(name)
        return output.rows if output else 0

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.{self.format}"

    def close(self) -> dict[str, int]:
        """Write every dataset (an empty file with its header where nothing was added);
        returns the row count of each."""
        for name in DATASETS:
            self._output(name)
        for output in self._outputs.values():
            output.close()
        return {name: self._outputs[name].rows for name in DATASETS}

    def _output(self, name: str) -> _Output:
        if name not in self._outputs:
            schema = file_schema(DATASETS[name], self.format)
            self._outputs[name] = _Output(self.path(name), schema, self.format)
        return self._outputs[name]


def _column(values: Any, kind: pa.DataType, length: int, column_type: ColumnType) -> pa.Array:
    if values is None:
        return pa.nulls(length, kind)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if column_type is ColumnType.TEXT_LIST and isinstance(values, list):
        values = [CRIME_SEPARATOR.join(v) if isinstance(v, list | tuple) else v for v in values]
    if column_type is ColumnType.TIMESTAMP and pa.types.is_string(kind):
        stamps = values if isinstance(values, pa.Array) else pa.array(values, pa.timestamp("s"))
        return pc.strftime(stamps, format="%Y-%m-%d %H:%M:%S")
    if isinstance(values, pa.Array):
        return values if values.type == kind else values.cast(kind)
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":  # NaT is an empty date
            return pa.array(values, mask=np.isnat(values)).cast(kind)
        return pa.array(values).cast(kind)
    return pa.array(values, kind)


def optional(values: Any, present: Any) -> pa.Array:
    """``values`` where ``present`` is true, empty elsewhere."""
    return pa.array(np.asarray(values), mask=~np.asarray(present, dtype=bool))
