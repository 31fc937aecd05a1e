"""The portable-SQL lint: model SQL must carry over to Spark through SQLGlot, so the
library can run at provincial scale. Constructs that are DuckDB-only, or whose meaning
changes in translation, are refused with a Chinese explanation."""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from zhijian.supervision.sandbox import parse_select

# DuckDB functions with no Spark counterpart SQLGlot can produce, or a different meaning.
DUCKDB_ONLY_FUNCTIONS = {
    "LIST_HAS_ANY": "list_has_any（可改用 exists 子查询或 array_contains）",
    "LIST_HAS_ALL": "list_has_all",
    "LIST_FILTER": "list_filter（lambda）",
    "LIST_TRANSFORM": "list_transform（lambda）",
    "LIST_REDUCE": "list_reduce（lambda）",
    "ARRAY_FILTER": "array_filter（lambda）",
    "STRUCT_PACK": "struct_pack",
    "REGEXP_FULL_MATCH": "regexp_full_match",
    "STRPTIME": "strptime（请写成 cast(… as date)）",
    "TRY_STRPTIME": "try_strptime",
    "AGE": "age",
}


def lint(sql: str, model: str) -> list[str]:
    """Problems that keep ``sql`` from running on Spark; an empty list when portable."""
    query = parse_select(sql, model)
    problems = []
    for node in query.walk():
        problems += _node_problems(node)
    problems += _translation_problems(sql)
    return sorted(set(problems))


def _node_problems(node: Any) -> list[str]:
    if isinstance(node, exp.ArrayAgg) and node.find(exp.Order):
        return ["有序的 array_agg(… order by …) 在 Spark 中不保证顺序"]
    if isinstance(node, exp.Join) and str(node.args.get("method") or "").upper() == "ASOF":
        return ["ASOF JOIN 是 DuckDB 独有语法"]
    if isinstance(node, exp.DateDiff):
        unit = node.args.get("unit")
        if unit is not None and unit.name.upper() in ("MONTH", "YEAR", "QUARTER"):
            return ["date_diff('month'/'year', …) 按边界计数，Spark 的 months_between 含义不同"]
    if isinstance(node, exp.Lambda):
        return ["lambda 表达式（x -> …）无法可靠转换到 Spark"]
    if isinstance(node, exp.ArrayOverlaps | exp.ArrayContainsAll):
        return ["list_has_any / list_has_all（&&、@>）无法转换到 Spark：请改用 exists 子查询"]
    if type(node).__name__ == "Comprehension":
        return ["列表推导式 [x for x in …] 是 DuckDB 独有语法"]
    if isinstance(node, exp.DayOfWeek):
        return ["dayofweek 的星期日在 DuckDB 为 0、在 Spark 为 1：请改用 isodow（星期一为 1）"]
    name = _function_name(node)
    if name in DUCKDB_ONLY_FUNCTIONS:
        return [f"DuckDB 独有函数：{DUCKDB_ONLY_FUNCTIONS[name]}"]
    return []


def _function_name(node: Any) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    if isinstance(node, exp.Func):
        return node.sql_name().upper()
    return None


def _translation_problems(sql: str) -> list[str]:
    try:
        sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        return [f"无法转换为 Spark SQL：{error}"]
    return []


def to_spark(sql: str) -> str:
    """The model SQL in Spark's dialect."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]
