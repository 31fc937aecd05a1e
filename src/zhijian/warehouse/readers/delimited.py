"""Delimited text (``.csv``, ``.txt``): the encoding, the delimiter (comma or tab) and
the header row found in the first rows, then the rows through pyarrow's streaming reader,
or Python's csv module for what pyarrow cannot read.

The encoding is UTF-8 (with or without a byte-order mark) or GB18030, decided by the
lines of the first 64 KB holding a non-ASCII byte (the most of them win). pyarrow skips
rows with the wrong number of fields; they are staged last, through the csv module, with
their own row numbers.

Encodings are checked line by line, so that nothing is silently garbled: a line that is
not valid in the file's encoding (a GBK line in a UTF-8 file), a UTF-8 line in a GBK
file, and a line holding a NUL byte are each rejected with the reason, and the rest of
the file imports. A UTF-8 file without such lines is read as it is; any other is first
copied to UTF-8 in the staging folder, each bad line replaced by a marker
(``MARK``, its index, ``MARK``) that rejects the row it ends up in.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import uuid
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.headers import HEADER_SCAN_ROWS, Matcher
from zhijian.warehouse.readers.staging import (
    Progress,
    Sink,
    StagedFile,
    ahead,
    clean,
    header_report,
    kept_rows,
    ramp,
    staged,
)

# pyarrow parses CSV a block at a time; 4 MB blocks stream a large file in many batches
# and measured as fast as larger ones.
CSV_BLOCK_BYTES = 4 << 20
ENCODING_SAMPLE_BYTES = 64 * 1024
SCAN_BLOCK_BYTES = 8 << 20
# A noncharacter ("not for interchange"): stands for a bad line in the UTF-8 copy.
MARK = "\ufdd0"
_MARK_RE = re.compile(f"{MARK}([0-9]+){MARK}")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

NUL_LINE = "本行含有空字符（NUL，0x00），可能混入了二进制内容，未导入；请检查导出程序后重新导出本行"
NOT_UTF8_LINE = (
    "本行不是 UTF-8 编码{guess}，而文件其余部分为 UTF-8；为免乱码未导入，"
    "请将文件统一另存为 UTF-8 后重新导入本行"
)
UTF8_IN_GBK_LINE = (
    "本行为 UTF-8 编码，而文件其余部分为 GBK/GB18030；为免乱码未导入，"
    "请将文件统一另存为同一种编码后重新导入本行"
)
NOT_GBK_LINE = (
    "本行无法按 GBK/GB18030 解码；为免乱码未导入，请将文件统一另存为 UTF-8 后重新导入本行"
)


@dataclass(frozen=True)
class _BadLine:
    reason: str
    text: str  # the line as best it can be shown (bytes no encoding reads as \xNN)


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


class _NotText(Exception):
    """A line of the file is not valid in its encoding: read the UTF-8 copy instead."""


def stage_csv(source: Path, matcher: Matcher, target: Path, progress: Progress) -> StagedFile:
    """CSV through pyarrow's streaming reader, or, should it fail on something other than
    the encoding, through Python's csv module. A file with lines that are not valid text
    in its encoding is read from a UTF-8 copy with those lines marked."""
    encoding = _detect_encoding(source)
    if encoding != "gb18030" and not _has_nul(source):
        try:
            return _stage_text(source, encoding, encoding, matcher, target, progress, [])
        except _NotText:
            pass  # a line is not UTF-8: read the copy, which marks it
    copy = target.parent / f"utf8-{uuid.uuid4().hex[:12]}.csv"
    try:
        bad = _utf8_copy(source, encoding, copy)
        return _stage_text(copy, "utf-8", encoding, matcher, target, progress, bad)
    finally:
        copy.unlink(missing_ok=True)


def _stage_text(
    path: Path,
    encoding: str,
    reported: str,
    matcher: Matcher,
    target: Path,
    progress: Progress,
    bad: list[_BadLine],
) -> StagedFile:
    """Stage ``path`` read as ``encoding``; the report names ``reported``, the source's
    encoding. Marked lines (``bad``) go through the csv module, which rejects them."""
    head = _csv_head(path, encoding, matcher)
    layout = matcher.layout(head.headers)
    sink = None
    if USE_PYARROW and not bad:
        try:
            # The NUL bytes and cell sizes are checked already: no need per cell.
            with Sink(target, layout, progress) as sink:
                _csv_arrow(path, head, sink)
        except _UseCsvModule:
            sink = None  # start again: the Parquet writer overwrites what was written
    if sink is None:
        with Sink(target, layout, progress) as sink:
            _csv_python(path, head, sink, bad)
    report = header_report(
        layout, sink, head.header_row, encoding=reported, delimiter=head.delimiter
    )
    return staged(target, sink, report)


# Tests turn this off to hold the csv-module path to the same results.
USE_PYARROW = True


def _detect_encoding(source: Path) -> str:
    """UTF-8 (with or without a byte-order mark) or GB18030, the superset of the GBK that
    Excel on Chinese Windows saves. Decided by the lines of the first 64 KB holding a
    non-ASCII byte, so a file whose first rows are all digits is not taken for UTF-8 by
    default: each line holding a non-ASCII byte counts for the encoding that reads it
    (UTF-8 first), and the most win; a line neither reads is rejected later."""
    with source.open("rb") as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES)
        if sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if sample.startswith(UTF16_BOMS):
            raise WarehouseError("文件为 UTF-16 编码，请用 Excel 或记事本另存为 UTF-8 后重新导入")
        while sample.isascii():
            sample = handle.read(ENCODING_SAMPLE_BYTES)
            if not sample:
                return "utf-8"
        at_end = not handle.read(1)
    lines = sample.split(b"\n")
    if not at_end and len(lines) > 1:
        lines.pop()  # may end inside a character
    votes = {"utf-8": 0, "gb18030": 0}
    for line in lines:
        if line.isascii():
            continue
        for encoding in votes:
            try:
                codecs.getincrementaldecoder(encoding)().decode(line, final=at_end)
            except UnicodeDecodeError:
                continue
            votes[encoding] += 1
            break
    if not any(votes.values()):
        raise WarehouseError("无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030")
    return "utf-8" if votes["utf-8"] >= votes["gb18030"] else "gb18030"


def _has_nul(source: Path) -> bool:
    with source.open("rb") as handle:
        while block := handle.read(SCAN_BLOCK_BYTES):
            if b"\0" in block:
                return True
    return False


def _utf8_copy(source: Path, encoding: str, copy: Path) -> list[_BadLine]:
    """Copy ``source`` to ``copy`` in UTF-8, line by line, each line that is not valid
    text in ``encoding`` (or holds a NUL byte) replaced by a marker; the bad lines, in
    the order of their markers' indices. Line endings are kept, so rows keep their
    numbers."""
    codec = "utf-8" if encoding.startswith("utf-8") else encoding
    bad: list[_BadLine] = []
    with source.open("rb") as raw, copy.open("wb") as out:
        for number, line in enumerate(raw, start=1):
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            body = line.rstrip(b"\r\n")
            ending = line[len(body) :]
            reason = _line_problem(body, codec)
            if reason is None:
                out.write(line if codec == "utf-8" else body.decode(codec).encode() + ending)
                continue
            out.write(f"{MARK}{len(bad)}{MARK}".encode() + ending)
            bad.append(_BadLine(reason, _shown(body)))
    return bad


def _line_problem(body: bytes, codec: str) -> str | None:
    """Why a line cannot be read as text in ``codec``, or None."""
    if b"\0" in body:
        return NUL_LINE
    if body.isascii():
        return None
    if codec == "utf-8":
        if _decodes(body, "utf-8"):
            return None
        return NOT_UTF8_LINE.format(guess="（可能为 GBK）" if _decodes(body, "gb18030") else "")
    if _looks_utf8(body):
        return UTF8_IN_GBK_LINE
    return None if _decodes(body, codec) else NOT_GBK_LINE


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf8(body: bytes) -> bool:
    """Valid UTF-8 whose every non-ASCII character is CJK (U+2E80 up): Chinese written
    in UTF-8. GBK text almost never reads so (its mojibake as UTF-8 is mostly Latin,
    Greek or Cyrillic letters, or invalid)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ord(char) >= 0x2E80 for char in text if not char.isascii())


def _shown(body: bytes) -> str:
    """A bad line as text for the quarantine: UTF-8 or GB18030 if either reads it, else
    with its bytes as \\xNN; NUL shown as \\x00."""
    for codec in ("utf-8", "gb18030"):
        try:
            return body.decode(codec).replace("\0", "\\x00")
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", "backslashreplace").replace("\0", "\\x00")


def _csv_head(source: Path, encoding: str, matcher: Matcher) -> _CsvHead:
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


def _best_hits(matcher: Matcher, rows: list[_Scanned]) -> int:
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
            raise _NotText from None
        except csv.Error as error:
            raise WarehouseError(f"CSV格式错误（第{len(rows) + 1}行）：{error}") from None
    return rows


def _csv_arrow(source: Path, head: _CsvHead, sink: Sink) -> None:
    """Stream the rows after the header through pyarrow, parsed in a background thread
    while this one cleans and writes (the two halves take about as long). Rows with the
    wrong number of fields are staged last, through the csv module."""
    if head.data_offset >= source.stat().st_size:
        return  # a header and nothing else
    invalid: list[tuple[int | None, str]] = []
    for rows, batch in ahead(_arrow_csv_batches(source, head, invalid)):
        kept = kept_rows(rows, [clean(column) for column in batch.columns])
        if kept is not None:
            sink.write_columns(*kept, check_nul=False)
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
            raise _NotText from None
        except pa.ArrowInvalid as error:
            if "invalid UTF8" in str(error):
                raise _NotText from None
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
        parts.append(ramp(stop - position, base + position + skipped))
        position = stop
    if len(parts) == 1:
        return parts[0]
    return pa.concat_arrays(parts) if parts else pa.array([], pa.int64())


def _csv_python(source: Path, head: _CsvHead, sink: Sink, bad: list[_BadLine]) -> None:
    """The same rows through Python's csv module, for what pyarrow cannot read (a value
    larger than its block, say) and for a copy with marked lines (``bad``)."""
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
                    _add_fields(sink, record, fields, bad)
        except UnicodeDecodeError:
            raise _NotText from None
        except csv.Error as error:
            raise WarehouseError(f"CSV格式错误（第{record + 1}行）：{error}") from None


def _add_fields(sink: Sink, row: int, fields: list[str], bad: Sequence[_BadLine] = ()) -> None:
    """One CSV record against the header: extra fields (if any holds a value) kept in
    ``_extra`` under ``_overflow``, missing ones null; either is a parse error. Trailing
    fields under blank header cells may be absent without error. A record holding a
    marked line is rejected with the line's reason, its text in ``_extra`` (``_raw``)."""
    if bad and any(MARK in field for field in fields):
        found = [bad[int(i)] for field in fields for i in _MARK_RE.findall(field)]
        reasons = "；".join(dict.fromkeys(line.reason for line in found)) or NUL_LINE
        kept = [None if MARK in field else field.strip() or None for field in fields]
        raw = [line.text for line in found]
        sink.add(row, kept[: sink.layout.width], error=reasons, more={"_raw": raw})
        return
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
