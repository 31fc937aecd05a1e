"""Finding the header row and mapping its cells to the standard's columns.

``Matcher`` names the standard column a header means (the agency's mapping first, then
the standard's names, labels and aliases), finds the header row among the first
``HEADER_SCAN_ROWS`` rows and explains why none was found. ``Layout`` is where each
column of the file goes; ``HeaderReport`` tells the importer what was mapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.standard import (
    SOURCE_COLUMNS,
    ColumnType,
    Dataset,
    header_lookup,
    normalize_header,
)

HEADER_SCAN_ROWS = 20
# A number stored in a column of these types is expected; anywhere else (an ID number, a
# code, a date) it may have lost digits, leading zeros or a final X, so it is reported.
NUMERIC_TYPES = frozenset({ColumnType.INT, ColumnType.NUMBER, ColumnType.MONEY})
# Who sent the row: the importer can fill these in, so a file need not carry them.
SOURCE_NAMES = frozenset(column.name for column in SOURCE_COLUMNS)


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
class Layout:
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


class Matcher:
    """Which standard column a header names: the mapping first, then the standard's
    names, labels and aliases (``standard.match_header``, with the lookup built once)."""

    def __init__(self, dataset: Dataset, mapping: dict[str, str]) -> None:
        self.dataset = dataset
        self._lookup = header_lookup(dataset)
        self._mapping = self._checked(mapping)
        # A column that may be absent is required in its cells, not in the header.
        self.required = [
            c
            for c in dataset.columns
            if c.required and not c.may_be_absent and not c.system and c.name not in SOURCE_NAMES
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

    def layout(self, headers: Sequence[str], first_column: int = 1) -> Layout:
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
        return Layout(
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


def numeric_positions(dataset: Dataset, layout: Layout) -> list[int]:
    """The file columns mapped to a standard column of a type other than ``NUMERIC_TYPES``:
    a cell stored there as a number is reported in ``_numeric_columns``."""
    return [
        i
        for i, target in enumerate(layout.targets)
        if target and dataset.column(target).type not in NUMERIC_TYPES
    ]
