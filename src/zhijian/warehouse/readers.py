"""Reading an agency's file into a staging Parquet file of text columns.

Agencies send Excel workbooks with their own headers, CSV exports in GBK, Parquet dumps
and JSON Lines. The reader's only job is to get every cell out faithfully, as text, with
the row it came from; validation (``validate.py``) then runs SQL over the staging file.
Nothing the sender sent is dropped: cells under headers the standard does not know go to
``_extra``, rows that cannot be split into the header's columns are kept with a
``_parse_error`` the validator rejects them with.

The staging file has ``_row`` (int64), one string column per standard column the file
has (dataset order), then three strings, usually null:

- ``_extra``: a JSON object of the cells under unknown headers (a cell under a blank
  header as "第N列"), plus ``_overflow`` (CSV fields beyond the header) or ``_raw`` (a
  JSON Lines line that is not an object);
- ``_parse_error``: why the row could not be split into the header's columns;
- ``_numeric_columns``: the columns, comma-separated, whose cell was stored as a number
  where the standard expects text, a date or a code (an ID number typed into an Excel
  number cell has lost its final X or its last digits).

``_row`` is the row number a user would look up in the source: in a spreadsheet, the
sheet's row number; in CSV, the record's ordinal counting the header and any title and
blank rows above it, as a spreadsheet program opening the file shows it (a quoted value
spanning lines is one row, so this can differ from a text editor's line number); in
Parquet, the record index + 2 (the header is row 1); in JSON Lines, the line number.
Rows with no value at all are skipped, but still counted.

Cell text is kept as sent except that surrounding whitespace is stripped and an empty
cell becomes null. Typed cells (Excel, Parquet) become text: integral numbers without
``.0``, dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``true`` and
``false``.

Everything streams in chunks of at most ``CHUNK_ROWS`` rows, except Excel: calamine
loads one sheet at a time, which a sheet's 1,048,576-row limit keeps bounded.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import queue
import threading
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import yaml
from python_calamine import CalamineWorkbook

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.standard import (
    SOURCE_COLUMNS,
    ColumnType,
    Dataset,
    header_lookup,
    normalize_header,
)

ROW = "_row"
EXTRA = "_extra"
PARSE_ERROR = "_parse_error"
NUMERIC = "_numeric_columns"

HEADER_SCAN_ROWS = 20
CHUNK_ROWS = 100_000
# pyarrow parses CSV a block at a time; 4 MB blocks stream a large file in many batches
# and measured as fast as larger ones.
CSV_BLOCK_BYTES = 4 << 20
ENCODING_SAMPLE_BYTES = 64 * 1024
COMPRESSION = "lz4"  # LZ4_RAW: the fastest to write, and DuckDB reads it

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# A number stored in a column of these types is expected; anywhere else (an ID number, a
# code, a date) it may have lost digits, leading zeros or a final X, so it is reported.
NUMERIC_TYPES = frozenset({ColumnType.INT, ColumnType.NUMBER, ColumnType.MONEY})
# Who sent the row: the importer can fill these in, so a file need not carry them.
SOURCE_NAMES = frozenset(column.name for column in SOURCE_COLUMNS)
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
class HeaderReport:
    mapped: dict[str, str]  # header as written in the file -> standard column name
    unknown: list[str]  # headers that map to no column; their cells are in _extra
    missing_required: list[str]  # required columns absent (stage_file raises, so empty)
    header_row: int  # 1-based row of the header in the file or sheet; 0 for JSON Lines
    sheet: str | None = None  # for Excel
    encoding: str | None = None  # for CSV: "utf-8", "utf-8-sig" or "gb18030"
    delimiter: str | None = None  # for CSV


@dataclass(frozen=True)
class StagedFile:
    path: Path  # the staging Parquet file written
    rows: int  # data rows read (= rows received)
    header: HeaderReport
    numeric_cells: dict[str, int]  # per column: cells stored as numbers (Excel, float Parquet)


def stage_file(
    source: Path,
    dataset: Dataset,
    staging_dir: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> StagedFile:
    """Read ``source`` into a new Parquet file in ``staging_dir``.

    ``mapping`` (agency header -> standard column, see ``load_mapping``) is applied before
    the standard's own names, labels and aliases. ``sheet`` picks an Excel sheet (default:
    the first). ``progress`` is called with the number of rows staged so far after each
    chunk. WarehouseError when the file cannot be used at all: an unsupported format, an
    empty file, no header row, a required column missing, two columns for one field.
    """
    kind = FORMATS.get(source.suffix.lower())
    if kind is None:
        supported = "、".join(dict.fromkeys(s.lstrip(".") for s in FORMATS if s != ".ndjson"))
        raise WarehouseError(f"不支持的文件格式：{source.suffix or '无扩展名'}（支持 {supported}）")
    if not source.is_file():
        raise WarehouseError(f"文件不存在：{source}")
    if source.stat().st_size == 0:
        raise WarehouseError(f"文件为空：{source.name}")
    matcher = _Matcher(dataset, mapping or {})
    staging_dir.mkdir(parents=True, exist_ok=True)
    target = staging_dir / f"{dataset.name}-{uuid.uuid4().hex[:12]}.parquet"
    report = _monotonic(progress)
    try:
        if kind == "csv":
            return _stage_csv(source, matcher, target, report)
        if kind == "excel":
            return _stage_excel(source, matcher, target, report, sheet)
        if kind == "parquet":
            return _stage_parquet(source, matcher, target, report)
        return _stage_jsonl(source, matcher, target, report)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def load_mapping(path: Path) -> dict[str, str]:
    """A header mapping file: YAML ``{agency header: standard column name}``. Whether the
    targets exist is checked by ``stage_file`` against the dataset."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise WarehouseError(f"无法读取映射文件：{path}（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise WarehouseError(f"映射文件不是 UTF-8 编码：{path}") from None
    except yaml.YAMLError as error:
        raise WarehouseError(f"映射文件不是有效的YAML：{path}（{error}）") from None
    shape = f"映射文件格式错误：{path} 应为“机关表头: 标准字段名”的映射"
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise WarehouseError(shape)
    mapping: dict[str, str] = {}
    for header, column in loaded.items():
        # YAML reads a header such as 2024 as a number; the file's header is its text.
        if header is None or not isinstance(column, str) or not column.strip():
            raise WarehouseError(f"{shape}（“{header}”）")
        mapping[str(header).strip()] = column.strip()
    return mapping


# ---------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class _Layout:
    """Where each column of the file goes: a standard column, or a key in ``_extra``."""

    targets: tuple[str | None, ...]  # per file column
    keys: tuple[str, ...]  # per file column: its key in _extra ("" when it has a target)
    named_width: int  # columns up to the last non-empty header cell
    columns: tuple[str, ...]  # the staged standard columns, in dataset order
    mapped: dict[str, str]
    unknown: tuple[str, ...]  # keys of the non-empty headers without a target

    @property
    def width(self) -> int:
        return len(self.targets)

    def position(self, column: str) -> int:
        return self.targets.index(column)

    @property
    def extra_positions(self) -> tuple[int, ...]:
        return tuple(i for i, target in enumerate(self.targets) if target is None)


class _Matcher:
    """Which standard column a header names: the mapping first, then the standard's
    names, labels and aliases (``standard.match_header``, with the lookup built once)."""

    def __init__(self, dataset: Dataset, mapping: dict[str, str]) -> None:
        self.dataset = dataset
        self._lookup = header_lookup(dataset)
        self._mapping = self._checked(mapping)
        self.required = [
            c for c in dataset.columns if c.required and not c.system and c.name not in SOURCE_NAMES
        ]
        self.min_hits = 1 if len(self.required) <= 1 else 2

    def _checked(self, mapping: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        unknown: list[str] = []
        for header, column in mapping.items():
            found = column if column in self.dataset.column_names else None
            found = found or self._lookup.get(normalize_header(column))
            if found is None:
                unknown.append(column)
            else:
                checked[normalize_header(header)] = found
        if unknown:
            raise WarehouseError(
                f"映射文件中的目标字段不在数据集 {self._name}中：{'、'.join(unknown)}"
            )
        return checked

    @property
    def _name(self) -> str:
        return f"{self.dataset.name}（{self.dataset.label}）"

    def target(self, header: str) -> str | None:
        key = normalize_header(header)
        return self._mapping.get(key) or self._lookup.get(key)

    def hits(self, cells: Sequence[str]) -> int:
        return sum(1 for cell in cells if cell and self.target(cell))

    def is_header_row(self, cells: Sequence[str]) -> bool:
        filled = sum(1 for cell in cells if cell)
        hits = self.hits(cells)
        return hits >= self.min_hits and 2 * hits >= filled

    def missing(self, cells: Sequence[str]) -> list[str]:
        claimed = {self.target(cell) for cell in cells if cell}
        return [f"{c.name}（{c.label}）" for c in self.required if c.name not in claimed]

    def find_header(self, rows: Sequence[Sequence[str]]) -> int | None:
        """The first row where at least half the filled cells name standard columns; or
        else, for an export with many columns of its own, the row naming the most
        columns if it names every required one."""
        for index, cells in enumerate(rows):
            if self.is_header_row(cells):
                return index
        best = max(range(len(rows)), key=lambda i: self.hits(rows[i]), default=None)
        if best is None or self.hits(rows[best]) < self.min_hits or self.missing(rows[best]):
            return None
        return best

    def no_header(self, rows: Sequence[Sequence[str]]) -> WarehouseError:
        """No header row; if some row names a few columns (a file for another dataset,
        most likely), what it lacks."""
        message = f"未找到表头行：前{HEADER_SCAN_ROWS}行中没有与数据集 {self._name}字段匹配的行"
        best = max(range(len(rows)), key=lambda i: self.hits(rows[i]), default=None)
        missing = self.missing(rows[best]) if best is not None and self.hits(rows[best]) else []
        if best is not None and missing:
            message += f"（最接近表头的第{best + 1}行缺少必填字段：{'、'.join(missing)}）"
        return WarehouseError(message)

    def no_columns(self) -> WarehouseError:
        return WarehouseError(f"文件的列名与数据集 {self._name}的字段都不匹配")

    def layout(self, headers: Sequence[str], first_column: int = 1) -> _Layout:
        """The layout of a header row; ``first_column`` numbers the columns of headerless
        cells in ``_extra`` ("第N列") as the sheet does."""
        targets = [self.target(h) if h else None for h in headers]
        keys: list[str] = []
        for i, (header, target) in enumerate(zip(headers, targets, strict=True)):
            key = "" if target else header or f"第{first_column + i}列"
            if key and key in keys:  # two unknown columns with one header: keep both
                key = f"{key}（第{first_column + i}列）"
            keys.append(key)
        self._check_unique(headers, targets)
        missing = self.missing(headers)
        if missing:
            raise WarehouseError(f"文件缺少必填字段：{'、'.join(missing)}")
        claimed = {t for t in targets if t}
        named = [i for i, header in enumerate(headers) if header]
        return _Layout(
            targets=tuple(targets),
            keys=tuple(keys),
            named_width=named[-1] + 1 if named else 0,
            columns=tuple(name for name in self.dataset.column_names if name in claimed),
            mapped={h: t for h, t in zip(headers, targets, strict=True) if t},
            unknown=tuple(k for k, h, t in zip(keys, headers, targets, strict=True) if h and not t),
        )

    def _check_unique(self, headers: Sequence[str], targets: Sequence[str | None]) -> None:
        by_target: dict[str, list[str]] = {}
        for header, target in zip(headers, targets, strict=True):
            if target:
                by_target.setdefault(target, []).append(header)
        clashes = [
            f"{'、'.join(hs)} → {t}（{self.dataset.column(t).label}）"
            for t, hs in by_target.items()
            if len(hs) > 1
        ]
        if clashes:
            raise WarehouseError(f"多个列对应同一字段：{'；'.join(clashes)}")


def _report(
    layout: _Layout,
    sink: _Sink,
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


def _staged(path: Path, sink: _Sink, report: HeaderReport) -> StagedFile:
    return StagedFile(path, sink.rows, report, dict(sink.numeric_cells))


# ------------------------------------------------------------------------------- sink


class _Sink:
    """Writes staged rows to the Parquet file: Arrow batches as they come, Python rows
    gathered into chunks. Every chunk written is reported to ``progress``."""

    def __init__(self, path: Path, layout: _Layout, progress: Progress) -> None:
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

    def __enter__(self) -> _Sink:
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
        buffer[-3].append(_json(extra) if extra else None)
        buffer[-2].append(error)
        buffer[-1].append(",".join(numeric) if numeric else None)
        for name in numeric:
            self.numeric_cells[name] = self.numeric_cells.get(name, 0) + 1
        if len(buffer[0]) >= CHUNK_ROWS:
            self._flush()

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

    def write_columns(self, rows: Any, columns: Sequence[Any], numeric: Sequence[int] = ()) -> None:
        """A batch of cleaned file columns (Arrow string arrays, one per file column);
        ``numeric`` are the positions whose cells were stored as numbers."""
        self._flush()  # keep the Python rows before this batch in file order
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

    def _write(self, batch: Any) -> None:
        for start in range(0, batch.num_rows, CHUNK_ROWS):
            chunk = batch.slice(start, CHUNK_ROWS)
            self._writer.write_batch(chunk)
            self.rows += chunk.num_rows
            self._progress(self.rows)


def _monotonic(progress: Progress | None) -> Progress:
    """Progress that never goes back: a CSV that pyarrow fails on part-way is read again
    from the top by the csv module (see ``_stage_csv``), repeating rows reported."""
    best = 0

    def report(rows: int) -> None:
        nonlocal best
        if progress is not None and rows > best:
            best = rows
            progress(rows)

    return report


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def _ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
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


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------- arrow helpers


def _clean(column: Any) -> Any:
    """Surrounding whitespace stripped (the characters ``str.strip`` strips), and an
    empty cell null."""
    trimmed = pc.utf8_trim(column, WHITESPACE)
    empty = pc.equal(pc.binary_length(trimmed), 0)
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def _ramp(count: int, first: int) -> Any:
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
        return pa.array([None if v is None else _json(v) for v in values.to_pylist()], pa.string())
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        values = pc.replace_substring(values, char, escape)
    return pc.binary_join_element_wise('"', values, '"', "")


def _extra_json(pairs: Sequence[tuple[str, Any]], count: int) -> Any:
    pieces = [
        pc.binary_join_element_wise(f",{_json(key)}:", _json_strings(values), "")
        for key, values in pairs
        if values.null_count < len(values)
    ]
    return _join_pieces(pieces, count, "{", "}")


def _numeric_list(flags: Sequence[tuple[str, Any]], count: int) -> Any:
    null = pa.scalar(None, pa.string())
    pieces = [pc.if_else(pc.is_valid(values), f",{name}", null) for name, values in flags]
    return _join_pieces(pieces, count, "", "")


# -------------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class _Scanned:
    cells: list[str]
    end: int  # byte offset just after the row
    text: str  # the row as written


@dataclass(frozen=True)
class _CsvHead:
    header_row: int
    headers: list[str]
    data_offset: int  # byte offset of the first data row
    delimiter: str
    encoding: str


class _UseCsvModule(Exception):
    """pyarrow could not read the file; Python's csv module reads it instead."""


def _stage_csv(source: Path, matcher: _Matcher, target: Path, progress: Progress) -> StagedFile:
    """CSV through pyarrow's streaming reader, or, should it fail on something other than
    the encoding, through Python's csv module."""
    encoding = _detect_encoding(source)
    head = _csv_head(source, encoding, matcher)
    layout = matcher.layout(head.headers)
    sink = None
    if USE_PYARROW:
        try:
            with _Sink(target, layout, progress) as sink:
                _csv_arrow(source, head, sink)
        except _UseCsvModule:
            sink = None  # start again: the Parquet writer overwrites what was written
    if sink is None:
        with _Sink(target, layout, progress) as sink:
            _csv_python(source, head, sink)
    report = _report(layout, sink, head.header_row, encoding=encoding, delimiter=head.delimiter)
    return _staged(target, sink, report)


# Tests turn this off to hold the csv-module path to the same results.
USE_PYARROW = True


def _detect_encoding(source: Path) -> str:
    """UTF-8 (with or without a byte-order mark) or GB18030, the superset of the GBK that
    Excel on Chinese Windows saves. Decided on the first 64 KB holding a non-ASCII byte,
    so a file whose first rows are all digits is not taken for UTF-8 by default."""
    with source.open("rb") as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES)
        if sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        while sample.isascii():
            sample = handle.read(ENCODING_SAMPLE_BYTES)
            if not sample:
                return "utf-8"
        at_end = not handle.read(1)
    # The sample starts at an ASCII byte, so only its end can cut a character in two;
    # an incremental decoder accepts an unfinished character there.
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=at_end)
            return encoding
        except UnicodeDecodeError:
            continue
    raise WarehouseError("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030")


def _csv_head(source: Path, encoding: str, matcher: _Matcher) -> _CsvHead:
    """The header row among the first rows, and the delimiter: a tab when the header
    line has more tabs than commas."""
    scans = {delimiter: _scan_csv(source, encoding, delimiter) for delimiter in (",", "\t")}
    for delimiter, rows in scans.items():
        found = matcher.find_header([row.cells for row in rows])
        if found is not None:
            row = rows[found]
            tabbed = row.text.count("\t") > row.text.count(",")
            if tabbed == (delimiter == "\t"):
                return _CsvHead(found + 1, row.cells, row.end, delimiter, encoding)
    cells = [row.cells for row in max(scans.values(), key=lambda rows: _best_hits(matcher, rows))]
    if len(cells) < HEADER_SCAN_ROWS and not any(cell for row in cells for cell in row):
        raise WarehouseError(f"文件为空：{source.name}")
    raise matcher.no_header(cells)


def _best_hits(matcher: _Matcher, rows: list[_Scanned]) -> int:
    return max((matcher.hits(row.cells) for row in rows), default=0)


def _scan_csv(source: Path, encoding: str, delimiter: str) -> list[_Scanned]:
    """The first rows, each with the byte offset where it ends. csv.reader pulls one line
    at a time and a row always ends with a line, so the lines it has pulled so far are
    exactly the rows returned; their encoded length is the offset."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    offset = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    pulled: list[str] = []

    def lines(text: io.TextIOWrapper) -> Iterator[str]:
        for line in text:
            pulled.append(line)
            yield line

    rows: list[_Scanned] = []
    with source.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        try:
            for cells in itertools.islice(
                csv.reader(lines(text), delimiter=delimiter), HEADER_SCAN_ROWS
            ):
                written = "".join(pulled)
                pulled.clear()
                offset += len(written.encode(codec))
                rows.append(_Scanned([cell.strip() for cell in cells], offset, written))
        except UnicodeDecodeError:
            raise _mixed_encoding(encoding) from None
        except csv.Error as error:
            raise WarehouseError(f"CSV格式错误（第{len(rows) + 1}行）：{error}") from None
    return rows


def _mixed_encoding(encoding: str) -> WarehouseError:
    return WarehouseError(
        f"文件编码不一致：文件开头按 {encoding} 识别，后面有无法按 {encoding} 解码的内容"
        "（文件可能由不同编码的部分拼接而成），请统一另存为 UTF-8 后重新导入"
    )


def _csv_arrow(source: Path, head: _CsvHead, sink: _Sink) -> None:
    """Stream the rows after the header through pyarrow, parsed in a background thread
    while this one cleans and writes (the two halves take about as long). Rows with the
    wrong number of fields are staged last, through the csv module."""
    if head.data_offset >= source.stat().st_size:
        return  # a header and nothing else
    invalid: list[tuple[int | None, str]] = []
    for rows, batch in _ahead(_arrow_csv_batches(source, head, invalid)):
        kept = _kept_rows(rows, [_clean(column) for column in batch.columns])
        if kept is not None:
            sink.write_columns(*kept)
    if any(number is None for number, _ in invalid):
        raise _UseCsvModule
    for number, text in sorted(invalid, key=lambda item: item[0] or 0):
        assert number is not None
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=head.delimiter), [])
        _add_fields(sink, head.header_row + number, fields)


def _arrow_csv_batches(
    source: Path, head: _CsvHead, invalid: list[tuple[int | None, str]]
) -> Iterator[tuple[Any, Any]]:
    """Parsed batches with their ``_row``, read from the header's byte offset.

    The parse is serial (``use_threads=False``): only then does ``invalid_row_handler``
    get a malformed row's record number (counted from the first data row), and with the
    parse on one core and the cleaning and writing on the other it is as fast as
    pyarrow's own threads. Malformed rows are skipped here and collected in ``invalid``.
    """

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    names = [f"c{i}" for i in range(len(head.headers))]
    options = (
        pcsv.ReadOptions(
            column_names=names,
            use_threads=False,
            block_size=CSV_BLOCK_BYTES,
            # GB18030 goes through Python's codec, in the parsing thread: measured
            # faster than decoding in a thread of its own and handing pyarrow the text.
            encoding="utf8" if head.encoding.startswith("utf-8") else head.encoding,
        ),
        pcsv.ParseOptions(
            delimiter=head.delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,  # a blank line is a row: it keeps the numbering
            invalid_row_handler=on_invalid,
        ),
        pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    valid = 0
    # A plain file, not a memory map: mapped pages count as the process's memory, and
    # a 5-million-row file would look like 200 MB more of it.
    with pa.OSFile(str(source)) as data:
        data.seek(head.data_offset)
        try:
            for batch in pcsv.open_csv(data, *options):
                rows = _record_rows(valid, batch.num_rows, _breaks(invalid), head.header_row + 1)
                valid += batch.num_rows
                yield rows, batch
        except UnicodeDecodeError:
            raise _mixed_encoding(head.encoding) from None
        except pa.ArrowInvalid as error:
            if "invalid UTF8" in str(error):
                raise _mixed_encoding(head.encoding) from None
            raise _UseCsvModule from error


def _breaks(invalid: Sequence[tuple[int | None, str]]) -> list[int]:
    """For the valid rows pyarrow returns, the valid-row indices from which one more
    skipped (malformed) row lies before them: the j-th skipped record k (1-based, in order)
    comes before valid index v when k - j - 1 <= v."""
    numbers = sorted(number for number, _ in invalid if number is not None)
    return [k - j - 1 for j, k in enumerate(numbers)]


def _record_rows(first: int, count: int, breaks: list[int], base: int) -> Any:
    """``_row`` of valid rows first … first + count - 1: the header row + the record's
    ordinal, which skipped malformed rows before it push along."""
    parts = []
    position, end = first, first + count
    while position < end:
        skipped = bisect_right(breaks, position)
        stop = min(breaks[skipped], end) if skipped < len(breaks) else end
        parts.append(_ramp(stop - position, base + position + skipped))
        position = stop
    if len(parts) == 1:
        return parts[0]
    return pa.concat_arrays(parts) if parts else pa.array([], pa.int64())


def _kept_rows(rows: Any, columns: list[Any]) -> tuple[Any, list[Any]] | None:
    """The rows with any value; blank rows only count in the numbering."""
    keep = _keep(columns)
    if keep is not None:
        columns = [column.filter(keep) for column in columns]
        rows = rows.filter(keep)
    return (rows, columns) if len(rows) else None


def _csv_python(source: Path, head: _CsvHead, sink: _Sink) -> None:
    """The same rows through Python's csv module, for what pyarrow cannot read (a value
    larger than its block, say)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # free-text cells run long
    with (
        source.open("rb") as raw,
        io.TextIOWrapper(raw, encoding=head.encoding, newline="") as text,
    ):
        reader = csv.reader(text, delimiter=head.delimiter)
        record = 0
        try:
            for record, fields in enumerate(reader, start=1):
                if record > head.header_row:
                    _add_fields(sink, record, fields)
        except UnicodeDecodeError:
            raise _mixed_encoding(head.encoding) from None
        except csv.Error as error:
            raise WarehouseError(f"CSV格式错误（第{record + 1}行）：{error}") from None


def _add_fields(sink: _Sink, row: int, fields: list[str]) -> None:
    """One CSV record against the header: extra fields (if any holds a value) kept in
    ``_extra`` under ``_overflow``, missing ones null; either is a parse error. Trailing
    fields under blank header cells may be absent without error."""
    cells = [field.strip() or None for field in fields]
    if not any(cells):
        return
    width = sink.layout.width
    error = None
    more = None
    if len(cells) > width and any(cells[width:]):
        error = "字段数多于表头"
        more = {"_overflow": [cell or "" for cell in cells[width:]]}
    elif len(cells) < sink.layout.named_width:
        error = "字段数少于表头"
    sink.add(row, cells[:width], error=error, more=more)


# ------------------------------------------------------------------------------ Excel


def _stage_excel(
    source: Path, matcher: _Matcher, target: Path, progress: Progress, sheet: str | None
) -> StagedFile:
    try:
        workbook = CalamineWorkbook.from_path(str(source))
    except Exception as error:  # calamine raises its own types for every kind of damage
        raise WarehouseError(f"无法读取Excel文件：{source.name}（{error}）") from None
    with workbook:
        names = workbook.sheet_names
        name = sheet if sheet is not None else names[0] if names else None
        if name is None or name not in names:
            raise WarehouseError(f"工作簿中没有工作表“{sheet}”，现有工作表：{'、'.join(names)}")
        worksheet = workbook.get_sheet_by_name(name)
        # iter_rows starts at the sheet's row 1 but at its first used column.
        first_column = worksheet.start[1] + 1 if worksheet.start else 1
        rows = iter(worksheet.iter_rows())
        scanned = list(itertools.islice(rows, HEADER_SCAN_ROWS))
        texts = [[_excel_text(value) or "" for value in row] for row in scanned]
        header = matcher.find_header(texts)
        if header is None:
            if len(texts) < HEADER_SCAN_ROWS and not any(c for cells in texts for c in cells):
                raise WarehouseError(f"文件为空：{source.name} 的工作表“{name}”没有内容")
            raise matcher.no_header(texts)
        layout = matcher.layout(texts[header], first_column)
        numeric = _numeric_positions(matcher.dataset, layout)
        with _Sink(target, layout, progress) as sink:
            rest = itertools.chain(scanned[header + 1 :], rows)
            for number, values in enumerate(rest, start=header + 2):
                _add_excel_row(sink, number, values, numeric)
    return _staged(target, sink, _report(layout, sink, header + 1, sheet=name))


def _numeric_positions(dataset: Dataset, layout: _Layout) -> list[int]:
    return [
        i
        for i, target in enumerate(layout.targets)
        if target and dataset.column(target).type not in NUMERIC_TYPES
    ]


def _add_excel_row(sink: _Sink, number: int, values: Sequence[object], numeric: list[int]) -> None:
    cells = [_excel_text(value) for value in values]
    if not any(cells):
        return
    targets = sink.layout.targets
    stored_as_number = [
        targets[i]
        for i in numeric
        if i < len(values) and _is_number(values[i]) and cells[i] is not None
    ]
    sink.add(number, cells, numeric=[t for t in stored_as_number if t])


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _excel_text(value: object) -> str | None:
    """A cell as text. Numbers show at most the 15 significant digits Excel keeps (an ID
    typed into a number cell, 370102199003071234, is 370102199003071000 in Excel too);
    datetimes round to the second, as Excel displays them."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _plain_number(f"{value:.15g}")
    if isinstance(value, datetime):
        rounded = value + timedelta(microseconds=500_000)
        return rounded.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value) if value is not None else None


def _plain_number(text: str) -> str:
    """A number without an exponent: 3.70102199003071e+17 -> 370102199003071000."""
    if "e" not in text and "E" not in text:
        return text
    try:
        return format(Decimal(text), "f")
    except ArithmeticError:
        return text


# ---------------------------------------------------------------------------- Parquet


def _stage_parquet(source: Path, matcher: _Matcher, target: Path, progress: Progress) -> StagedFile:
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
        for i in _numeric_positions(matcher.dataset, layout)
        if pa.types.is_floating(parquet.schema_arrow.field(i).type)
    ]
    with _Sink(target, layout, progress) as sink:
        for rows, columns in _ahead(_parquet_batches(parquet)):
            sink.write_columns(rows, columns, numeric)
    return _staged(target, sink, _report(layout, sink, 1))


def _parquet_batches(parquet: Any) -> Iterator[tuple[Any, list[Any]]]:
    row = 2  # the column names are row 1
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
        columns = [_clean(_arrow_text(column)) for column in batch.columns]
        kept = _kept_rows(_ramp(batch.num_rows, row), columns)
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
    return pa.array([None if t is None else _plain_number(t) for t in text.to_pylist()])


def _json_any(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# ------------------------------------------------------------------------- JSON Lines


def _stage_jsonl(source: Path, matcher: _Matcher, target: Path, progress: Progress) -> StagedFile:
    """Read twice: once for the keys, so the staging columns are known before any row is
    written, once for the values. ``_row`` is the line number."""
    keys: dict[str, None] = {}
    for _, line in _jsonl_lines(source):
        parsed = _json_object(line)
        if parsed is not None:
            keys.update(dict.fromkeys(parsed))
    if not keys:
        raise WarehouseError(f"文件中没有有效的JSON对象：{source.name}")
    headers = list(keys)
    if matcher.hits(headers) < matcher.min_hits:
        raise matcher.no_columns()
    layout = matcher.layout(headers)
    positions = {header: i for i, header in enumerate(headers)}
    with _Sink(target, layout, progress) as sink:
        for number, line in _jsonl_lines(source):
            parsed = _json_object(line)
            if parsed is None:
                # Bytes that are not UTF-8 stay visible as \xff rather than become U+FFFD.
                text = line if isinstance(line, str) else line.decode("utf-8", "backslashreplace")
                error = f"第{number}行不是有效的JSON对象"
                sink.add(number, [], error=error, more={"_raw": text})
                continue
            cells: list[str | None] = [None] * len(headers)
            for key, value in parsed.items():
                cells[positions[key]] = _json_text(value)
            if any(cell is not None for cell in cells):
                sink.add(number, cells)
    return _staged(target, sink, _report(layout, sink, 0))


def _jsonl_lines(source: Path) -> Iterator[tuple[int, str | bytes]]:
    """Non-blank lines with their numbers, decoded; a line that is not UTF-8 stays bytes
    (and fails as JSON) rather than have its bad bytes silently replaced."""
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                line: str | bytes = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                line = raw.strip()
            if line:
                yield number, line


def _json_object(line: str | bytes) -> dict[str, Any] | None:
    """The line's object, numbers kept as the text written (12.50 stays 12.50)."""
    if isinstance(line, bytes):
        return None
    try:
        parsed = json.loads(
            line, parse_int=_Number, parse_float=_Number, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


class _Number(str):
    """A JSON number's text, as written."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object; a key written twice keeps both values ("key#2"), not the last one."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        unique, n = key, 2
        while unique in found:
            unique, n = f"{key}#{n}", n + 1
        found[unique] = value
    return found


def _json_text(value: object) -> str | None:
    """A top-level value as text: strings stripped, numbers as written, objects and
    arrays as compact JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not isinstance(value, _Number):
        return value.strip() or None
    return _json_value(value)


def _json_value(value: object) -> str:
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, dict):
        items = ",".join(f"{_json(k)}:{_json_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    return _json(value)
