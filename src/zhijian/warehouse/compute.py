"""Reading the warehouse for compute: a DuckDB connection with one view per dataset over
the current files of its Delta table, locked down so that a query can read those files
and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from zhijian.warehouse import storage
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.sqltext import sql_identifier, sql_literal
from zhijian.warehouse.standard import DATASETS
from zhijian.warehouse.workspace import Workspace

LOG_TABLES = {
    storage.BATCHES: storage.BATCH_SCHEMA,
    storage.ISSUES: storage.ISSUE_SCHEMA,
}


@dataclass(frozen=True)
class Snapshot:
    """A read-only view of the warehouse and the table versions it reads (None for a
    dataset never imported: its view is empty), with the files of those versions."""

    connection: duckdb.DuckDBPyConnection
    versions: dict[str, int | None]
    files: dict[str, list[str]] = field(default_factory=dict)
    memory_limit: str = "2GB"

    def narrowed(self, datasets: Iterable[str]) -> duckdb.DuckDBPyConnection:
        """A new connection, locked down as this one, over the same files but holding
        only the views of ``datasets`` (a model's declared inputs; names outside the
        data standard are left out): the rest of the warehouse and its log tables do not
        exist in it, whatever a query names."""
        tables = {
            name: (DATASETS[name].arrow_schema(), self.files.get(name, []))
            for name in datasets
            if name in DATASETS
        }
        return _locked(tables, self.memory_limit)


def connect(workspace: Workspace | None = None, *, memory_limit: str = "2GB") -> Snapshot:
    """A DuckDB connection with a view per dataset (and ``_import_batches``,
    ``_row_issues``), external access disabled except for the tables' current files."""
    workspace = workspace or Workspace.from_environment()
    versions: dict[str, int | None] = {}
    files: dict[str, list[str]] = {}
    tables: dict[str, tuple[pa.Schema, list[str]]] = {}
    schemas = {name: ds.arrow_schema() for name, ds in DATASETS.items()} | LOG_TABLES
    for name, schema in schemas.items():
        path = workspace.table_path(name)
        files[name] = storage.current_files(path)
        versions[name] = storage.table_version(path)
        tables[name] = (schema, files[name])
    return Snapshot(_locked(tables, memory_limit), versions, files, memory_limit)


def _locked(
    tables: dict[str, tuple[pa.Schema, list[str]]], memory_limit: str
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with a view per table over its files, reading those files
    and nothing else, its configuration locked."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")  # output is ours, not DuckDB's
    # A name that is not a view must not read a Python variable of the same name.
    con.execute("SET python_enable_replacements = false")
    allowed: list[str] = []
    for name, (schema, files) in tables.items():
        _create_view(con, name, schema, files)
        allowed += files
    con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
    con.execute("SET allowed_paths = [" + ", ".join(sql_literal(f) for f in allowed) + "]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _create_view(
    con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema, files: list[str]
) -> None:
    if files:
        listed = ", ".join(sql_literal(f) for f in files)
        columns = _columns(name, schema, files[0])
        con.execute(f'CREATE VIEW "{name}" AS SELECT {columns} FROM read_parquet([{listed}])')
        return
    empty = schema.empty_table()
    con.register(f"_empty_{name}", empty)
    con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "_empty_{name}"')


def _columns(name: str, schema: pa.Schema, first_file: str) -> str:
    """``*``, or for a log table an earlier version wrote (every file of a version has
    the same columns), its columns with null for the ones it lacks."""
    if name not in LOG_TABLES:
        return "*"
    present = set(pq.read_schema(first_file).names)
    if set(schema.names) <= present:
        return "*"
    return ", ".join(
        sql_identifier(f.name)
        if f.name in present
        else f"CAST(NULL AS {_duckdb_type(f.type)}) AS {sql_identifier(f.name)}"
        for f in schema
    )


def _duckdb_type(arrow_type: pa.DataType) -> str:
    return "BIGINT" if pa.types.is_integer(arrow_type) else "VARCHAR"


def check_read_only(sql: str) -> None:
    """Exactly one query statement (SELECT, WITH … SELECT, UNION …); anything else is
    refused with a Chinese message."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as error:
        raise WarehouseError(
            f"SQL 语法错误：{error.errors[0]['description'] if error.errors else error}"
        ) from None
    if len(statements) != 1:
        raise WarehouseError(f"只能执行一条查询语句，收到 {len(statements)} 条")
    if not isinstance(statements[0], exp.Query):
        raise WarehouseError("只允许只读的 SELECT 查询")


def run_query(
    sql: str, workspace: Workspace | None = None, parameters: list[Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query over the warehouse, ``parameters`` bound to its ``?``;
    returns column names and rows."""
    check_read_only(sql)
    snapshot = connect(workspace)
    try:
        result = snapshot.connection.execute(sql, parameters or [])
        columns = [d[0] for d in result.description or []]
        return columns, result.fetchall()
    except duckdb.Error as error:
        raise WarehouseError(f"查询失败：{error}") from None
    finally:
        snapshot.connection.close()


def json_value(value: Any) -> Any:
    """A query value as JSON can carry it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value
