"""The readers, on the awkward files agencies really send, built here in tmp_path: GBK CSV
as Excel on Chinese Windows saves it, title rows above the header, IDs stored as numbers,
a quoted value spanning lines, rows with too many or too few fields. Every test checks
the exact ``_row`` a user would look up, and that no row or cell is lost.

All people and ID numbers are made up; the ID numbers need not be valid here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers import StagedFile, delimited, load_mapping, stage_file, staging
from zhijian.warehouse.standard import Column, ColumnType, Dataset, get_dataset

DEATHS = get_dataset("deaths")  # id_number, name, death_date, source (enum); place optional
HEADER = ["身份证号", "姓名", "死亡日期", "来源", "死亡地点"]
SOURCE = "监管场所报告"
TITLE = "某某监狱死亡人员名册（2024年5月）"
FORMULA = "=cmd|' /C calc'!A0"
PEOPLE = [
    ["110101199001010011", "张三", "2024-05-01", SOURCE, "某某监狱医院"],
    ["110101199001010022", "李四", "2024-05-02", SOURCE, ""],
    ["11010119900101003X", "王五", "2024-05-03", SOURCE, "某某县人民医院"],
]


@pytest.fixture(params=[True, False], ids=["pyarrow", "csv-module"])
def csv_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every CSV test runs through both readers: they must stage the same rows."""
    monkeypatch.setattr(delimited, "USE_PYARROW", request.param)
    return bool(request.param)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Rows as Excel writes a CSV: CRLF, quoting only where needed."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def stage(path: Path, dataset: Dataset = DEATHS, **options: Any) -> StagedFile:
    return stage_file(path, dataset, path.parent / "staging", **options)


def rows(staged: StagedFile) -> list[dict[str, Any]]:
    table = pq.read_table(staged.path)
    assert len(table) == staged.rows
    return sorted(table.to_pylist(), key=lambda row: row["_row"])


def people(staged: StagedFile) -> list[tuple[int, str | None, str | None]]:
    return [(r["_row"], r["id_number"], r["name"]) for r in rows(staged)]


# ------------------------------------------------------------------------------- CSV


def test_gbk_csv_saved_by_excel_on_windows(tmp_path: Path, csv_path: bool) -> None:
    path = write(tmp_path, "死亡.csv", csv_bytes([HEADER, *PEOPLE], encoding="gbk"))
    staged = stage(path)
    assert staged.header.encoding == "gb18030"
    assert staged.header.delimiter == ","
    assert staged.header.header_row == 1
    assert staged.header.mapped == {
        "身份证号": "id_number",
        "姓名": "name",
        "死亡日期": "death_date",
        "来源": "source",
        "死亡地点": "place",
    }
    assert staged.header.unknown == []
    assert staged.rows == 3
    got = rows(staged)
    assert [r["_row"] for r in got] == [2, 3, 4]
    assert [r["name"] for r in got] == ["张三", "李四", "王五"]
    assert got[1]["place"] is None  # an empty cell is null
    assert got[2]["id_number"] == "11010119900101003X"
    assert all(r["_extra"] is None and r["_parse_error"] is None for r in got)


def test_staging_schema_is_row_then_columns_in_dataset_order(tmp_path: Path) -> None:
    shuffled = [[r[1], r[0], r[3], r[2]] for r in [HEADER, *PEOPLE]]
    staged = stage(write(tmp_path, "a.csv", csv_bytes(shuffled)))
    schema = pq.read_schema(staged.path)
    assert schema.names == [
        "_row",
        "id_number",
        "name",
        "death_date",
        "source",
        "_extra",
        "_parse_error",
        "_numeric_columns",
    ]
    assert schema.field("_row").type == pa.int64()
    assert all(schema.field(n).type == pa.string() for n in schema.names[1:])


def test_utf8_with_bom(tmp_path: Path, csv_path: bool) -> None:
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbf" + csv_bytes([HEADER, *PEOPLE]))
    staged = stage(path)
    assert staged.header.encoding == "utf-8-sig"
    assert "身份证号" in staged.header.mapped
    assert people(staged)[0] == (2, "110101199001010011", "张三")


def test_tab_delimited_txt(tmp_path: Path, csv_path: bool) -> None:
    data = csv_bytes(
        [HEADER, ["110101199001010011", "张三", "2024-05-01", SOURCE, "甲,乙"]], delimiter="\t"
    )
    staged = stage(write(tmp_path, "a.TXT", data))
    assert staged.header.delimiter == "\t"
    assert staged.header.encoding == "utf-8"
    (row,) = rows(staged)
    assert row["place"] == "甲,乙"


def test_title_and_blank_rows_above_the_header_count_in_row_numbers(
    tmp_path: Path, csv_path: bool
) -> None:
    data = csv_bytes([[TITLE, "", "", "", ""], ["", "", "", "", ""], HEADER, *PEOPLE], "gbk")
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.header.header_row == 3
    assert [r[0] for r in people(staged)] == [4, 5, 6]


def test_blank_rows_are_skipped_but_counted(tmp_path: Path, csv_path: bool) -> None:
    data = "\r\n".join(
        [
            ",".join(HEADER),
            ",".join(PEOPLE[0]),
            "",
            ",,,,",
            "   ,  ",
            ",".join(PEOPLE[1]),
            "",
            "",
        ]
    )
    staged = stage(write(tmp_path, "a.csv", data))
    assert people(staged) == [(2, PEOPLE[0][0], "张三"), (6, PEOPLE[1][0], "李四")]


def test_quoted_value_with_newline_and_comma_is_one_row(tmp_path: Path, csv_path: bool) -> None:
    place = "某某市\r\n某某路1号，2号楼, 3单元"
    data = csv_bytes([HEADER, [*PEOPLE[0][:4], place], PEOPLE[1], PEOPLE[2]])
    staged = stage(write(tmp_path, "a.csv", data))
    got = rows(staged)
    assert got[0]["place"] == place
    # Rows as a spreadsheet numbers them: the quoted value spanning two lines is one row.
    assert [r["_row"] for r in got] == [2, 3, 4]


def test_rows_with_too_many_or_too_few_fields_are_kept_with_a_parse_error(
    tmp_path: Path, csv_path: bool
) -> None:
    data = "\r\n".join(
        [
            ",".join(HEADER),
            ",".join(PEOPLE[0]),
            "110101199001010022,李四,2024-05-02",  # too few
            ",".join(PEOPLE[2]) + ",多出来的,还有",  # too many
            ",".join(PEOPLE[1]) + ",,",  # empty extra fields lose nothing: not an error
            "110101199001010044,赵六,2024-05-04,监管场所报告,某地",
        ]
    )
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.rows == 5
    got = {r["_row"]: r for r in rows(staged)}
    assert sorted(got) == [2, 3, 4, 5, 6]
    assert got[2]["_parse_error"] is None
    assert got[3]["_parse_error"] == "字段数少于表头"
    assert (got[3]["name"], got[3]["death_date"], got[3]["source"]) == ("李四", "2024-05-02", None)
    assert got[4]["_parse_error"] == "字段数多于表头"
    assert got[4]["place"] == "某某县人民医院"
    assert json.loads(got[4]["_extra"]) == {"_overflow": ["多出来的", "还有"]}
    assert got[5]["_parse_error"] is None and got[5]["_extra"] is None
    assert got[6]["name"] == "赵六"


def test_malformed_rows_keep_every_row_number_across_many_blocks(
    tmp_path: Path, csv_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyarrow skips malformed rows and reports them separately; the valid rows after
    them must still carry their own row numbers, across block boundaries and with
    quoted values spanning lines in between."""
    monkeypatch.setattr(delimited, "CSV_BLOCK_BYTES", 2048)
    records = [TITLE, ",,,,", ",".join(HEADER)]
    expected: dict[int, str | None] = {}
    for n in range(4, 1504):
        if n % 97 == 0:
            records.append(f"{n},少")
            expected[n] = "字段数少于表头"
        elif n % 89 == 0:
            records.append(f"{n},多,2024-05-01,{SOURCE},地,溢出")
            expected[n] = "字段数多于表头"
        elif n % 13 == 0:
            records.append(f'{n},"两\n行",2024-05-01,{SOURCE},地')
            expected[n] = None
        elif n % 101 == 0:
            records.append("")  # blank: skipped, still counted
        else:
            records.append(f"{n},某,2024-05-01,{SOURCE},地")
            expected[n] = None
    staged = stage(write(tmp_path, "a.csv", "\r\n".join(records) + "\r\n"))
    got = rows(staged)
    assert staged.rows == len(expected)
    assert {r["_row"]: r["_parse_error"] for r in got} == expected
    assert all(r["id_number"] == str(r["_row"]) for r in got)


def test_whitespace_is_stripped_and_nothing_else_changes(tmp_path: Path, csv_path: bool) -> None:
    data = csv_bytes(
        [
            HEADER,
            [" 110101199001010011\t", "\u3000张三\u3000", " 2024/5/1 ", SOURCE, FORMULA],
            ["+110101199001010022", "@李四", "-1", "NULL", "'0012 "],
        ]
    )
    got = rows(stage(write(tmp_path, "a.csv", data)))
    assert got[0]["id_number"] == "110101199001010011"
    assert got[0]["name"] == "张三"
    assert got[0]["death_date"] == "2024/5/1"
    assert got[0]["place"] == FORMULA
    assert (got[1]["id_number"], got[1]["name"], got[1]["death_date"]) == (
        "+110101199001010022",
        "@李四",
        "-1",
    )
    assert (got[1]["source"], got[1]["place"]) == ("NULL", "'0012")


def test_unknown_columns_are_reported_and_kept_in_extra(tmp_path: Path, csv_path: bool) -> None:
    header = ["备注", *HEADER[:4], "监区", "备注", ""]
    data = csv_bytes(
        [
            header,
            ["第一条", *PEOPLE[0][:4], "一监区", '引号"和\\反斜杠\t', "无表头的值"],
            ["", *PEOPLE[1][:4], "", "", ""],
        ]
    )
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.header.unknown == ["备注", "监区", "备注（第7列）", "第8列"]
    first, second = rows(staged)
    assert json.loads(first["_extra"]) == {
        "备注": "第一条",
        "监区": "一监区",
        "备注（第7列）": '引号"和\\反斜杠',
        "第8列": "无表头的值",
    }
    assert second["_extra"] is None


def test_extra_json_escapes_control_characters(tmp_path: Path, csv_path: bool) -> None:
    data = csv_bytes([[*HEADER[:4], "备注"], [*PEOPLE[0][:4], "a\x01b\x1fc\x0bd"]])
    (row,) = rows(stage(write(tmp_path, "a.csv", data)))
    assert row["_extra"] == '{"备注":"a\\u0001b\\u001fc\\u000bd"}'


def test_header_only_file_stages_no_rows(tmp_path: Path, csv_path: bool) -> None:
    for name, data in [("a.csv", ",".join(HEADER)), ("b.csv", ",".join(HEADER) + "\r\n\r\n")]:
        staged = stage(write(tmp_path, name, data))
        assert staged.rows == 0
        assert rows(staged) == []
        assert staged.header.header_row == 1


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="文件为空"):
        stage(write(tmp_path, "a.csv", b""))
    with pytest.raises(WarehouseError, match="文件为空"):
        stage(write(tmp_path, "b.csv", b"\r\n \r\n,,,\r\n"))


def test_file_for_another_dataset_has_no_header(tmp_path: Path) -> None:
    data = csv_bytes([["账户编号", "当月消费", "月末余额"], ["1", "2", "3"]])
    with pytest.raises(WarehouseError) as raised:
        stage(write(tmp_path, "a.csv", data))
    assert str(raised.value) == (
        "未找到表头行：前20行中没有与数据集 deaths（死亡登记）字段匹配的行"
    )


def test_file_for_another_dataset_names_what_it_lacks(tmp_path: Path) -> None:
    header = ["身份证号", "姓名", "待遇类型", "发放月份", "类别", "金额", "发放地区划"]
    data = csv_bytes(
        [header, ["110101199001010011", "张三", "养老金", "2024-01", "发放", "1", "x"]]
    )
    with pytest.raises(WarehouseError) as raised:
        stage(write(tmp_path, "a.csv", data))
    assert str(raised.value) == (
        "未找到表头行：前20行中没有与数据集 deaths（死亡登记）字段匹配的行"
        "（最接近表头的第1行缺少必填字段：death_date（死亡日期）、source（来源））"
    )


def test_export_with_many_columns_of_its_own(tmp_path: Path, csv_path: bool) -> None:
    """Fewer than half the headers are standard ones, but every required column is
    there: that row is the header."""
    own = [f"系统字段{i}" for i in range(8)]
    data = csv_bytes([[TITLE], [*own, *HEADER[:4]], [*"abcdefgh", *PEOPLE[0][:4]]])
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.header.header_row == 2
    assert staged.header.unknown == own
    (row,) = rows(staged)
    assert (row["_row"], row["name"]) == (3, "张三")
    assert json.loads(row["_extra"])["系统字段7"] == "h"


def test_header_below_row_20_is_not_found(tmp_path: Path) -> None:
    data = csv_bytes([[f"说明{i}"] for i in range(20)] + [HEADER, PEOPLE[0]])
    with pytest.raises(WarehouseError, match="未找到表头行"):
        stage(write(tmp_path, "a.csv", data))


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    data = csv_bytes([["身份证号", "姓名", "死亡地点"], ["110101199001010011", "张三", "某地"]])
    with pytest.raises(WarehouseError) as raised:
        stage(write(tmp_path, "a.csv", data))
    assert str(raised.value) == "文件缺少必填字段：death_date（死亡日期）、source（来源）"
    assert not list((tmp_path / "staging").glob("*.parquet"))  # nothing left behind


def test_two_headers_for_one_column_is_an_error(tmp_path: Path) -> None:
    data = csv_bytes([[*HEADER, "id_number"], [*PEOPLE[0], "x"]])
    with pytest.raises(WarehouseError, match="多个列对应同一字段：身份证号、id_number → id_number"):
        stage(write(tmp_path, "a.csv", data))


def test_mapping_file_maps_agency_headers(tmp_path: Path, csv_path: bool) -> None:
    mapping_path = write(
        tmp_path, "mapping.yaml", "公民身份号码: id_number\n罪犯姓名: 姓名\n死亡时间: death_date\n"
    )
    mapping = load_mapping(mapping_path)
    assert mapping == {"公民身份号码": "id_number", "罪犯姓名": "姓名", "死亡时间": "death_date"}
    header = ["公民身份号码", "罪犯姓名", "死亡时间", "来源"]
    staged = stage(write(tmp_path, "a.csv", csv_bytes([header, PEOPLE[0][:4]])), mapping=mapping)
    assert staged.header.mapped == {
        "公民身份号码": "id_number",
        "罪犯姓名": "name",
        "死亡时间": "death_date",
        "来源": "source",
    }
    assert people(staged) == [(2, PEOPLE[0][0], "张三")]


def test_mapping_errors(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="不是有效的YAML"):
        load_mapping(write(tmp_path, "bad.yaml", "a: [b\n"))
    with pytest.raises(WarehouseError, match="映射文件格式错误"):
        load_mapping(write(tmp_path, "list.yaml", "- a\n- b\n"))
    with pytest.raises(WarehouseError, match="无法读取映射文件"):
        load_mapping(tmp_path / "missing.yaml")
    data = csv_bytes([HEADER, PEOPLE[0]])
    with pytest.raises(WarehouseError, match="目标字段不在数据集 deaths（死亡登记）中：no_such"):
        stage(write(tmp_path, "a.csv", data), mapping={"身份证号": "no_such"})


def test_one_required_column_lets_one_match_make_a_header(tmp_path: Path) -> None:
    text = ColumnType.TEXT
    dataset = Dataset(
        "tiny",
        "小",
        "测试",
        ("code",),
        (Column("code", text, "编码"), Column("note", text, "说明", False)),
    )
    staged = stage(write(tmp_path, "a.csv", "清单\r\n编码,别的\r\nA1,x\r\n"), dataset)
    assert staged.header.header_row == 2
    assert [(r["_row"], r["code"]) for r in rows(staged)] == [(3, "A1")]


def test_encoding_is_decided_where_the_first_non_ascii_byte_is(tmp_path: Path) -> None:
    # 70 KB of ASCII-only rows before the first Chinese name: still GBK, not UTF-8.
    ascii_rows = [[f"1101011990{n:08d}", "", "2024-05-01", "x", ""] for n in range(2000)]
    data = csv_bytes([HEADER, *ascii_rows, PEOPLE[0]], encoding="gbk")
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.header.encoding == "gb18030"
    assert rows(staged)[-1]["name"] == "张三"


def test_utf8_sample_cut_inside_a_character_is_still_utf8(tmp_path: Path) -> None:
    cut = delimited.ENCODING_SAMPLE_BYTES
    for pad in range(24):
        text = ",".join(HEADER) + "," * pad + "\r\n" + "1,张三,2024-05-01,x,\r\n" * 4000
        data = text.encode("utf-8")
        if data[cut] & 0xC0 == 0x80:  # the sample ends inside a character
            break
    else:
        pytest.fail("no padding puts the sample's end inside a character")
    staged = stage(write(tmp_path, "a.csv", data))
    assert staged.header.encoding == "utf-8"
    assert staged.rows == 4000


def test_undecodable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="无法识别文件编码"):
        stage(write(tmp_path, "a.csv", b"\x80\xff\x80\n" * 100))
    with pytest.raises(WarehouseError, match="文件为 UTF-16 编码"):
        stage(write(tmp_path, "b.csv", "身份证号,姓名\n".encode("utf-16")))


def test_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError) as raised:
        stage(write(tmp_path, "a.doc", b"x"))
    assert str(raised.value) == (
        "不支持的文件格式：.doc（支持 csv、txt、xlsx、xlsm、xls、parquet、jsonl）"
    )


def test_large_csv_streams_in_chunks(tmp_path: Path) -> None:
    count = 300_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(HEADER) + "\r\n")
        for n in range(count):
            handle.write(f"1101011990{n:08d},某人{n % 97},2024-05-01,{SOURCE},\r\n")
    reported: list[int] = []
    staged = stage(path, progress=reported.append)
    assert staged.rows == count
    assert len(reported) > 1
    assert reported == sorted(reported) and reported[-1] == count
    parquet = pq.ParquetFile(staged.path)
    assert parquet.metadata.num_row_groups > 1
    first = parquet.read_row_group(0).column("_row").to_pylist()
    assert first[:3] == [2, 3, 4]
    last = parquet.read_row_group(parquet.metadata.num_row_groups - 1)
    assert last.column("_row").to_pylist()[-1] == count + 1
    assert last.column("id_number").to_pylist()[-1] == f"1101011990{count - 1:08d}"


# ------------------------------------------------------------------------------ Excel


def excel_death_sheet(path: Path) -> None:
    """A sheet as an agency builds it: a title, a blank row, the header in row 3 from
    column B, IDs typed into number cells, real date cells, and a death date typed as the
    serial number Excel shows when a date cell loses its format."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名册"
    sheet["B1"] = TITLE
    for column, header in enumerate([*HEADER, "备注"], start=2):
        sheet.cell(row=3, column=column, value=header)
    sheet.append([None, 370102199003071234, "张三", date(2024, 5, 1), SOURCE, None, 1.5])
    sheet.append([None, "11010119900101003X", "李四", datetime(2024, 5, 2, 8, 30), SOURCE, FORMULA])
    sheet["F5"].data_type = "s"  # text typed with a leading ', not a formula
    sheet.append([None, 110101199001010055, "王五", 45000, SOURCE, True, "  "])
    sheet.append([])
    sheet.append([None, "110101199001010066", " 赵六 ", "2024-05-04", SOURCE, 0.30000000000000004])
    book.create_sheet("说明")
    book.save(path)


def test_xlsx_numbers_dates_and_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "名册.xlsx"
    excel_death_sheet(path)
    staged = stage(path)
    assert staged.header.sheet == "名册"
    assert staged.header.header_row == 3
    assert staged.header.unknown == ["备注"]
    got = rows(staged)
    assert [r["_row"] for r in got] == [4, 5, 6, 8]
    zhang, li, wang, zhao = got
    # 18 digits typed into a number cell keep Excel's 15: the rest is already lost.
    assert zhang["id_number"] == "370102199003071000"
    assert zhang["_numeric_columns"] == "id_number"
    assert zhang["death_date"] == "2024-05-01"
    assert json.loads(zhang["_extra"]) == {"备注": "1.5"}
    assert li["id_number"] == "11010119900101003X"
    assert li["_numeric_columns"] is None
    assert li["death_date"] == "2024-05-02 08:30:00"
    assert li["place"] == FORMULA
    assert wang["death_date"] == "45000"
    assert wang["_numeric_columns"] == "id_number,death_date"
    assert wang["place"] == "true"
    assert wang["_extra"] is None
    assert zhao["name"] == "赵六"
    assert zhao["place"] == "0.3"  # as Excel shows it, not 0.30000000000000004
    assert zhao["_numeric_columns"] == "place"
    assert staged.numeric_cells == {"id_number": 2, "death_date": 1, "place": 1}


def test_xlsx_sheet_by_name_and_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "说明"
    first["A1"] = "本工作簿第二页是名册"
    second = book.create_sheet("名册")
    second.append(HEADER)
    second.append(PEOPLE[0])
    book.save(path)
    with pytest.raises(WarehouseError, match="未找到表头行"):
        stage(path)
    staged = stage(path, sheet="名册")
    assert people(staged) == [(2, PEOPLE[0][0], "张三")]
    with pytest.raises(WarehouseError) as raised:
        stage(path, sheet="Sheet9")
    assert str(raised.value) == "工作簿中没有工作表“Sheet9”，现有工作表：说明、名册"


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(WarehouseError, match="文件为空"):
        stage(path)


def test_xls_written_by_old_excel(tmp_path: Path) -> None:
    path = tmp_path / "a.XLS"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write(0, 0, TITLE)
    for column, header in enumerate(HEADER):
        sheet.write(2, column, header)
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    values: list[list[Any]] = [
        [3.70102199003071e17, "张三", date(2024, 5, 1), SOURCE, "某地"],
        ["110101199001010022", "李四", "2024年5月2日", SOURCE, 12],
    ]
    for row, cells in enumerate(values, start=3):
        for column, value in enumerate(cells):
            if isinstance(value, date):
                sheet.write(row, column, value, dated)
            else:
                sheet.write(row, column, value)
    book.save(str(path))
    staged = stage(path)
    assert staged.header.header_row == 3
    got = rows(staged)
    assert [(r["_row"], r["id_number"], r["death_date"]) for r in got] == [
        (4, "370102199003071000", "2024-05-01"),
        (5, "110101199001010022", "2024年5月2日"),
    ]
    assert got[1]["place"] == "12"
    assert staged.numeric_cells == {"id_number": 1, "place": 1}


# ---------------------------------------------------------------------------- Parquet


def test_parquet_typed_columns_become_text(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    table = pa.table(
        {
            "id_number": pa.array([370102199003071234, None, 110101199001010022], pa.int64()),
            "name": ["张三", " 李四 ", ""],
            "death_date": pa.array([date(2024, 5, 1), date(2024, 5, 2), None], pa.date32()),
            "source": [SOURCE, SOURCE, SOURCE],
            "place": pa.array([1.0, 2.5, 3.70102199003071e17]),
            "flag": [True, False, None],
            "at": pa.array(
                [datetime(2024, 5, 1, 8, 30), datetime(2024, 5, 1, 8, 30, 0, 500_000), None],
                pa.timestamp("us"),
            ),
            "utc": pa.array(
                [datetime(2024, 5, 1, 0, 30, tzinfo=UTC), None, None], pa.timestamp("ms", "UTC")
            ),
            "amount": pa.array([Decimal("12.50"), None, None], pa.decimal128(10, 2)),
            "tags": pa.array([["a", "b"], None, []], pa.list_(pa.string())),
        }
    )
    pq.write_table(table, path)
    staged = stage(path)
    assert staged.header.header_row == 1
    assert staged.header.unknown == ["flag", "at", "utc", "amount", "tags"]
    got = rows(staged)
    assert [r["_row"] for r in got] == [2, 3, 4]
    assert [r["id_number"] for r in got] == ["370102199003071234", None, "110101199001010022"]
    # Floating point may have lost digits; int64 has not.
    assert [r["_numeric_columns"] for r in got] == ["place", "place", "place"]
    assert staged.numeric_cells == {"place": 3}
    assert [r["name"] for r in got] == ["张三", "李四", None]
    assert [r["death_date"] for r in got] == ["2024-05-01", "2024-05-02", None]
    assert [r["place"] for r in got] == ["1", "2.5", "370102199003071000"]
    extras = [json.loads(r["_extra"]) for r in got]
    assert extras[0] == {
        "flag": "true",
        "at": "2024-05-01 08:30:00",
        "utc": "2024-05-01 08:30:00",  # Beijing time
        "amount": "12.50",
        "tags": '["a","b"]',
    }
    assert extras[1] == {"flag": "false", "at": "2024-05-01 08:30:00.500000"}
    assert extras[2] == {"tags": "[]"}


def test_parquet_empty_records_are_skipped_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    ids = ["110101199001010011", None, "", "110101199001010022"]
    names = ["张三", None, "  ", "李四"]
    others = [SOURCE, None, None, SOURCE]
    table = pa.table({"身份证号": ids, "姓名": names, "死亡日期": others, "来源": others})
    pq.write_table(table, path)
    staged = stage(path)
    assert [(r["_row"], r["name"]) for r in rows(staged)] == [(2, "张三"), (5, "李四")]


def test_parquet_for_another_dataset(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"x": [1], "y": [2]}), path)
    with pytest.raises(WarehouseError, match="列名与数据集 deaths（死亡登记）的字段都不匹配"):
        stage(path)


# ------------------------------------------------------------------------- JSON Lines


def test_jsonl_bad_lines_are_kept_for_the_validator(tmp_path: Path) -> None:
    lines = [
        json.dumps(dict(zip(HEADER[:4], PEOPLE[0][:4], strict=True)), ensure_ascii=False),
        "",
        '{"身份证号": "110101199001010022", "姓名": "李四", "死亡日期": "2024-05-02", "来源"',
        "[1, 2]",
        '{"身份证号": 110101199001010033, "姓名": "王五", "死亡日期": "2024-05-03", '
        '"来源": "' + SOURCE + '", "amount": 12.50, "detail": {"n": 1.0, "k": [true, null]}, '
        '"姓名": "重复"}',
    ]
    path = write(tmp_path, "a.jsonl", b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n\xff\n")
    staged = stage(path)
    assert staged.header.header_row == 0
    assert staged.header.unknown == ["amount", "detail", "姓名#2"]
    got = {r["_row"]: r for r in rows(staged)}
    assert sorted(got) == [1, 3, 4, 5, 6]
    assert got[1]["name"] == "张三" and got[1]["_parse_error"] is None
    assert got[3]["_parse_error"] == "第3行不是有效的JSON对象"
    assert json.loads(got[3]["_extra"]) == {"_raw": lines[2]}
    assert got[3]["id_number"] is None
    assert got[4]["_parse_error"] == "第4行不是有效的JSON对象"
    assert got[5]["id_number"] == "110101199001010033"  # a number, kept as written
    assert json.loads(got[5]["_extra"]) == {
        "amount": "12.50",
        "detail": '{"n":1.0,"k":[true,null]}',
        "姓名#2": "重复",
    }
    assert got[6]["_parse_error"] == (
        "第6行不是 UTF-8 编码，为免乱码未导入；请将文件另存为 UTF-8 后重新导入本行"
    )
    assert json.loads(got[6]["_extra"]) == {"_raw": "\\xff"}


def test_ndjson_for_another_dataset(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="都不匹配"):
        stage(write(tmp_path, "a.ndjson", '{"x": 1}\n'))
    with pytest.raises(WarehouseError, match="没有有效的JSON对象"):
        stage(write(tmp_path, "b.ndjson", "not json\n"))


# --------------------------------------------------------------------- both CSV paths


def test_what_pyarrow_cannot_read_goes_through_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "CSV_BLOCK_BYTES", 64)  # one value is larger than a block
    fallback = delimited._csv_python
    used: list[Path] = []

    def spy(source: Path, *args: Any) -> None:
        used.append(source)
        fallback(source, *args)

    monkeypatch.setattr(delimited, "_csv_python", spy)
    place = "长" * 100 + "\n" + "长" * 100
    data = csv_bytes([HEADER, [*PEOPLE[0][:4], place], PEOPLE[1]])
    reported: list[int] = []
    staged = stage(write(tmp_path, "a.csv", data), progress=reported.append)
    assert used
    assert [(r["_row"], r["place"]) for r in rows(staged)] == [(2, place), (3, None)]
    assert reported == sorted(reported)


def test_whitespace_set_is_what_str_strip_strips() -> None:
    expected = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert expected == staging.WHITESPACE


def awkward_csvs() -> Iterator[tuple[str, bytes]]:
    yield "gbk", csv_bytes([[TITLE], [], HEADER, *PEOPLE], "gbk")
    yield "ragged", "\r\n".join([",".join(HEADER), "1,2", "3,4,5,6,7,8", '"a\nb",c']).encode()
    yield "cr-only", ("\r".join([",".join(HEADER), ",".join(PEOPLE[0])]) + "\r").encode()
    yield "quotes", '身份证号,姓名,死亡日期,来源\r\nab"c,"x""y",  "z" ,"q"r\r\n"open,1\r\n'.encode()


@pytest.mark.parametrize(("name", "data"), list(awkward_csvs()), ids=[n for n, _ in awkward_csvs()])
def test_pyarrow_and_csv_module_stage_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes
) -> None:
    path = write(tmp_path, f"{name}.csv", data)
    fast = rows(stage(path))
    monkeypatch.setattr(delimited, "USE_PYARROW", False)
    slow = rows(stage(path))
    assert fast == slow
    assert fast
