"""The SQL normalizers: the spellings agencies send, and the ID-number check held to the
legal kernel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhijian.law.idnumber import check_id_number, checksum_char
from zhijian.warehouse.standard import Column, ColumnType
from zhijian.warehouse.validate import (
    install_macros,
    normalized,
    split_crimes,
    sql_literal,
    with_id_helpers,
)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    install_macros(connection)
    return connection


def normalize(con: duckdb.DuckDBPyConnection, column: Column, raw: str | None) -> Any:
    expression = normalized(column, "v")
    row = con.execute(f"SELECT {expression} FROM (SELECT ?::VARCHAR AS v)", [raw]).fetchone()
    assert row is not None
    return row[0]


DATE = Column("d", ColumnType.DATE, "日期")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-05-06", date(2023, 5, 6)),
        ("2023/5/6", date(2023, 5, 6)),
        ("2023年5月6日", date(2023, 5, 6)),
        ("20230506", date(2023, 5, 6)),
        ("2023.5.6", date(2023, 5, 6)),
        ("45052", date(2023, 5, 6)),  # Excel serial number
        ("2023-05-06 00:00:00", date(2023, 5, 6)),
        ("2023-02-30", None),
        ("2023-13-01", None),
        ("5/6/2023", None),
        ("2023056", None),
        (None, None),
    ],
)
def test_dates(con: duckdb.DuckDBPyConnection, raw: str | None, expected: date | None) -> None:
    assert normalize(con, DATE, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (ColumnType.BOOL, "是", True),
        (ColumnType.BOOL, "否", False),
        (ColumnType.BOOL, "TRUE", True),
        (ColumnType.BOOL, "0", False),
        (ColumnType.BOOL, "Y", True),
        (ColumnType.BOOL, "也许", None),
        (ColumnType.MONEY, "5000", Decimal("5000.00")),
        (ColumnType.MONEY, "10,000.50", Decimal("10000.50")),
        (ColumnType.MONEY, "￥1,200元", Decimal("1200.00")),
        (ColumnType.MONEY, "12.345", None),
        (ColumnType.MONEY, "五千", None),
        (ColumnType.INT, "120", 120),
        (ColumnType.INT, "120.0", 120),
        (ColumnType.INT, "12.5", None),
        (ColumnType.MONTH, "2023-05", "2023-05"),
        (ColumnType.MONTH, "2023年5月", "2023-05"),
        (ColumnType.MONTH, "202305", "2023-05"),
        (ColumnType.MONTH, "2023/5/1", "2023-05"),
        (ColumnType.MONTH, "2023-13", None),
        (ColumnType.TIMESTAMP, "2023-05-06 08:30:00", datetime(2023, 5, 6, 8, 30)),
        (ColumnType.TIMESTAMP, "2023/5/6 8:30", datetime(2023, 5, 6, 8, 30)),
        (ColumnType.TIMESTAMP, "2023-05-06 25:00:00", None),
    ],
)
def test_other_types(
    con: duckdb.DuckDBPyConnection, kind: ColumnType, raw: str, expected: object
) -> None:
    assert normalize(con, Column("x", kind, "某值"), raw) == expected


def test_enums_are_closed(con: duckdb.DuckDBPyConnection) -> None:
    column = Column("g", ColumnType.ENUM, "性别", values=("男", "女"))
    assert normalize(con, column, "女") == "女"
    assert normalize(con, column, "F") is None


ID = Column("id_number", ColumnType.TEXT, "身份证号")


def id_row(con: duckdb.DuckDBPyConnection, raw: str) -> tuple[str, str | None]:
    source = with_id_helpers(f"(SELECT {sql_literal(raw)}::VARCHAR AS id_number)")
    row = con.execute(
        f"SELECT {normalized(ID, 'raw.id_number')}, raw._id_problem FROM {source} raw"
    ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_id_number_upgrade_and_cleaning(con: duckdb.DuckDBPyConnection) -> None:
    assert id_row(con, "11010519491231002x") == ("11010519491231002X", None)
    assert id_row(con, " 11010519491231002X ") == ("11010519491231002X", None)
    fifteen = "370102900307123"
    assert id_row(con, fifteen) == (check_id_number(fifteen).normalized, None)
    assert id_row(con, "110105194912310021") == ("110105194912310021", "校验码错误")
    assert id_row(con, "370102199002301231")[1] == "出生日期无效"
    assert id_row(con, "990102199001011231")[1] == "行政区划代码无效"
    assert id_row(con, "3701021990")[1] is not None


id_bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
    st.sampled_from(["370102", "370203", "371723", "110105", "440305"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 999),
)


@settings(max_examples=300, deadline=None)
@given(body=id_bodies, last=st.sampled_from("0123456789X"), mangle=st.booleans())
def test_sql_check_agrees_with_the_legal_kernel(
    con: duckdb.DuckDBPyConnection, body: str, last: str, mangle: bool
) -> None:
    number = body + (last if mangle else checksum_char(body))
    kernel = check_id_number(number)
    value, problem = id_row(con, number)
    assert (problem is None) is kernel.valid
    assert value == (kernel.normalized or number)


@settings(max_examples=100, deadline=None)
@given(body=id_bodies)
def test_sql_upgrade_of_15_digits_agrees_with_the_legal_kernel(
    con: duckdb.DuckDBPyConnection, body: str
) -> None:
    if body[6:8] != "19":
        return
    fifteen = body[:6] + body[8:]
    assert id_row(con, fifteen)[0] == check_id_number(fifteen).normalized


@pytest.mark.parametrize(
    ("cell", "names", "problem"),
    [
        ("盗窃罪", ["盗窃罪"], None),
        ("故意伤害罪；盗窃罪", ["故意伤害罪", "盗窃罪"], None),
        ("故意伤害罪、盗窃罪", ["故意伤害罪", "盗窃罪"], None),
        ("走私、贩卖、运输、制造毒品罪", ["走私、贩卖、运输、制造毒品罪"], None),
        ("贩卖毒品罪;容留他人吸毒罪", ["走私、贩卖、运输、制造毒品罪", "容留他人吸毒罪"], None),
        ("盗窃罪；不存在罪", ["盗窃罪", "不存在罪"], "罪名目录中没有：不存在罪，按原文保存并标记"),
    ],
)
def test_crimes_cells(cell: str, names: list[str], problem: str | None) -> None:
    assert split_crimes(cell) == (names, problem)
