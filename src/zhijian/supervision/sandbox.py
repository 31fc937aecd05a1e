"""The sandbox for model SQL, user-written or built in.

Before it runs: exactly one SELECT (checked with SQLGlot), reading only the model's input
datasets and its own CTEs — no table functions (read_csv, glob, …), no DDL, DML,
ATTACH, COPY, INSTALL, LOAD, PRAGMA or SET. When it runs: a read-only view of the
warehouse with external access disabled and the configuration locked
(``zhijian.warehouse.compute.connect``), a memory limit, and a time limit after which
the query is interrupted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from zhijian.supervision.errors import ModelError

DEFAULT_SECONDS = 120.0


def _line_of(sql: str, error: ParseError) -> str:
    details = error.errors[0] if error.errors else {}
    line = details.get("line")
    description = details.get("description") or str(error)
    return f"第{line}行：{description}" if line else str(description)


def parse_select(sql: str, model: str) -> exp.Query:
    """The one SELECT of ``sql``; ModelError naming the model (and the line) otherwise."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as error:
        raise ModelError(f"模型 {model} 的 SQL 有语法错误，{_line_of(sql, error)}") from None
    if len(statements) != 1:
        raise ModelError(f"模型 {model} 的 SQL 应恰好是一条查询语句，实际为 {len(statements)} 条")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        kind = type(statement).__name__.upper()
        raise ModelError(f"模型 {model} 的 SQL 只允许 SELECT 查询，不允许 {kind} 语句")
    return statement


def check_sql(sql: str, model: str, inputs: Iterable[str]) -> exp.Query:
    """Parse and check a model's SQL; returns the parsed query."""
    query = parse_select(sql, model)
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    allowed = {name.lower() for name in inputs} | ctes
    for table in query.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise ModelError(
                f"模型 {model} 的 SQL 不允许使用表函数或文件：{table.this.sql('duckdb')}"
            )
        if table.args.get("db") or table.args.get("catalog"):
            raise ModelError(f"模型 {model} 的 SQL 不允许引用其他数据库：{table.sql('duckdb')}")
        if table.name.lower() not in allowed:
            raise ModelError(
                f"模型 {model} 读取了未在 inputs 中声明的数据集：{table.name}"
                f"（已声明：{'、'.join(sorted(allowed - ctes)) or '无'}）"
            )
    return query


def parameter_names(query: exp.Query) -> set[str]:
    """The ``$name`` parameters a query uses."""
    return {node.name for node in query.find_all(exp.Placeholder) if node.name}


def run_limited(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: dict[str, Any],
    *,
    model: str,
    seconds: float = DEFAULT_SECONDS,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` with a time limit; ModelError on error or when the limit is reached."""
    timer = threading.Timer(seconds, con.interrupt)
    started = time.monotonic()
    timer.start()
    try:
        result = con.execute(sql, parameters)
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()
    except duckdb.InterruptException:
        raise ModelError(f"模型 {model} 运行超过 {seconds:g} 秒，已被中止") from None
    except duckdb.Error as error:
        if time.monotonic() - started >= seconds:
            raise ModelError(f"模型 {model} 运行超过 {seconds:g} 秒，已被中止") from None
        raise ModelError(f"模型 {model} 运行出错：{error}") from None
    finally:
        timer.cancel()
