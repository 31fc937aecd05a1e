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
from zhijian.law.sentence import DEATH_SUSPENDED, restrictions
from zhijian.warehouse.sqltext import sql_literal
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
        plain = "'-?[0-9]{1,16}(\\.[0-9]{1,2})?'"
        return (
            # The plain spelling first: most values need no cleaning.
            f"CASE WHEN regexp_full_match({raw}, {plain}) THEN CAST({raw} AS DECIMAL(18, 2)) "
            f"WHEN regexp_full_match({clean}, '[+-]?[0-9]{{1,16}}(\\.[0-9]{{1,2}}0*)?') "
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
        canonical = f"regexp_full_match({raw}, '[0-9]{{4}}-(0[1-9]|1[0-2])')"
        return (
            f"CASE WHEN {canonical} THEN {raw} ELSE strftime(coalesce({month}, {day}), '%Y-%m') END"
        )
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
    ``_id17`` (the first 17 digits, 15-digit numbers upgraded) and ``_id_problem``.

    They are computed once per distinct number and joined back: a payments file names
    each person many times, and the check is the costliest expression of an import.
    """
    return (
        f"(SELECT s.*, ids._id_clean, ids._id17, ids._id_problem FROM {source} s "
        "LEFT JOIN (SELECT s2.*, zj_id_problem(s2._id_clean, s2._id17) AS _id_problem FROM "
        "(SELECT s1.*, zj_id_first17(s1._id_clean) AS _id17 FROM "
        "(SELECT id_number, zj_id_clean(id_number) AS _id_clean FROM "
        f"(SELECT DISTINCT id_number FROM {source})) s1) s2) ids "
        "ON s.id_number = ids.id_number)"
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


def error_reason(column: Column, raw: str, value: str) -> str | None:
    """SQL giving the Chinese reason the column's value is rejected, or NULL; None when
    the column cannot fail."""
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
    return f"CASE {' '.join(checks)} END" if checks else None


@dataclass(frozen=True)
class Problem:
    """One way a row can fail (``reject``) or be kept but flagged: the column it is
    about, the raw value's SQL and the reason's SQL (NULL when the row is fine)."""

    column: str
    raw: str
    reason: str
    reject: bool


def _problems(dataset: Dataset, staged_columns: set[str]) -> list[Problem]:
    problems = []
    absent = absent_columns(dataset, staged_columns)
    for column in dataset.columns:
        if column in absent:
            unknown = _unknown_reason(column, staged_columns, _absent_value(column, staged_columns))
            problems.append(Problem(column.name, "NULL::VARCHAR", unknown, reject=False))
            continue
        raw = _raw(column.name, staged_columns)
        reason = error_reason(column, raw, normalized(column, raw))
        if reason is not None:
            problems.append(Problem(column.name, raw, reason, reject=True))
    if "_parse_error" in staged_columns:
        problems.append(Problem("", "raw._extra", "raw._parse_error", reject=True))
    if "id_number" in dataset.column_names and "id_number" in staged_columns:
        problems.append(
            Problem("id_number", "raw.id_number", _id_flag_reason(staged_columns), False)
        )
    if "crimes" in dataset.column_names and "crimes" in staged_columns:
        problems.append(Problem("crimes", "raw.crimes", "zj_crimes.problem", reject=False))
    return problems


def _raw(name: str, staged_columns: set[str]) -> str:
    return f'raw."{name}"' if name in staged_columns else "NULL::VARCHAR"


def absent_columns(dataset: Dataset, staged_columns: set[str]) -> list[Column]:
    """The columns that may be absent and are: derived, or else unknown (null)."""
    return [c for c in dataset.columns if c.may_be_absent and c.name not in staged_columns]


# The derivations the standard's ``derived_from`` may name: (column, source) pairs.
DERIVED = {
    ("limited_reduction", "sentence_text"),
    ("life_without_parole", "sentence_text"),
}


def _absent_value(column: Column, staged_columns: set[str]) -> str:
    """An absent column's value over relation ``raw``: for the 限制减刑/终身监禁 flags,
    否 for every penalty but 死缓 (only it can carry them: 刑法第五十条第二款、第三百八十三条
    第四款), and for a 死缓 what its 判决主文 decides; null (unknown) without one."""
    if (column.name, column.derived_from) not in DERIVED:
        return "NULL::BOOLEAN" if column.type is ColumnType.BOOL else "NULL"
    penalty = _raw("principal_penalty", staged_columns)
    derived = (
        f'zj_restrictions."{column.name}"' if "sentence_text" in staged_columns else "NULL::BOOLEAN"
    )
    return (
        f"CASE WHEN {penalty} IS NULL THEN NULL::BOOLEAN "
        f"WHEN {penalty} <> {sql_literal(DEATH_SUSPENDED)} THEN FALSE ELSE {derived} END"
    )


def _unknown_reason(column: Column, staged_columns: set[str], value: str) -> str:
    """SQL: the flag of a row whose absent column stays unknown, or NULL."""
    penalty = _raw("principal_penalty", staged_columns)
    applies = f"{penalty} = {sql_literal(DEATH_SUSPENDED)} AND " if column.derived_from else ""
    source = "本行也没有判决主文，" if column.derived_from else ""
    text = f"文件没有“{column.label}”列，{source}按未知保存并标记（模型按“未知”处理）"
    return f"CASE WHEN {applies}({value}) IS NULL THEN {sql_literal(text)} END"


def _source(dataset: Dataset, staged_columns: set[str], staged: str, where: str = "") -> str:
    source = f"(SELECT * FROM read_parquet({sql_literal(staged)}) {where})"
    if "id_number" in staged_columns:
        source = with_id_helpers(source)
    joins = ""
    if "crimes" in dataset.column_names and "crimes" in staged_columns:
        joins = " LEFT JOIN zj_crimes ON zj_crimes.raw = raw.crimes"
    if needs_restrictions(dataset, staged_columns):
        joins += " LEFT JOIN zj_restrictions ON zj_restrictions.raw = raw.sentence_text"
    return f"{source} raw{joins}"


def needs_restrictions(dataset: Dataset, staged_columns: set[str]) -> bool:
    """Whether an absent column is read from the staged 判决主文 (``register_restrictions``
    must have run)."""
    absent = absent_columns(dataset, staged_columns)
    return "sentence_text" in staged_columns and any(c.derived_from for c in absent)


def check_query(dataset: Dataset, staged_columns: set[str], staged: str) -> str:
    """A SELECT over the staged Parquet file ``staged`` giving per row: ``_row``, each
    column normalized, ``id_number_valid``, booleans ``_rejected`` and ``_flagged``, and
    ``_key_hash``, a 64-bit hash of the normalized natural key (equal keys have equal
    hashes; the duplicate search compares keys exactly only where hashes repeat).

    Values are normalized once in an inner query; the outer one tests them, so no
    normalizing expression is evaluated twice. The reasons themselves come from
    ``issues_query``, run only on the rows that have any."""
    inner = ["raw._row AS _row"]
    absent = absent_columns(dataset, staged_columns)
    for column in dataset.columns:
        value = normalized(column, _raw(column.name, staged_columns))
        if column.name == "crimes" and "crimes" not in staged_columns:
            value = "NULL::VARCHAR[]"
        if column in absent:
            value = _absent_value(column, staged_columns)
        inner.append(f'{value} AS "{column.name}"')
        inner.append(f'{_raw(column.name, staged_columns)} AS "_raw_{column.name}"')
    for helper in ("_id_problem", "_numeric_columns", "_parse_error"):
        if helper in staged_columns or (helper == "_id_problem" and "id_number" in staged_columns):
            inner.append(f"raw.{helper} AS {helper}")
    if "crimes" in dataset.column_names and "crimes" in staged_columns:
        inner.append("zj_crimes.problem AS _crimes_problem")
    outer = ["n._row AS _row", *(f'n."{c.name}"' for c in dataset.columns)]
    if "id_number" in dataset.column_names:
        outer.append(f"{_id_valid(staged_columns, 'n')} AS id_number_valid")
    rejects, flags = _checked_problems(dataset, staged_columns)
    outer.append(f"({' OR '.join(rejects) or 'FALSE'}) AS _rejected")
    outer.append(f"({' OR '.join(flags) or 'FALSE'}) AS _flagged")
    key = ", ".join(f'n."{k}"' for k in dataset.key)
    outer.append(f"hash({key}) AS _key_hash")
    source = _source(dataset, staged_columns, staged)
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source}) n"


def _checked_problems(dataset: Dataset, staged_columns: set[str]) -> tuple[list[str], list[str]]:
    """The rejection and flag tests of ``check_query``, over its inner query ``n``."""
    rejects = []
    absent = absent_columns(dataset, staged_columns)
    for column in dataset.columns:
        if column in absent:
            continue
        reason = error_reason(column, f'n."_raw_{column.name}"', f'n."{column.name}"')
        if reason is not None:
            rejects.append(f"({reason}) IS NOT NULL")
    if "_parse_error" in staged_columns:
        rejects.append("n._parse_error IS NOT NULL")
    flags = []
    for column in absent:
        penalty = 'n."principal_penalty"'
        applies = f"{penalty} = {sql_literal(DEATH_SUSPENDED)} AND " if column.derived_from else ""
        flags.append(f'({applies}n."{column.name}" IS NULL)')
    if "id_number" in dataset.column_names and "id_number" in staged_columns:
        flags.append(f"({_id_flag_reason(staged_columns, 'n', 'n._raw_id_number')}) IS NOT NULL")
    if "crimes" in dataset.column_names and "crimes" in staged_columns:
        flags.append("n._crimes_problem IS NOT NULL")
    return rejects, flags


def issues_query(
    dataset: Dataset, staged_columns: set[str], staged: str, rows: str, context: str
) -> str:
    """Every reason of every row whose ``_row`` is in the subquery ``rows``: one row per
    (row, column, value, reason, action); ``context`` is SQL for the leading columns.

    A row the reader could not read (``_raw``: a line in another encoding, with NUL) has
    only its parse error; one whose cell the reader withheld (``_cells``: over the size
    limit) has no reason for that column beyond it: their empty cells are not the
    sender's."""
    problems = _problems(dataset, staged_columns)
    source = _source(dataset, staged_columns, staged, f"WHERE _row IN ({rows})")
    parts = [
        f"SELECT {context}, raw._row AS row_number, {sql_literal(p.column)} AS column_name, "
        f"CAST({p.raw} AS VARCHAR) AS value, {p.reason} AS reason, "
        f"{sql_literal(REJECT if p.reject else FLAG)} AS action "
        f"FROM {source} WHERE ({p.reason}) IS NOT NULL{_unless_withheld(p, staged_columns)}"
        for p in problems
    ]
    if not parts:
        return f"SELECT {context}, NULL::BIGINT, NULL, NULL, NULL, NULL WHERE FALSE"
    return " UNION ALL ".join(parts)


def _unless_withheld(problem: Problem, staged_columns: set[str]) -> str:
    if not problem.column or not {"_parse_error", "_extra"} <= staged_columns:
        return ""
    withheld = sql_literal(f'$._cells."{problem.column}"')
    return (
        " AND NOT (raw._parse_error IS NOT NULL AND coalesce(json_exists(raw._extra, '$._raw') "
        f"OR json_exists(raw._extra, {withheld}), FALSE))"
    )


def _id_valid(staged_columns: set[str], relation: str = "raw") -> str:
    if "id_number" not in staged_columns:
        return "NULL::BOOLEAN"
    id_ref = "raw.id_number" if relation == "raw" else f"{relation}._raw_id_number"
    return (
        f"CASE WHEN {id_ref} IS NULL THEN NULL "
        f"ELSE {relation}._id_problem IS NULL AND NOT {_numeric_id(staged_columns, relation)} END"
    )


def _numeric_id(staged_columns: set[str], relation: str = "raw") -> str:
    if "_numeric_columns" not in staged_columns:
        return "FALSE"
    return f"coalesce(contains({relation}._numeric_columns, 'id_number'), FALSE)"


def _id_flag_reason(
    staged_columns: set[str], relation: str = "raw", id_ref: str = "raw.id_number"
) -> str:
    numeric = _numeric_id(staged_columns, relation)
    problem = f"{relation}._id_problem"
    return (
        f"CASE WHEN {id_ref} IS NULL THEN NULL "
        f"WHEN {numeric} THEN '身份证号在表格中以数值形式存储，末位X或后几位可能已丢失（'"
        f" || coalesce({problem}, '需核对') || '），按原值保存并标记' "
        f"WHEN {problem} IS NOT NULL "
        f"THEN '身份证号' || {problem} || '，按原值保存并标记' END"
    )


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


def register_restrictions(con: duckdb.DuckDBPyConnection, staged: str) -> None:
    """What each distinct 判决主文 of a 死缓 decides about 限制减刑 and 终身监禁, read by the
    legal kernel (``zhijian.law.sentence.restrictions``), into table ``zj_restrictions``.
    Other penalties cannot carry either, so their wording is not read."""
    rows = con.execute(
        f"SELECT DISTINCT sentence_text FROM read_parquet({sql_literal(staged)}) "
        "WHERE sentence_text IS NOT NULL AND principal_penalty = ?",
        [DEATH_SUSPENDED],
    ).fetchall()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zj_restrictions "
        "(raw VARCHAR, limited_reduction BOOLEAN, life_without_parole BOOLEAN)"
    )
    decided = [(raw, *_decided(raw)) for (raw,) in rows]
    if decided:
        con.executemany("INSERT INTO zj_restrictions VALUES (?, ?, ?)", decided)


def _decided(text: str) -> tuple[bool, bool]:
    found = restrictions(text)
    return found.limited_reduction, found.life_without_parole


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
