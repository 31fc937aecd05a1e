"""Row-by-row validation and normalization, as one DuckDB query over the staged file.

Every column of the standard gets a normalizing expression (the spellings agencies
really send: 2023/5/6, 2023年5月6日, 20230506, Excel serial numbers; 是/否; 10,000.00元)
and an error expression. A row with any error is rejected and each error goes to the
quarantine with its column, value and Chinese reason. An invalid ID number is not an
error: the person still exists, so the row is kept as sent and flagged.

The checks run vectorized in DuckDB: the benchmark imports millions of rows a second.
``tests/warehouse/test_validate.py`` holds the SQL ID-number check to the legal kernel's
``zhijian.law.idnumber`` on generated numbers, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from zhijian.law.crimes import resolve_crime
from zhijian.law.errors import LawInputError
from zhijian.law.idnumber import CHECK_CHARS, PROVINCE_CODES, WEIGHTS
from zhijian.warehouse.standard import Column, ColumnType, Dataset

REJECT = "拒收"
FLAG = "标记"


TRUE_WORDS = ("是", "true", "1", "y", "yes", "t", "对")
FALSE_WORDS = ("否", "false", "0", "n", "no", "f")

DATE_PATTERNS = (
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", "%Y-%m-%d"),
    (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}", "%Y/%m/%d"),
    (r"[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}", "%Y.%m.%d"),
    (r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日", "%Y年%m月%d日"),
    (r"[0-9]{8}", "%Y%m%d"),
)
TIMESTAMP_PATTERNS = (
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}", "%Y-%m-%d %H:%M:%S"),
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{2}:[0-9]{2}", "%Y-%m-%dT%H:%M:%S"),
    (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}", "%Y/%m/%d %H:%M:%S"),
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}", "%Y-%m-%d %H:%M"),
    (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}", "%Y/%m/%d %H:%M"),
    (r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日 ?[0-9]{1,2}:[0-9]{2}:[0-9]{2}", "%Y年%m月%d日 %H:%M:%S"),
)
MONTH_PATTERNS = (
    (r"[0-9]{4}-[0-9]{1,2}", "%Y-%m"),
    (r"[0-9]{4}/[0-9]{1,2}", "%Y/%m"),
    (r"[0-9]{4}\.[0-9]{1,2}", "%Y.%m"),
    (r"[0-9]{4}年[0-9]{1,2}月", "%Y年%m月"),
    (r"[0-9]{6}", "%Y%m"),
)

REASONS = {
    ColumnType.INT: "不是有效的整数",
    ColumnType.NUMBER: "不是有效的数值",
    ColumnType.MONEY: "不是有效的金额（元，最多两位小数）",
    ColumnType.DATE: "不是有效日期（如 2023-05-06、2023/5/6、2023年5月6日、20230506）",
    ColumnType.TIMESTAMP: "不是有效时间（如 2023-05-06 08:30:00）",
    ColumnType.MONTH: "不是有效月份（如 2023-05、2023年5月、202305）",
    ColumnType.BOOL: "不是有效的是/否值（是/否、true/false、1/0、Y/N）",
}


def sql_literal(text: str) -> str:
    """A SQL string literal; values never reach SQL any other way than through this or
    bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The ID-number helpers as DuckDB macros (GB 11643-1999)."""
    terms = " + ".join(
        f"CAST(substr(s17, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(WEIGHTS)
    )
    con.execute(
        "CREATE OR REPLACE MACRO zj_id_check_char(s17) AS "
        f"substr({sql_literal(CHECK_CHARS)}, (({terms}) % 11) + 1, 1)"
    )
    con.execute(
        "CREATE OR REPLACE MACRO zj_id_clean(v) AS "
        "upper(translate(replace(replace(v, ' ', ''), '　', ''), "
        "'０１２３４５６７８９Ｘｘ', '0123456789XX'))"
    )
    con.execute(
        "CREATE OR REPLACE MACRO zj_id_first17(v) AS CASE "
        "WHEN regexp_full_match(v, '[0-9]{15}') THEN substr(v, 1, 6) || '19' || substr(v, 7, 9) "
        "WHEN regexp_full_match(v, '[0-9]{17}[0-9X]') THEN substr(v, 1, 17) END"
    )
    provinces = ", ".join(sql_literal(code) for code in sorted(PROVINCE_CODES))
    con.execute(
        "CREATE OR REPLACE MACRO zj_id_problem(v, s17) AS CASE "
        "WHEN s17 IS NULL THEN '格式错误（应为18位或15位数字，末位可为X）' "
        f"WHEN substr(s17, 1, 2) NOT IN ({provinces}) THEN '行政区划代码无效' "
        "WHEN try_strptime(substr(s17, 7, 8), '%Y%m%d') IS NULL "
        "OR substr(s17, 7, 4) < '1900' THEN '出生日期无效' "
        "WHEN length(v) = 18 AND right(v, 1) <> zj_id_check_char(s17) THEN '校验码错误' END"
    )


def _pattern_case(raw: str, patterns: tuple[tuple[str, str], ...], cast: str) -> str:
    branches = " ".join(
        f"WHEN regexp_full_match({raw}, {sql_literal(regex)}) "
        f"THEN try_strptime({raw}, {sql_literal(fmt)}){cast}"
        for regex, fmt in patterns
    )
    return f"CASE {branches} END"


def _excel_serial(raw: str) -> str:
    """An Excel serial day number (1900 date system, as Excel counts from 1899-12-30)."""
    return (
        f"CASE WHEN regexp_full_match({raw}, '[0-9]{{5}}(\\.[0-9]+)?') "
        f"THEN DATE '1899-12-30' + CAST(floor(CAST({raw} AS DOUBLE)) AS INTEGER) END"
    )


def normalized(column: Column, raw: str, relation: str = "raw") -> str:
    """The SQL expression giving the column's typed value from its raw text. For
    ``id_number`` it reads the helper columns ``with_id_helpers`` adds to ``relation``."""
    kind = column.type
    if column.name == "id_number":
        return _id_number_value(relation)
    if kind is ColumnType.TEXT:
        return raw
    if kind is ColumnType.INT:
        clean = f"replace({raw}, ',', '')"
        return (
            f"CASE WHEN regexp_full_match({clean}, '[+-]?[0-9]{{1,18}}(\\.0+)?') "
            f"THEN CAST(split_part({clean}, '.', 1) AS BIGINT) END"
        )
    if kind is ColumnType.NUMBER:
        return f"TRY_CAST(replace({raw}, ',', '') AS DOUBLE)"
    if kind is ColumnType.MONEY:
        clean = f"regexp_replace({raw}, '[,，¥￥元\\s]', '', 'g')"
        return (
            f"CASE WHEN regexp_full_match({clean}, '[+-]?[0-9]{{1,16}}(\\.[0-9]{{1,2}}0*)?') "
            f"THEN TRY_CAST({clean} AS DECIMAL(18, 2)) END"
        )
    if kind is ColumnType.DATE:
        dated = _pattern_case(raw, DATE_PATTERNS, "::DATE")
        midnight = (
            f"CASE WHEN regexp_full_match({raw}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} 00:00:00') "
            f"THEN try_strptime(left({raw}, 10), '%Y-%m-%d')::DATE END"
        )
        return f"coalesce({dated}, {midnight}, {_excel_serial(raw)})"
    if kind is ColumnType.TIMESTAMP:
        stamped = _pattern_case(raw, TIMESTAMP_PATTERNS, "::TIMESTAMP")
        dated = _pattern_case(raw, DATE_PATTERNS, "::TIMESTAMP")
        return f"coalesce({stamped}, {dated})"
    if kind is ColumnType.MONTH:
        month = _pattern_case(raw, MONTH_PATTERNS, "")
        day = _pattern_case(raw, DATE_PATTERNS, "")
        return f"strftime(coalesce({month}, {day}), '%Y-%m')"
    if kind is ColumnType.BOOL:
        yes = ", ".join(sql_literal(w) for w in TRUE_WORDS)
        no = ", ".join(sql_literal(w) for w in FALSE_WORDS)
        return (
            f"CASE WHEN lower({raw}) IN ({yes}) THEN TRUE "
            f"WHEN lower({raw}) IN ({no}) THEN FALSE END"
        )
    if kind is ColumnType.ENUM:
        values = ", ".join(sql_literal(v) for v in column.values)
        return f"CASE WHEN {raw} IN ({values}) THEN {raw} END"
    if column.name == "crimes":
        return "zj_crimes.names"
    return f"[x FOR x IN regexp_split_to_array({raw}, '[；;、]') IF x <> '']"


def with_id_helpers(source: str) -> str:
    """``source`` (a relation with an ``id_number`` text column) plus ``_id_clean``,
    ``_id17`` (the first 17 digits, 15-digit numbers upgraded) and ``_id_problem``, each
    computed once per row."""
    return (
        "(SELECT s2.*, zj_id_problem(s2._id_clean, s2._id17) AS _id_problem FROM "
        "(SELECT s1.*, zj_id_first17(s1._id_clean) AS _id17 FROM "
        f"(SELECT s0.*, zj_id_clean(s0.id_number) AS _id_clean FROM {source} s0) s1) s2)"
    )


def _id_number_value(relation: str) -> str:
    """A valid 15-digit number upgraded to 18 digits; anything else kept as sent (cleaned
    of spaces and full-width characters only)."""
    r = relation
    return (
        f"CASE WHEN length({r}._id_clean) = 15 AND {r}._id_problem IS NULL "
        f"THEN {r}._id17 || zj_id_check_char({r}._id17) "
        f"ELSE coalesce({r}._id_clean, {r}.id_number) END"
    )


def error(column: Column, raw: str, value: str) -> str:
    """SQL giving a rejection struct {column, value, reason} for the column, or NULL."""
    label = sql_literal(f"{column.label}（{column.name}）")
    checks = []
    if column.required:
        checks.append(f"WHEN {raw} IS NULL THEN {label} || '：必填字段为空'")
    if column.type is ColumnType.ENUM:
        allowed = "、".join(column.values)
        checks.append(
            f"WHEN {value} IS NULL AND {raw} IS NOT NULL THEN "
            f"{label} || {sql_literal('：取值不在规定范围内（' + allowed + '）')}"
        )
    elif column.type in REASONS:
        checks.append(
            f"WHEN {value} IS NULL AND {raw} IS NOT NULL THEN "
            f"{label} || {sql_literal('：' + REASONS[column.type])}"
        )
    if not checks:
        return "NULL"
    reason = f"CASE {' '.join(checks)} END"
    return (
        f"CASE WHEN ({reason}) IS NOT NULL THEN "
        f"{{'column': {sql_literal(column.name)}, 'value': {raw}, 'reason': {reason}}} END"
    )


@dataclass(frozen=True)
class CheckQuery:
    """The SQL that checks a staged file, and the column lists it produces."""

    sql: str
    error_columns: tuple[str, ...]
    flag_columns: tuple[str, ...]


def check_query(dataset: Dataset, staged_columns: set[str], staged: str) -> CheckQuery:
    """A SELECT over the staged Parquet file ``staged`` with, per row: ``_row``, each
    column normalized, ``id_number_valid``, one ``_err_<column>`` struct per column that
    can fail, and ``_flag_<column>`` structs for kept-but-flagged values."""
    selects = ["raw._row AS _row"]
    errors: list[str] = []
    flags: list[str] = []
    for column in dataset.columns:
        raw = f'raw."{column.name}"' if column.name in staged_columns else "NULL::VARCHAR"
        value = normalized(column, raw)
        selects.append(f'{value} AS "{column.name}"')
        check = error(column, raw, value)
        if check != "NULL":
            selects.append(f'{check} AS "_err_{column.name}"')
            errors.append(f"_err_{column.name}")
    if "id_number" in dataset.column_names:
        selects += _id_number_selects(dataset, staged_columns)
        flags.append("_flag_id_number")
    if "crimes" in dataset.column_names:
        selects.append(
            "CASE WHEN zj_crimes.problem IS NOT NULL THEN {'column': 'crimes', "
            "'value': raw.crimes, 'reason': zj_crimes.problem} END AS _flag_crimes"
        )
        flags.append("_flag_crimes")
    if "_parse_error" in staged_columns:
        selects.append(
            "CASE WHEN raw._parse_error IS NOT NULL THEN {'column': '', 'value': raw._extra, "
            "'reason': raw._parse_error} END AS _err__parse"
        )
        errors.append("_err__parse")
    joins = ""
    if "crimes" in dataset.column_names and "crimes" in staged_columns:
        joins = " LEFT JOIN zj_crimes ON zj_crimes.raw = raw.crimes"
    elif "crimes" in dataset.column_names:
        joins = (
            " LEFT JOIN (SELECT NULL::VARCHAR AS raw, NULL::VARCHAR[] AS names, "
            "NULL::VARCHAR AS problem) zj_crimes ON FALSE"
        )
    source = f"read_parquet({sql_literal(staged)})"
    if "id_number" in staged_columns:
        source = with_id_helpers(source)
    sql = f"SELECT {', '.join(selects)} FROM {source} raw{joins}"
    return CheckQuery(sql, tuple(errors), tuple(flags))


def _id_number_selects(dataset: Dataset, staged_columns: set[str]) -> list[str]:
    if "id_number" not in staged_columns:
        return ["NULL::BOOLEAN AS id_number_valid", "NULL AS _flag_id_number"]
    problem = "raw._id_problem"
    numeric = (
        "coalesce(contains(raw._numeric_columns, 'id_number'), FALSE)"
        if "_numeric_columns" in staged_columns
        else "FALSE"
    )
    reason = (
        f"CASE WHEN {numeric} THEN '身份证号在表格中以数值形式存储，末位X或后几位可能已丢失（'"
        f" || coalesce({problem}, '需核对') || '），按原值保存并标记' "
        f"WHEN {problem} IS NOT NULL THEN '身份证号' || {problem} || '，按原值保存并标记' END"
    )
    return [
        f"CASE WHEN raw.id_number IS NULL THEN NULL ELSE {problem} IS NULL AND NOT {numeric} END"
        " AS id_number_valid",
        f"CASE WHEN raw.id_number IS NOT NULL AND ({reason}) IS NOT NULL THEN "
        f"{{'column': 'id_number', 'value': raw.id_number, 'reason': {reason}}} END "
        "AS _flag_id_number",
    ]


def register_crime_names(con: duckdb.DuckDBPyConnection, staged: str) -> None:
    """Resolve each distinct crimes cell through the crime catalogue (a handful of
    distinct values per file, so Python is fine here) into table ``zj_crimes``."""
    rows = con.execute(
        f"SELECT DISTINCT crimes FROM read_parquet({sql_literal(staged)}) WHERE crimes IS NOT NULL"
    ).fetchall()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zj_crimes (raw VARCHAR, names VARCHAR[], problem VARCHAR)"
    )
    resolved = [(raw, *split_crimes(raw)) for (raw,) in rows]
    if resolved:
        con.executemany("INSERT INTO zj_crimes VALUES (?, ?, ?)", resolved)


def split_crimes(cell: str) -> tuple[list[str], str | None]:
    """The current catalogue names in a crimes cell, and a problem text for names the
    catalogue does not know (kept as written and flagged).

    Cells separate names with ；, ; or 、, but 、 also stands inside names
    (走私、贩卖、运输、制造毒品罪): a piece is split on 、 only when it is not itself a name.
    """
    names: list[str] = []
    unknown: list[str] = []
    for piece in _split(cell, "；;，,"):
        found = _resolve(piece)
        if found is None:
            parts = [_resolve(part) for part in _split(piece, "、")]
            if all(parts):
                found = [p for part in parts if part for p in part]
        if found is None:
            unknown.append(piece)
            names.append(piece)
        else:
            names.extend(n for n in found if n not in names)
    problem = f"罪名目录中没有：{'、'.join(unknown)}，按原文保存并标记" if unknown else None
    return names, problem


def _split(text: str, separators: str) -> list[str]:
    pieces = [text]
    for separator in separators:
        pieces = [part for piece in pieces for part in piece.split(separator)]
    return [piece.strip() for piece in pieces if piece.strip()]


def _resolve(name: str) -> list[str] | None:
    try:
        return [resolve_crime(name).crime.name]
    except LawInputError:
        return None
