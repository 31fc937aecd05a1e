"""The staging Parquet file, and what every format shares to fill it.

``Sink`` writes the rows (Python rows gathered into chunks, or cleaned Arrow columns) with
``_row``, the standard columns, ``_extra``, ``_parse_error`` and ``_numeric_columns``;
``header_report`` and ``staged`` describe the result. Also here: the cell cleaning of the
Arrow paths (whitespace stripped, empty cells null, blank rows dropped, row numbers),
numbers written without an exponent, compact JSON, and ``ahead``, which reads in a
background thread while the caller writes.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zhijian.warehouse.readers.headers import HeaderReport, Layout

ROW = "_row"
EXTRA = "_extra"
PARSE_ERROR = "_parse_error"
NUMERIC = "_numeric_columns"

CHUNK_ROWS = 100_000
# The largest cell accepted, in UTF-8 bytes: far above any field of the standard (a
# 判决主文 runs to a few thousand characters), far below what would strain a check. A
# larger cell rejects its row, not the file; the quarantine keeps its first characters.
MAX_CELL_BYTES = 32 * 1024
EXCERPT_CHARS = 100
NUL_CELL = "“{column}”列含有空字符（NUL，0x00），可能混入了二进制内容，本行未导入"
LARGE_CELL = (
    "“{column}”列的内容有 {size:,} 字节，超过单元格上限 32 KiB（{limit:,} 字节），本行未导入；"
    "请检查该单元格是否误粘贴了大段内容，删减后重新导入本行"
)
COMPRESSION = "lz4"  # LZ4_RAW: the fastest to write, and DuckDB reads it
# Control characters other than \t \n \r, which the vectorized JSON escaping leaves alone.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
# What str.strip strips (every character whose isspace() is true), so the Arrow and
# Python paths agree; utf8_trim with the set spelled out is faster than
# utf8_trim_whitespace, which strips the same characters.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class StagedFile:
    path: Path  # the staging Parquet file written
    rows: int  # data rows read (= rows received)
    header: HeaderReport
    numeric_cells: dict[str, int]  # per column: cells stored as numbers (Excel, float Parquet)


def header_report(
    layout: Layout,
    sink: Sink,
    header_row: int,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> HeaderReport:
    headerless = [
        layout.keys[i]
        for i in layout.extra_positions
        if layout.keys[i] not in layout.unknown and layout.keys[i] in sink.extra_used
    ]
    return HeaderReport(
        mapped=dict(layout.mapped),
        unknown=[*layout.unknown, *headerless],
        missing_required=[],
        header_row=header_row,
        sheet=sheet,
        encoding=encoding,
        delimiter=delimiter,
    )


def staged(path: Path, sink: Sink, report: HeaderReport) -> StagedFile:
    return StagedFile(path, sink.rows, report, dict(sink.numeric_cells))


# ------------------------------------------------------------------------------- sink


class Sink:
    """Writes staged rows to the Parquet file: Arrow batches as they come, Python rows
    gathered into chunks. Every chunk written is reported to ``progress``."""

    def __init__(self, path: Path, layout: Layout, progress: Progress) -> None:
        self.layout = layout
        self.schema = pa.schema(
            [
                (ROW, pa.int64()),
                *[(name, pa.string()) for name in layout.columns],
                (EXTRA, pa.string()),
                (PARSE_ERROR, pa.string()),
                (NUMERIC, pa.string()),
            ]
        )
        self.rows = 0
        self.extra_used: set[str] = set()
        self.numeric_cells: dict[str, int] = {}
        self._progress = progress
        self._buffer: list[list[Any]] = []
        self._lanes: list[list[Any] | None] = []
        self._new_buffer()
        # Dictionary encoding and statistics cost almost half the write; the file is read
        # once, whole, by the validator, which needs neither.
        self._writer = pq.ParquetWriter(
            str(path),
            self.schema,
            compression=COMPRESSION,
            use_dictionary=False,
            write_statistics=False,
        )

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *failure: object) -> None:
        if failure[0] is None:
            self._flush()
        self._writer.close()

    def add(
        self,
        row: int,
        cells: Sequence[str | None],
        *,
        error: str | None = None,
        more: dict[str, Any] | None = None,
        numeric: Sequence[str] = (),
    ) -> None:
        """One row; ``cells`` are the file's columns in order (stripped, None if empty),
        ``more`` goes into ``_extra`` besides the cells of unknown columns. The Excel,
        JSON Lines and csv-module paths come through here for every row."""
        width = self.layout.width
        if len(cells) < width:
            cells = [*cells, *[None] * (width - len(cells))]
        problems = self._cell_problems(cells)
        if problems:
            cells, error, more = self._without_bad_cells(cells, problems, error, more)
        buffer = self._buffer
        buffer[0].append(row)
        extra: dict[str, Any] = {}
        for lane, key, cell in zip(self._lanes, self.layout.keys, cells, strict=False):
            if lane is not None:
                lane.append(cell)
            elif cell is not None:
                extra[key] = cell
        if extra:
            self.extra_used.update(extra)
        if more:
            extra.update(more)
        buffer[-3].append(compact_json(extra) if extra else None)
        buffer[-2].append(error)
        buffer[-1].append(",".join(numeric) if numeric else None)
        for name in numeric:
            self.numeric_cells[name] = self.numeric_cells.get(name, 0) + 1
        if len(buffer[0]) >= CHUNK_ROWS:
            self._flush()

    def _column_name(self, position: int) -> str:
        return self.layout.targets[position] or self.layout.keys[position]

    def _cell_problems(self, cells: Sequence[str | None]) -> dict[int, str]:
        """Position → why the cell rejects its row: a NUL character, or over the limit."""
        problems: dict[int, str] = {}
        for position, cell in enumerate(cells):
            if cell is None:
                continue
            if len(cell) * 4 > MAX_CELL_BYTES and len(cell.encode()) > MAX_CELL_BYTES:
                problems[position] = cell_too_large(self._column_name(position), cell)
            elif "\0" in cell:
                problems[position] = NUL_CELL.format(column=self._column_name(position))
        return problems

    def _without_bad_cells(
        self,
        cells: Sequence[str | None],
        problems: dict[int, str],
        error: str | None,
        more: dict[str, Any] | None,
    ) -> tuple[list[str | None], str, dict[str, Any]]:
        """The row's cells with the bad ones left out (their excerpts in ``_cells``)."""
        reasons = [error] if error else []
        reasons += list(problems.values())
        excerpts = {self._column_name(i): excerpt(cells[i] or "") for i in problems}
        kept = [None if i in problems else cell for i, cell in enumerate(cells)]
        return kept, "；".join(reasons), {**(more or {}), "_cells": excerpts}

    def _new_buffer(self) -> None:
        """Empty column lists, and per file column the list its cells go to (None: to
        ``_extra``)."""
        self._buffer = [[] for _ in self.schema]
        lane = {name: self._buffer[i] for i, name in enumerate(self.layout.columns, start=1)}
        self._lanes = [lane[t] if t else None for t in self.layout.targets]

    def _flush(self) -> None:
        if self._buffer[0]:
            arrays = [pa.array(v, f.type) for v, f in zip(self._buffer, self.schema, strict=True)]
            self._new_buffer()
            self._write(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def write_columns(
        self,
        rows: Any,
        columns: Sequence[Any],
        numeric: Sequence[int] = (),
        *,
        check_nul: bool = True,
    ) -> None:
        """A batch of cleaned file columns (Arrow string arrays, one per file column);
        ``numeric`` are the positions whose cells were stored as numbers. A cell over the
        size limit, or holding NUL (unless the caller checked the bytes already), rejects
        its row."""
        self._flush()  # keep the Python rows before this batch in file order
        bad = _bad_cells(columns, check_nul)
        if bad:
            self._write_rows_of(rows, columns, bad)
            keep = pc.invert(_any(list(bad.values()), len(rows)))
            rows = rows.filter(keep)
            columns = [column.filter(keep) for column in columns]
            if not len(rows):
                return
        layout = self.layout
        pairs = [(layout.keys[i], columns[i]) for i in layout.extra_positions]
        self.extra_used.update(k for k, values in pairs if values.null_count < len(values))
        flags: list[tuple[str, Any]] = []
        for i in numeric:
            name, values = layout.targets[i], columns[i]
            assert name is not None
            count = len(values) - values.null_count
            if count:
                self.numeric_cells[name] = self.numeric_cells.get(name, 0) + count
                flags.append((name, values))
        arrays = [
            rows,
            *[columns[layout.position(name)] for name in layout.columns],
            _extra_json(pairs, len(rows)),
            pa.nulls(len(rows), pa.string()),
            _numeric_list(flags, len(rows)),
        ]
        self._write(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def _write_rows_of(self, rows: Any, columns: Sequence[Any], bad: dict[int, Any]) -> None:
        """The rows holding a bad cell, through ``add`` (which rejects them), ahead of
        the rest of their batch; rare, so Python is fine."""
        hit = _any(list(bad.values()), len(rows))
        numbers = rows.filter(hit).to_pylist()
        cells = [column.filter(hit).to_pylist() for column in columns]
        for index, number in enumerate(numbers):
            self.add(number, [values[index] for values in cells])
        self._flush()

    def _write(self, batch: Any) -> None:
        for start in range(0, batch.num_rows, CHUNK_ROWS):
            chunk = batch.slice(start, CHUNK_ROWS)
            self._writer.write_batch(chunk)
            self.rows += chunk.num_rows
            self._progress(self.rows)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def ahead(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """``items`` computed in a background thread, at most ``depth`` ahead of the consumer.
    pyarrow releases the GIL while it parses and computes, so reading and writing use
    both cores. An error in the thread is raised here; stopping early stops the thread."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            put(_Failed(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's own finally: closes its files

    worker = threading.Thread(target=run, name="zhijian-reader", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()
        worker.join()


def cell_too_large(column: str, cell: str) -> str:
    return LARGE_CELL.format(column=column, size=len(cell.encode()), limit=MAX_CELL_BYTES)


def excerpt(cell: str) -> str:
    """The first characters of a cell, for the quarantine; NUL shown as \\x00."""
    shown = cell[:EXCERPT_CHARS].replace("\0", "\\x00")
    return shown + "…" if len(cell) > EXCERPT_CHARS else shown


def _bad_cells(columns: Sequence[Any], check_nul: bool) -> dict[int, Any]:
    """Position → mask of the cells over the size limit or (with ``check_nul``) holding
    NUL, for the columns that have any."""
    bad = {}
    for position, column in enumerate(columns):
        if column.null_count == len(column):
            continue
        lengths = pc.binary_length(column)
        mask = None
        if (pc.max(lengths).as_py() or 0) > MAX_CELL_BYTES:
            mask = pc.fill_null(pc.greater(lengths, MAX_CELL_BYTES), False)
        if check_nul and pc.any(pc.match_substring(column, "\0")).as_py():
            nul = pc.fill_null(pc.match_substring(column, "\0"), False)
            mask = nul if mask is None else pc.or_(mask, nul)
        if mask is not None:
            bad[position] = mask
    return bad


def _any(masks: list[Any], count: int) -> Any:
    combined = pa.array([False] * count) if not masks else masks[0]
    for mask in masks[1:]:
        combined = pc.or_(combined, mask)
    return combined


def compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------- arrow helpers


def clean(column: Any) -> Any:
    """Surrounding whitespace stripped (the characters ``str.strip`` strips), and an
    empty cell null."""
    trimmed = pc.utf8_trim(column, WHITESPACE)
    empty = pc.equal(pc.binary_length(trimmed), 0)
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def ramp(count: int, first: int) -> Any:
    """first, first + 1, … as int64, built without a Python loop."""
    ones = pa.nulls(count, pa.int64()).fill_null(1)
    return pc.add(pc.cumulative_sum(ones), first - 1)


def _keep(columns: Sequence[Any]) -> Any:
    """The mask of rows with any value, or None when every row has one."""
    if not columns or any(c.null_count == 0 for c in columns):
        return None
    mask = pc.is_valid(columns[0])
    for column in columns[1:]:
        mask = pc.or_(mask, pc.is_valid(column))
    return None if pc.all(mask).as_py() else mask


def kept_rows(rows: Any, columns: list[Any]) -> tuple[Any, list[Any]] | None:
    """The rows with any value; blank rows only count in the numbering."""
    keep = _keep(columns)
    if keep is not None:
        columns = [column.filter(keep) for column in columns]
        rows = rows.filter(keep)
    return (rows, columns) if len(rows) else None


def _join_pieces(pieces: Sequence[Any], count: int, opening: str, closing: str) -> Any:
    """Per row, the non-null pieces (each starting with a comma) joined, wrapped in
    ``opening`` and ``closing``; null where every piece is null. (``binary_join_element_wise``
    with ``null_handling="skip"`` would do this, but in pyarrow 26 it drops rows where
    every input is null, so nulls become empty strings first.)"""
    if not pieces:
        return pa.nulls(count, pa.string())
    filled = [pc.fill_null(piece, "") for piece in pieces]
    joined = pc.binary_join_element_wise(*filled, "") if len(filled) > 1 else filled[0]
    body = pc.utf8_slice_codeunits(joined, 1)
    wrapped = pc.binary_join_element_wise(opening, body, closing, "")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), wrapped)


def _json_strings(values: Any) -> Any:
    """Each value as a JSON string literal, exactly as ``json.dumps`` writes it."""
    if pc.any(pc.match_substring_regex(values, CONTROL_CHARS)).as_py():
        return pa.array(
            [None if v is None else compact_json(v) for v in values.to_pylist()], pa.string()
        )
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        values = pc.replace_substring(values, char, escape)
    return pc.binary_join_element_wise('"', values, '"', "")


def _extra_json(pairs: Sequence[tuple[str, Any]], count: int) -> Any:
    pieces = [
        pc.binary_join_element_wise(f",{compact_json(key)}:", _json_strings(values), "")
        for key, values in pairs
        if values.null_count < len(values)
    ]
    return _join_pieces(pieces, count, "{", "}")


def _numeric_list(flags: Sequence[tuple[str, Any]], count: int) -> Any:
    null = pa.scalar(None, pa.string())
    pieces = [pc.if_else(pc.is_valid(values), f",{name}", null) for name, values in flags]
    return _join_pieces(pieces, count, "", "")


def plain_number(text: str) -> str:
    """A number without an exponent: 3.70102199003071e+17 -> 370102199003071000."""
    if "e" not in text and "E" not in text:
        return text
    try:
        return format(Decimal(text), "f")
    except ArithmeticError:
        return text
