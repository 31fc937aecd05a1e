"""Merging checked rows into a dataset's Delta table: what each accepted row becomes
(insert, update or unchanged, against the table's current files), which updates
overwrite a record another source wrote, and the write itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from deltalake import CommitProperties, WriterProperties, write_deltalake

from zhijian.warehouse import storage
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.staging import ahead
from zhijian.warehouse.sqltext import sql_identifier, sql_literal
from zhijian.warehouse.standard import Dataset
from zhijian.warehouse.validate import FLAG
from zhijian.warehouse.workspace import Workspace

BATCH_ROWS = 256_000
# Batches DuckDB may produce ahead of the Delta writer.
PREFETCH = 2
# Snappy: fast to write and read; the tables are read far more often than written.
WRITER = WriterProperties(compression="SNAPPY")
UNNAMED = "未注明"


@dataclass(frozen=True)
class Merge:
    """What an import will write: the counts, and the SELECT of the rows to write."""

    inserted: int
    updated: int
    unchanged: int
    other_source: int  # updates of rows another source wrote (table ``other_source``)
    changed_sql: str

    def other_source_issues(self, context: str) -> str:
        """Quarantine rows flagging each update of another source's record."""
        return (
            f"SELECT {context}, _row AS row_number, 'source_system' AS column_name, "
            "value, reason, "
            f"{sql_literal(FLAG)} AS action FROM other_source"
        )


def plan_merge(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    source: str | None,
    kept: tuple[str, ...],
    expected_accepted: int,
) -> Merge:
    """Count what the accepted rows of ``checked`` (less ``duplicates``) become. Columns
    in ``kept`` were absent from the file: an unknown there keeps the stored value.
    Nothing is planned unless the counts add up to the rows accepted."""
    path = workspace.table_path(dataset.name)
    storage.ensure_table(path, dataset.arrow_schema())
    files = storage.current_files(path)
    has_duplicates = _count(con, "SELECT count(*) FROM duplicates") > 0
    accepted = _accepted_sql(dataset, source, has_duplicates)
    other = 0
    if files:
        # Only the row numbers and what becomes of them: the rows themselves stay in
        # ``checked`` and are read once more only when some are new or changed.
        con.execute(f"CREATE TABLE changes AS {_diff_sql(dataset, files, accepted, kept)}")
        counts = dict(
            con.execute("SELECT _change, count(*) FROM changes GROUP BY _change").fetchall()
        )
        if counts.get("update"):
            other = _find_other_source(workspace, con, dataset, files, accepted, source)
        changed = _changed_sql(accepted, kept)
    else:  # a first import: every accepted row is new, no need to materialize them again
        counts = {"insert": _count(con, f"SELECT count(*) FROM ({accepted})")}
        changed = accepted
    inserted, updated = int(counts.get("insert", 0)), int(counts.get("update", 0))
    unchanged = int(counts.get("same", 0))
    if inserted + updated + unchanged != expected_accepted:
        raise WarehouseError(
            "内部校验失败：入库、未变更与拒收行数之和不等于收到的行数，本批次未写入"
        )
    return Merge(inserted, updated, unchanged, other, changed)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _accepted_sql(dataset: Dataset, source: str | None, has_duplicates: bool) -> str:
    """The accepted rows: ``_row`` and the table's data columns."""
    columns = ["_row"]
    for name in dataset.column_names:
        quoted = sql_identifier(name)
        if name == "source_system" and source:
            columns.append(f"coalesce({quoted}, {sql_literal(source)}) AS {quoted}")
        else:
            columns.append(quoted)
    if "id_number_valid" in dataset.arrow_schema().names:
        columns.append("id_number_valid")
    without_duplicates = " AND _row NOT IN (SELECT _row FROM duplicates)" if has_duplicates else ""
    return f"SELECT {', '.join(columns)} FROM checked WHERE NOT _rejected{without_duplicates}"


def _compared_columns(dataset: Dataset) -> list[str]:
    names = list(dataset.column_names)
    if "id_number_valid" in dataset.arrow_schema().names:
        names.append("id_number_valid")
    return names


def _diff_sql(dataset: Dataset, files: list[str], accepted: str, kept: tuple[str, ...]) -> str:
    """Each accepted row's ``_row`` with ``_change`` (insert, update or same, against
    the table's current files), and the stored values of the ``kept`` columns."""
    compared = _compared_columns(dataset)
    existing = ", ".join(sql_identifier(c) for c in compared)
    same = " AND ".join(
        f"{_new_value(c, kept)} IS NOT DISTINCT FROM e.{sql_identifier(c)}" for c in compared
    )
    change = f"CASE WHEN e._present IS NULL THEN 'insert' WHEN {same} THEN 'same' ELSE 'update' END"
    keep = "".join(f", e.{sql_identifier(c)} AS {sql_identifier('_keep_' + c)}" for c in kept)
    return (
        f"SELECT a._row, {change} AS _change{keep} FROM ({accepted}) a "
        f"LEFT JOIN (SELECT {existing}, TRUE AS _present FROM read_parquet({_file_list(files)})) e "
        f"ON {_key_join(dataset)}"
    )


def _file_list(files: list[str]) -> str:
    return "[" + ", ".join(sql_literal(f) for f in files) + "]"


def _key_join(dataset: Dataset) -> str:
    return " AND ".join(
        f"a.{sql_identifier(k)} IS NOT DISTINCT FROM e.{sql_identifier(k)}" for k in dataset.key
    )


def _new_value(column: str, kept: tuple[str, ...]) -> str:
    if column in kept:
        return f"coalesce(a.{sql_identifier(column)}, e.{sql_identifier(column)})"
    return f"a.{sql_identifier(column)}"


def _changed_sql(accepted: str, kept: tuple[str, ...]) -> str:
    """The rows to write: new and changed, the ``kept`` columns filled from the stored
    row where the file left them unknown."""
    if not kept:
        return (
            f"SELECT * FROM ({accepted}) WHERE _row IN "
            "(SELECT _row FROM changes WHERE _change IN ('insert', 'update'))"
        )
    filled = ", ".join(
        f"coalesce(a.{sql_identifier(c)}, ch.{sql_identifier('_keep_' + c)}) AS {sql_identifier(c)}"
        for c in kept
    )
    return (
        f"SELECT a.* REPLACE ({filled}) FROM ({accepted}) a "
        "JOIN changes ch ON ch._row = a._row WHERE ch._change IN ('insert', 'update')"
    )


def _find_other_source(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    files: list[str],
    accepted: str,
    source: str | None,
) -> int:
    """Table ``other_source``: the updates whose stored row came from another source
    (its ``source_system``, or the source of the batch that wrote it, differs), with
    the old and new source. Returns how many. Only imports that update rows look."""
    batches = storage.open_table(workspace.table_path(storage.BATCHES))
    sources = (
        batches.to_pyarrow_table(columns=["batch_id", "source"])
        if batches is not None
        else pa.table({"batch_id": pa.array([], pa.string()), "source": pa.array([], pa.string())})
    )
    con.register("zj_batch_sources", sources)
    batch_source = sql_literal(source) if source else "NULL::VARCHAR"
    unnamed = sql_literal(UNNAMED)
    reason = (
        "'本行更新了其他来源写入的记录：原记录来源系统为“' || "
        f"coalesce(ch._old_source, {unnamed}) || '”、报送来源为“' || "
        f"coalesce(b.source, {unnamed}) || '”（批次 ' || coalesce(ch._old_batch, {unnamed}) || "
        f"'），本次来源系统为“' || coalesce(ch._new_source, {unnamed}) || '”、报送来源为“' || "
        f"coalesce({batch_source}, {unnamed}) || '”'"
    )
    value = (
        f"coalesce(ch._old_source, b.source, {unnamed}) || ' → ' || "
        f"coalesce(ch._new_source, {batch_source}, {unnamed})"
    )
    keys = ", ".join(sql_identifier(k) for k in dataset.key)
    updates = (
        f"SELECT a._row, a.source_system AS _new_source, e.source_system AS _old_source, "
        f"e.import_batch_id AS _old_batch FROM ({accepted}) a "
        f"JOIN (SELECT {keys}, source_system, import_batch_id "
        f"FROM read_parquet({_file_list(files)})) e ON {_key_join(dataset)} "
        "WHERE a._row IN (SELECT _row FROM changes WHERE _change = 'update')"
    )
    con.execute(
        f"""
        CREATE TABLE other_source AS
        SELECT ch._row, {value} AS value, {reason} AS reason
        FROM ({updates}) ch LEFT JOIN zj_batch_sources b ON b.batch_id = ch._old_batch
        WHERE ch._old_source IS DISTINCT FROM ch._new_source
           OR b.source IS DISTINCT FROM {batch_source}
        """
    )
    con.unregister("zj_batch_sources")
    return _count(con, "SELECT count(*) FROM other_source")


def write_merge(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    path: Path,
    batch_id: str,
    merge: Merge,
    commit: CommitProperties,
) -> None:
    """Append the new rows, or merge new and changed ones on the natural key, in one
    commit carrying ``commit``'s metadata."""
    table = storage.ensure_table(path, dataset.arrow_schema())
    schema = dataset.arrow_schema()
    selected = []
    for name in schema.names:
        if name == "import_batch_id":
            selected.append(f"{sql_literal(batch_id)} AS import_batch_id")
        elif name == "imported_at":
            selected.append("now()::TIMESTAMPTZ AS imported_at")
        else:
            selected.append(sql_identifier(name))
    sql = f"SELECT {', '.join(selected)} FROM ({merge.changed_sql})"
    # DuckDB produces the batches in a background thread while the Delta writer encodes
    # the ones before, so the two halves of the write use both cores.
    batches = ahead(iter(_arrow_reader(con, sql, schema)), PREFETCH)
    try:
        reader = pa.RecordBatchReader.from_batches(schema, batches)
        if not merge.updated:
            write_deltalake(
                table, reader, mode="append", writer_properties=WRITER, commit_properties=commit
            )
            return
        predicate = " AND ".join(
            f"t.{sql_identifier(k)} = s.{sql_identifier(k)}"
            if dataset.column(k).required
            else f"(t.{sql_identifier(k)} IS NOT DISTINCT FROM s.{sql_identifier(k)})"
            for k in dataset.key
        )
        (
            table.merge(
                source=reader,
                predicate=predicate,
                source_alias="s",
                target_alias="t",
                writer_properties=WRITER,
                commit_properties=commit,
            )
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
    finally:
        batches.close()  # stops the background thread before the connection closes


def _arrow_reader(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema) -> Any:
    """Stream a query's result as Arrow batches with exactly the table's schema."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    if reader is None:
        raise WarehouseError("内部错误：查询没有返回结果")
    return reader.cast(schema)
