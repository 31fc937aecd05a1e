"""Parquet files: the column names are the header; typed columns become text the way
the CSV and Excel paths write it, in batches read ahead in a background thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.headers import Matcher, numeric_positions
from zhijian.warehouse.readers.staging import (
    CHUNK_ROWS,
    Progress,
    Sink,
    StagedFile,
    ahead,
    clean,
    header_report,
    kept_rows,
    plain_number,
    ramp,
    staged,
)


def stage_parquet(source: Path, matcher: Matcher, target: Path, progress: Progress) -> StagedFile:
    try:
        parquet = pq.ParquetFile(str(source))
    except (pa.ArrowException, OSError) as error:
        raise WarehouseError(f"无法读取Parquet文件：{source.name}（{error}）") from None
    headers = list(parquet.schema_arrow.names)
    if matcher.hits(headers) < matcher.min_hits:
        raise matcher.no_columns()
    layout = matcher.layout(headers)
    # Only floating point loses digits: an ID in an int64 column is exact, and if it has
    # lost an X the validator's checksum finds it.
    numeric = [
        i
        for i in numeric_positions(matcher.dataset, layout)
        if pa.types.is_floating(parquet.schema_arrow.field(i).type)
    ]
    with Sink(target, layout, progress) as sink:
        for rows, columns in ahead(_parquet_batches(parquet)):
            sink.write_columns(rows, columns, numeric)
    return staged(target, sink, header_report(layout, sink, 1))


def _parquet_batches(parquet: Any) -> Iterator[tuple[Any, list[Any]]]:
    row = 2  # the column names are row 1
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
        columns = [clean(_arrow_text(column)) for column in batch.columns]
        kept = kept_rows(ramp(batch.num_rows, row), columns)
        if kept is not None:
            yield kept
        row += batch.num_rows


def _arrow_text(column: Any) -> Any:
    """A typed Parquet column as text, written the way the CSV and Excel paths write it."""
    kind = column.type
    types = pa.types
    if types.is_dictionary(kind):
        return _arrow_text(column.dictionary_decode())
    if types.is_string(kind) or types.is_large_string(kind):
        return column.cast(pa.string())
    if types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    if types.is_timestamp(kind):
        if kind.tz is not None:  # the standard's timestamps are Beijing time
            column = column.cast(pa.timestamp(kind.unit, tz="+08:00"))
        text = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
        return pc.replace_substring_regex(text, r"\.0+$", "")
    if types.is_time(kind):
        return pc.replace_substring_regex(column.cast(pa.string()), r"\.0+$", "")
    if types.is_floating(kind):
        return _float_text(column)
    if types.is_binary(kind) or types.is_large_binary(kind):
        try:
            return column.cast(pa.string())
        except pa.ArrowInvalid:
            raise WarehouseError("Parquet文件中有无法按 UTF-8 解码的二进制列") from None
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        # Nested values (lists, structs, maps) as JSON; rare enough for Python.
        values = column.to_pylist()
        return pa.array([None if v is None else _json_any(v) for v in values], pa.string())


def _float_text(column: Any) -> Any:
    """Shortest round-trip text, integral values without ``.0`` and never an exponent."""
    text = column.cast(pa.string())
    if not pc.any(pc.match_substring(text, "e")).as_py():
        return text
    return pa.array([None if t is None else plain_number(t) for t in text.to_pylist()])


def _json_any(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
