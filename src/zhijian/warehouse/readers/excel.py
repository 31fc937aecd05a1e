"""Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``) through calamine, one sheet at a time.

Cells become text as Excel displays them; a number in a column the standard does not
expect numbers in (an ID number, a code, a date) is flagged in ``_numeric_columns``.

calamine expands a whole sheet in memory, so an ``.xlsx`` is looked at first, without
expanding it: a workbook whose parts would decompress past ``MAX_EXPANDED_BYTES`` (a
zip bomb, or a sheet no import should hold in memory), or whose sheet declares a range
of more than ``MAX_SHEET_CELLS`` cells, is refused with a Chinese message. (An ``.xls``
is bounded by its format: 65,536 rows × 256 columns.)
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.headers import HEADER_SCAN_ROWS, Matcher, numeric_positions
from zhijian.warehouse.readers.staging import (
    Progress,
    Sink,
    StagedFile,
    header_report,
    plain_number,
    staged,
)

# 1 GiB of XML is some 30 million cells; 20 million cells (a full sheet of 19 columns)
# is what calamine holds within the import's memory goal.
MAX_EXPANDED_BYTES = 1 << 30
MAX_SHEET_CELLS = 20_000_000
DIMENSION_SCAN_BYTES = 64 * 1024
INDEX_PART_BYTES = 4 << 20  # workbook.xml and its relationships: a few KB in practice
_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def stage_excel(
    source: Path, matcher: Matcher, target: Path, progress: Progress, sheet: str | None
) -> StagedFile:
    if zipfile.is_zipfile(source):
        check_expansion(source, sheet)
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
        numeric = numeric_positions(matcher.dataset, layout)
        with Sink(target, layout, progress) as sink:
            rest = itertools.chain(scanned[header + 1 :], rows)
            for number, values in enumerate(rest, start=header + 2):
                _add_excel_row(sink, number, values, numeric)
    return staged(target, sink, header_report(layout, sink, header + 1, sheet=name))


def _add_excel_row(sink: Sink, number: int, values: Sequence[object], numeric: list[int]) -> None:
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
        return plain_number(f"{value:.15g}")
    if isinstance(value, datetime):
        rounded = value + timedelta(microseconds=500_000)
        return rounded.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value) if value is not None else None


def check_expansion(source: Path, sheet: str | None) -> None:
    """Refuse an ``.xlsx`` that would expand past the limits, reading only the zip's
    directory and the start of the sheet's XML."""
    try:
        with zipfile.ZipFile(source) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
            if expanded > MAX_EXPANDED_BYTES:
                raise WarehouseError(
                    f"Excel 文件 {source.name} 解压后约 {expanded >> 20:,} MB，超过上限 "
                    f"{MAX_EXPANDED_BYTES >> 20:,} MB（可能是异常或被构造的文件），未读取；"
                    "请删除无用的工作表或另存为 CSV 后导入"
                )
            part = _sheet_part(archive, sheet)
            if part is None:
                return  # calamine says what is wrong with it
            with archive.open(part) as xml:
                start = xml.read(DIMENSION_SCAN_BYTES)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return  # not a workbook zipfile reads: calamine's error says why
    found = _DIMENSION_RE.search(start)
    if found is None:
        return
    first_column, first_row, last_column, last_row = found.groups()
    rows = int(last_row or first_row) - int(first_row) + 1
    columns = _column_number(last_column or first_column) - _column_number(first_column) + 1
    if rows * columns > MAX_SHEET_CELLS:
        reference = found.group(0).split(b'"')[1].decode()
        raise WarehouseError(
            f"Excel 工作表的范围为 {reference}（{rows:,} 行 × {columns:,} 列），超过上限 "
            f"{MAX_SHEET_CELLS:,} 个单元格，未读取；请删除表格末尾多余的行和列（或拆分文件）"
            "后重新导入"
        )


def _sheet_part(archive: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip member holding ``sheet`` (None: the first sheet), from workbook.xml and
    its relationships; None when the workbook does not say (or says it at a length no
    workbook needs)."""
    parts = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    if any(archive.getinfo(name).file_size > INDEX_PART_BYTES for name in parts):
        return None
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheets = workbook.findall(f"{_MAIN}sheets/{_MAIN}sheet")
    chosen = next((s for s in sheets if sheet is None or s.get("name") == sheet), None)
    if chosen is None:
        return None
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for relation in relations.findall(f"{_RELATIONSHIPS}Relationship"):
        if relation.get("Id") == chosen.get(_RELATIONSHIP_ID):
            target = relation.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
