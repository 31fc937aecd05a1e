"""Bad bytes reject their line or row, never the file and never silently: a line in
another encoding than the rest of the file, a NUL byte, a cell over the size limit; and
an xlsx that would expand past the limits is refused before it is expanded. Real small
files, imported end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from tests.warehouse.test_ingest import HEADER, good_rows, person
from zhijian.warehouse.compute import run_query
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.readers import delimited, excel
from zhijian.warehouse.readers.delimited import (
    NOT_UTF8_LINE,
    NUL_LINE,
    UTF8_IN_GBK_LINE,
)
from zhijian.warehouse.readers.staging import MAX_CELL_BYTES
from zhijian.warehouse.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "home")


@pytest.fixture(params=[True, False], ids=["pyarrow", "csv-module"])
def csv_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(delimited, "USE_PYARROW", request.param)
    return bool(request.param)


def lines(rows: list[str], encodings: list[str]) -> bytes:
    """The payments header and ``rows``, each line in its own encoding (header first)."""
    texts = [HEADER.rstrip("\n"), *rows]
    return b"".join(
        text.encode(code) + b"\r\n" for text, code in zip(texts, encodings, strict=True)
    )


def issues(ws: Workspace, batch_id: str) -> list[tuple[Any, ...]]:
    return run_query(
        "SELECT row_number, column_name, value, reason, action FROM _row_issues "
        "WHERE batch_id = ? ORDER BY row_number",
        ws,
        [batch_id],
    )[1]


def names(ws: Workspace) -> list[str]:
    return [r[0] for r in run_query("SELECT name FROM benefit_payments ORDER BY name", ws)[1]]


def raw(*texts: str) -> str:
    return json.dumps({"_raw": list(texts)}, ensure_ascii=False, separators=(",", ":"))


def test_a_utf8_line_in_a_gbk_file_is_rejected_alone(
    workspace: Workspace, tmp_path: Path, csv_path: bool
) -> None:
    rows = good_rows(4)
    path = tmp_path / "gbk.csv"
    path.write_bytes(lines(rows, ["gbk", "gbk", "gbk", "utf-8", "gbk"]))
    summary = import_file("benefit_payments", path, workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected) == (4, 3, 1)
    assert issues(workspace, summary.batch_id) == [(4, "", raw(rows[2]), UTF8_IN_GBK_LINE, "拒收")]
    assert names(workspace) == ["测试0", "测试1", "测试3"]  # not one of them garbled


def test_a_gbk_line_in_a_utf8_file_is_rejected_alone(
    workspace: Workspace, tmp_path: Path, csv_path: bool
) -> None:
    rows = good_rows(4)
    path = tmp_path / "utf8.csv"
    path.write_bytes(lines(rows, ["utf-8", "utf-8", "gbk", "utf-8", "utf-8"]))
    summary = import_file("benefit_payments", path, workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected) == (4, 3, 1)
    reason = NOT_UTF8_LINE.format(guess="（可能为 GBK）")
    assert issues(workspace, summary.batch_id) == [(3, "", raw(rows[1]), reason, "拒收")]
    assert names(workspace) == ["测试0", "测试2", "测试3"]
    logged = run_query("SELECT status FROM _import_batches", workspace)[1]
    assert logged == [("成功",)]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_nul_byte_rejects_its_line(
    workspace: Workspace, tmp_path: Path, csv_path: bool, encoding: str
) -> None:
    rows = good_rows(3)
    poisoned = rows[1].replace("测试1", "测试\x001")
    path = tmp_path / "nul.csv"
    path.write_bytes(lines([rows[0], poisoned, rows[2]], [encoding] * 4))
    summary = import_file("benefit_payments", path, workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected) == (3, 2, 1)
    shown = rows[1].replace("测试1", "测试\\x001")
    assert issues(workspace, summary.batch_id) == [(3, "", raw(shown), NUL_LINE, "拒收")]
    assert names(workspace) == ["测试0", "测试2"]


DEATHS_HEADER = ["身份证号", "姓名", "死亡日期", "来源", "死亡地点"]
DEATHS = [
    [person(1), "张三", "2024-05-01", "民政火化", "某县"],
    [person(2), "李四", "2024-05-02", "民政火化", "某" * 12_000],  # 36,000 bytes
    [person(3), "王五", "2024-05-03", "民政火化", ""],
]
LARGE = (
    "“place”列的内容有 36,000 字节，超过单元格上限 32 KiB（32,768 字节），本行未导入；"
    "请检查该单元格是否误粘贴了大段内容，删减后重新导入本行"
)


def deaths_file(tmp_path: Path, kind: str) -> Path:
    if kind in ("csv-pyarrow", "csv-module"):
        path = tmp_path / "deaths.csv"
        path.write_text(
            "\n".join(",".join(row) for row in [DEATHS_HEADER, *DEATHS]) + "\n", encoding="utf-8"
        )
    elif kind == "xlsx":
        path = tmp_path / "deaths.xlsx"
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in [DEATHS_HEADER, *DEATHS]:
            sheet.append(row)
        book.save(path)
    elif kind == "jsonl":
        path = tmp_path / "deaths.jsonl"
        objects = [dict(zip(DEATHS_HEADER, row, strict=True)) for row in DEATHS]
        path.write_text(
            "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8"
        )
    else:
        path = tmp_path / "deaths.parquet"
        columns = {h: [row[i] for row in DEATHS] for i, h in enumerate(DEATHS_HEADER)}
        pq.write_table(pa.table(columns), path)
    return path


@pytest.mark.parametrize("kind", ["csv-pyarrow", "csv-module", "xlsx", "jsonl", "parquet"])
def test_a_cell_over_the_limit_rejects_its_row(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(delimited, "USE_PYARROW", kind != "csv-module")
    assert len(DEATHS[1][4].encode()) > MAX_CELL_BYTES
    summary = import_file("deaths", deaths_file(tmp_path, kind), workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected) == (3, 2, 1)
    [(row_number, column, value, reason, action)] = issues(workspace, summary.batch_id)
    line = 2 if kind == "jsonl" else 3  # JSON Lines has no header row
    assert (row_number, column, reason, action) == (line, "", LARGE, "拒收")
    assert json.loads(value) == {"_cells": {"place": "某" * 100 + "…"}}
    stored = run_query("SELECT name FROM deaths ORDER BY name", workspace)[1]
    assert sorted(r[0] for r in stored) == sorted(["张三", "王五"])


def test_a_nul_in_a_parquet_cell_rejects_its_row(workspace: Workspace, tmp_path: Path) -> None:
    columns = {h: [row[i] for row in DEATHS[::2]] for i, h in enumerate(DEATHS_HEADER)}
    columns["姓名"][1] = "王\x00五"
    path = tmp_path / "deaths.parquet"
    pq.write_table(pa.table(columns), path)
    summary = import_file("deaths", path, workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected) == (2, 1, 1)
    [(_, _, value, reason, _)] = issues(workspace, summary.batch_id)
    assert reason == "“name”列含有空字符（NUL，0x00），可能混入了二进制内容，本行未导入"
    assert json.loads(value) == {"_cells": {"name": "王\\x00五"}}


def small_workbook(path: Path, rows: int = 3) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(DEATHS_HEADER)
    for n in range(rows):
        sheet.append([person(n), f"甲{n}", "2024-05-01", "民政火化", "某县"])
    book.save(path)
    return path


def with_dimension(source: Path, target: Path, reference: str) -> Path:
    """A copy of the workbook whose first sheet declares ``reference`` as its range."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            data = old.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                end = text.index('"', start)
                data = (text[:start] + reference + text[end:]).encode()
            new.writestr(member, data)
    return target


class _NeverOpened:
    @staticmethod
    def from_path(path: str) -> None:
        raise AssertionError("the workbook was expanded")


def test_an_xlsx_declaring_a_huge_range_is_refused_unexpanded(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_dimension(
        small_workbook(tmp_path / "a.xlsx"), tmp_path / "huge.xlsx", "A1:XFD1048576"
    )
    monkeypatch.setattr(excel, "CalamineWorkbook", _NeverOpened)
    with pytest.raises(WarehouseError) as refused:
        import_file("deaths", path, workspace=workspace)
    assert str(refused.value) == (
        "Excel 工作表的范围为 A1:XFD1048576（1,048,576 行 × 16,384 列），超过上限 20,000,000 "
        "个单元格，未读取；请删除表格末尾多余的行和列（或拆分文件）后重新导入"
    )
    logged = run_query("SELECT status, message FROM _import_batches", workspace)[1]
    assert logged == [("失败", str(refused.value))]
    assert list(workspace.staging.iterdir()) == []


def test_an_xlsx_within_its_declared_range_imports(workspace: Workspace, tmp_path: Path) -> None:
    path = with_dimension(small_workbook(tmp_path / "a.xlsx"), tmp_path / "ok.xlsx", "A1:E4")
    summary = import_file("deaths", path, workspace=workspace)
    assert (summary.received, summary.inserted) == (3, 3)


def test_an_xlsx_that_would_expand_past_the_limit_is_refused_unexpanded(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_workbook(tmp_path / "a.xlsx", rows=400)
    with zipfile.ZipFile(path) as archive:
        expanded = sum(m.file_size for m in archive.infolist())
    monkeypatch.setattr(excel, "MAX_EXPANDED_BYTES", expanded - 1)
    monkeypatch.setattr(excel, "CalamineWorkbook", _NeverOpened)
    with pytest.raises(WarehouseError, match="解压后约 0 MB，超过上限 0 MB"):
        import_file("deaths", path, workspace=workspace)
