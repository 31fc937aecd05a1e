"""The sandbox for model SQL, user-written or built in.

Before it runs: exactly one SELECT (checked with SQLGlot) whose every table reference,
resolved in its lexical scope, is one of the model's declared datasets or a CTE visible
there; no table functions (read_csv, glob, …), no catalog (duckdb_tables(),
information_schema, …), no settings or environment functions (current_setting, getenv,
…), no DDL, DML, ATTACH, COPY, INSTALL, LOAD, PRAGMA or SET. When it runs: a read-only
connection holding only the model's declared datasets, with external access disabled and
the configuration locked (``zhijian.warehouse.compute``), a memory limit, a time limit
after which the query is interrupted, and a cap on the rows of the result.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope

from zhijian.supervision.errors import ModelError
from zhijian.supervision.limits import DEFAULT_SECONDS, MAX_RESULT_ROWS, MAX_ROWS_VARIABLE

# The warehouse's own log of imports and rejected rows: what senders sent, not the data
# standard. Never a model's input, even when declared.
LOG_TABLES = frozenset({"_import_batches", "_row_issues"})

# Functions (and catalog names) no model may use, whatever the spelling: any case, quoted
# ("duckdb_settings"()), in FROM or as a value, or as a method ('x'.current_setting()).
# A model reads the rows of its declared datasets and nothing about the database, the
# server or the session. Names are fnmatch patterns; the value says what the function
# would do, for the message.
REFUSED_FUNCTIONS: dict[str, str] = {
    # DuckDB's catalog: duckdb_tables(), duckdb_views() (each view's files),
    # duckdb_settings() (the configuration, the warehouse's file paths), …
    "duckdb_*": "读取数据库目录和配置",
    # PRAGMA as a table function: pragma_database_list, pragma_table_info, …
    "pragma_*": "读取数据库目录",
    # PostgreSQL's catalog: pg_get_viewdef() shows a view's definition; also pg_sleep
    "pg_*": "读取数据库目录",
    # catalog descriptions and privileges, PostgreSQL style
    "col_description": "读取数据库目录",
    "obj_description": "读取数据库目录",
    "shobj_description": "读取数据库目录",
    "has_*_privilege": "读取数据库权限",
    "format_pg_type": "读取数据库目录",
    "map_to_pg_oid": "读取数据库目录",
    "map_type_id_to_pg_oid": "读取数据库目录",
    "in_search_path": "读取数据库目录",
    # which catalog, schema and search path the query runs in
    "current_catalog": "读取数据库目录",
    "current_database": "读取数据库目录",
    "current_schema": "读取数据库目录",
    "current_schemas": "读取数据库目录",
    # the configuration: memory limit, allowed file paths, …
    "current_setting": "读取数据库配置",
    # the server's environment (DuckDB's shell has it; refused wherever it exists)
    "getenv": "读取服务器环境变量",
    # variables of the session (SET VARIABLE)
    "getvariable": "读取会话变量",
    # sequences change state on every call
    "nextval": "改变序列状态",
    "currval": "读取序列状态",
    # the session's random state is shared with whatever runs next
    "setseed": "改变会话的随机数状态",
    # a query that only waits holds a worker for nothing
    "sleep_ms": "让查询空等",
}

# DuckDB's SQLite-style catalog views, read by their bare names.
CATALOG_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})
# Schemas and catalogs that hold the catalog rather than data.
CATALOG_SCHEMAS = frozenset({"information_schema", "pg_catalog", "system"})


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
    """Parse and check a model's SQL; returns the parsed query. ModelError (Chinese,
    naming the model and what was refused) when the query calls a refused function,
    reads a table function, the catalog, the warehouse's log tables, or a dataset
    outside ``inputs``."""
    query = parse_select(sql, model)
    # DuckDB matches names without regard to case, quoted or not: so must the check.
    tree = normalize_identifiers(query.copy(), dialect="duckdb")
    declared = {name.lower() for name in inputs}
    _check_functions(tree, model)
    for table, cte in _resolve_tables(tree, model):
        if cte is None:
            _check_dataset(table, model, declared)
    return query


def refusal_reason(name: str) -> str | None:
    """Why a function (or catalog name) is refused; None when it is not."""
    lowered = name.lower()
    for pattern, reason in REFUSED_FUNCTIONS.items():
        if fnmatchcase(lowered, pattern):
            return reason
    return None


def _function_names(node: exp.Func) -> list[str]:
    """The names a function node may have been written with."""
    if isinstance(node, exp.Anonymous):
        return [node.name]
    return [name.lower() for name in type(node).sql_names()]


def _check_functions(tree: exp.Expr, model: str) -> None:
    for node in tree.find_all(exp.Func):
        for name in _function_names(node):
            reason = refusal_reason(name)
            if reason:
                raise ModelError(
                    f"模型 {model} 的 SQL 不允许调用函数 {name.lower()}（{reason}）："
                    "模型只能读取 inputs 中声明的数据集"
                )


def _resolve_tables(tree: exp.Expr, model: str) -> list[tuple[exp.Table, exp.CTE | None]]:
    """Every table reference of the query with the CTE it reads (None: a dataset).

    SQLGlot's scopes say which name each reference binds to. One case is corrected: in a
    WITH RECURSIVE, SQLGlot binds a CTE's name inside its whole body, while DuckDB binds
    it only in the recursive term of a UNION (in the base term, or under INTERSECT or
    EXCEPT, the name reads the table of that name). So every binding to a CTE is checked
    against where that CTE is visible, and read as a dataset where it is not. A table
    reference no scope accounts for is refused."""
    try:
        scopes = traverse_scope(tree)
    except SqlglotError as error:
        raise ModelError(f"模型 {model} 的 SQL 无法分析其读取的数据集：{error}") from None
    resolved: dict[int, tuple[exp.Table, exp.CTE | None]] = {}
    for scope in scopes:
        for table in scope.tables:
            resolved[id(table)] = (table, _bound_cte(scope, table))
    for table in tree.find_all(exp.Table):
        _check_reference(table, model)
        if id(table) not in resolved:
            raise ModelError(
                f"模型 {model} 的 SQL 中无法确定 {table.sql('duckdb')} 读取的数据集："
                "请在 FROM 或 JOIN 中直接读取 inputs 中声明的数据集或 CTE"
            )
    return list(resolved.values())


def _bound_cte(scope: Scope, table: exp.Table) -> exp.CTE | None:
    """The CTE ``table`` reads, when SQLGlot binds it to one visible at ``table``."""
    source = scope.sources.get(table.alias_or_name)
    if not isinstance(source, Scope) or source.scope_type != ScopeType.CTE:
        return None
    node = source.expression
    while isinstance(node.parent, exp.SetOperation):
        node = node.parent  # a recursive CTE's source is its base term
    cte = node.parent
    if not isinstance(cte, exp.CTE) or cte.alias_or_name != table.name:
        return None
    return cte if _visible(cte, table) else None


def _visible(cte: exp.CTE, table: exp.Table) -> bool:
    """True when ``cte`` is visible where ``table`` stands: in the body of the query whose
    WITH defines it, in the later CTEs of that WITH, and, for WITH RECURSIVE, in the
    recursive term of its own UNION."""
    with_ = cte.parent
    if not isinstance(with_, exp.With) or with_.parent is None:
        return False
    if not _within(table, with_.parent):
        return False
    ctes = list(with_.expressions)
    position = next(i for i, item in enumerate(ctes) if item is cte)
    for index, other in enumerate(ctes):
        if _within(table, other):
            if index > position:
                return True
            if index < position:
                return False
            body = cte.this
            return bool(
                with_.args.get("recursive")
                and isinstance(body, exp.Union)
                and _within(table, body.expression)
            )
    return True  # in the body of the query itself


def _within(node: exp.Expr, ancestor: exp.Expr) -> bool:
    current: exp.Expr | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def _check_reference(table: exp.Table, model: str) -> None:
    """A plain name: no table function, file, schema, catalog or catalog view."""
    if not isinstance(table.this, exp.Identifier):
        raise ModelError(f"模型 {model} 的 SQL 不允许使用表函数或文件：{table.this.sql('duckdb')}")
    qualifiers = {
        str(table.args[part].name).lower() for part in ("db", "catalog") if table.args.get(part)
    }
    if qualifiers & CATALOG_SCHEMAS:
        raise ModelError(f"模型 {model} 的 SQL 不允许读取数据库目录：{table.sql('duckdb')}")
    if qualifiers:
        raise ModelError(
            f"模型 {model} 的 SQL 不允许引用其他数据库或模式：{table.sql('duckdb')}"
            "（数据集直接写名称，例如 judgments）"
        )
    if table.name in CATALOG_TABLES or refusal_reason(table.name):
        raise ModelError(f"模型 {model} 的 SQL 不允许读取数据库目录：{table.name}")


def _check_dataset(table: exp.Table, model: str, declared: set[str]) -> None:
    name = table.name
    if name in LOG_TABLES:
        raise ModelError(
            f"模型 {model} 不允许读取数据仓库的导入日志 {name}：它记录导入的过程，不是模型的输入"
        )
    if name not in declared:
        raise ModelError(
            f"模型 {model} 读取了未在 inputs 中声明的数据集：{name}"
            f"（已声明：{'、'.join(sorted(declared)) or '无'}）"
        )


def parameter_names(query: exp.Query) -> set[str]:
    """The ``$name`` parameters a query uses."""
    return {node.name for node in query.find_all(exp.Placeholder) if node.name}


def max_rows_from_environment() -> int:
    """The cap on a model's result rows: ``ZHIJIAN_MODEL_MAX_ROWS`` when set, else
    ``MAX_RESULT_ROWS``; ModelError when the variable is not a positive whole number."""
    text = os.environ.get(MAX_ROWS_VARIABLE, "").strip()
    if not text:
        return MAX_RESULT_ROWS
    if not text.isdigit() or int(text) < 1:
        raise ModelError(
            f"环境变量 {MAX_ROWS_VARIABLE} 应为正整数（模型结果行数上限），现为“{text}”"
        )
    return int(text)


def too_many_rows(model: str, max_rows: int) -> ModelError:
    return ModelError(
        f"模型 {model} 的结果超过 {max_rows} 行，已拒绝，未生成线索：请收窄模型的条件"
        "（例如按查询日、场所或情形过滤），确需更多结果时由系统管理员调高结果行数上限"
        f"（环境变量 {MAX_ROWS_VARIABLE}）"
    )


def run_limited(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: dict[str, Any],
    *,
    model: str,
    seconds: float = DEFAULT_SECONDS,
    max_rows: int = MAX_RESULT_ROWS,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` with a time limit; ModelError on error, when the limit is reached, or
    when the result has more than ``max_rows`` rows (at most ``max_rows + 1`` are
    fetched: the result streams, it is never held whole)."""
    timer = threading.Timer(seconds, con.interrupt)
    started = time.monotonic()
    timer.start()
    try:
        result = con.execute(sql, parameters)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchmany(max_rows + 1)
    except duckdb.InterruptException:
        raise ModelError(f"模型 {model} 运行超过 {seconds:g} 秒，已被中止") from None
    except duckdb.Error as error:
        if time.monotonic() - started >= seconds:
            raise ModelError(f"模型 {model} 运行超过 {seconds:g} 秒，已被中止") from None
        raise ModelError(f"模型 {model} 运行出错：{error}") from None
    finally:
        timer.cancel()
    if len(rows) > max_rows:
        raise too_many_rows(model, max_rows)
    return columns, rows
