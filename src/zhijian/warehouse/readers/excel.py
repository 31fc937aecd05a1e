"""Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``) through calamine, one sheet at a time.

Cells become text as Excel displays them; a number in a column the standard does not
expect numbers in (an ID number, a code, a date) is flagged in ``_numeric_columns``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

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


def stage_excel(
    source: Path, matcher: Matcher, target: Path, progress: Progress, sheet: str | None
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
