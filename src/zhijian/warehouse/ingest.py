"""Importing a file: stage, check, quarantine, merge into the dataset's Delta table, log.

received = inserted + updated + unchanged + rejected, for every batch. Re-importing the
same rows changes nothing (no new table version). Only one import runs at a time per
workspace; a batch whose process died is marked 失败 by the next command that holds the
workspace lock, and readers never saw any of its rows.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import WriterProperties, write_deltalake

from zhijian.warehouse import storage
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers import StagedFile, load_mapping, stage_file
from zhijian.warehouse.readers.staging import ahead
from zhijian.warehouse.standard import Dataset, get_dataset, import_order
from zhijian.warehouse.validate import (
    REJECT,
    check_query,
    install_macros,
    issues_query,
    register_crime_names,
    sql_literal,
)
from zhijian.warehouse.workspace import Workspace

Progress = Callable[[int], None]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".jsonl", ".ndjson")
BATCH_ROWS = 256_000
# Key hashes sorted at a time in the duplicate search: 64 MB of them.
HASH_SORT_ROWS = 8_000_000
# Batches DuckDB may produce ahead of the Delta writer.
PREFETCH = 2
# Snappy: fast to write and read; the tables are read far more often than written.
WRITER = WriterProperties(compression="SNAPPY")


@dataclass(frozen=True)
class ImportSummary:
    batch_id: str
    dataset: str
    file_name: str
    received: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    flagged: int
    unknown_columns: tuple[str, ...] = field(default=())
    version_before: int | None = None
    version_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["unknown_columns"] = list(self.unknown_columns)
        return data


def new_batch_id() -> str:
    return storage.now().strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    dataset_name: str,
    path: Path,
    *,
    workspace: Workspace | None = None,
    mapping_path: Path | None = None,
    source: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file into ``dataset_name`` (for Excel, ``sheet`` or the first sheet);
    WarehouseError if it cannot be read at all."""
    workspace = workspace or Workspace.from_environment()
    dataset = get_dataset(dataset_name)
    if not path.is_file():
        raise WarehouseError(f"文件不存在：{path}")
    mapping = load_mapping(mapping_path) if mapping_path else None
    with workspace.lock():
        storage.fail_stale_batches(workspace)
        batch_id = new_batch_id()
        version_before = storage.table_version(workspace.table_path(dataset.name))
        storage.record_batch_start(
            workspace,
            {
                "batch_id": batch_id,
                "dataset": dataset.name,
                "file_name": path.name,
                "file_sha256": file_sha256(path),
                "source": source,
                "status": storage.RUNNING,
                "version_before": version_before,
                "started_at": storage.now(),
            },
        )
        try:
            staged = stage_file(
                path,
                dataset,
                workspace.staging_dir(batch_id),
                mapping=mapping,
                sheet=sheet,
                progress=progress,
            )
            # The reader's buffers are free now; hand them back to the system before
            # DuckDB and the Delta writer take theirs, which keeps the peak lower.
            pa.default_memory_pool().release_unused()
            summary = _check_and_store(workspace, dataset, staged, batch_id, path.name, source)
        except Exception as error:
            message = str(error) if isinstance(error, WarehouseError) else "内部错误"
            storage.record_batch_end(
                workspace,
                batch_id,
                {"status": storage.FAILED, "finished_at": storage.now(), "message": message},
            )
            raise
        finally:
            workspace.remove_staging(batch_id)
        summary = ImportSummary(**{**asdict(summary), "version_before": version_before})
        storage.record_batch_end(workspace, batch_id, _batch_values(summary))
        return summary


def _batch_values(summary: ImportSummary) -> dict[str, Any]:
    return {
        "status": storage.SUCCEEDED,
        "received": summary.received,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "flagged": summary.flagged,
        "unknown_columns": "、".join(summary.unknown_columns) or None,
        "version_after": summary.version_after,
        "finished_at": storage.now(),
    }


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB for the check that spills to the staging folder instead of filling memory."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")  # the importer shows its own progress
    con.execute("SET memory_limit = '1GB'")
    con.execute(f"SET temp_directory = {sql_literal(str(staging / 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    install_macros(con)
    return con


def _check_and_store(
    workspace: Workspace,
    dataset: Dataset,
    staged: StagedFile,
    batch_id: str,
    file_name: str,
    source: str | None,
) -> ImportSummary:
    staged_path = str(staged.path)
    staged_columns = set(pq.read_schema(staged_path).names)
    con = _connect(staged.path.parent)
    try:
        if "crimes" in dataset.column_names and "crimes" in staged_columns:
            register_crime_names(con, staged_path)
        con.execute(f"CREATE TABLE checked AS {check_query(dataset, staged_columns, staged_path)}")
        _find_duplicates(con, dataset, staged.rows)
        context = ", ".join(
            f"{sql_literal(value)} AS {name}"
            for name, value in (
                ("batch_id", batch_id),
                ("dataset", dataset.name),
                ("file_name", file_name),
            )
        )
        bad_rows = "SELECT _row FROM checked WHERE _rejected OR _flagged"
        issues = _duplicates_sql(dataset, context)
        if _count(con, f"SELECT count(*) FROM ({bad_rows})"):
            found = issues_query(dataset, staged_columns, staged_path, bad_rows, context)
            issues = f"{found} UNION ALL {issues}"
        _write_issues(workspace, con, issues)
        flagged = _count(con, "SELECT count(*) FROM checked WHERE _flagged")
        rejected = _count(con, "SELECT count(*) FROM checked WHERE _rejected") + _count(
            con, "SELECT count(*) FROM duplicates"
        )
        counts = _store(workspace, con, dataset, batch_id, source, staged.rows - rejected)
    finally:
        con.close()
    inserted, updated, unchanged, version_after = counts
    return ImportSummary(
        batch_id=batch_id,
        dataset=dataset.name,
        file_name=file_name,
        received=staged.rows,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        rejected=rejected,
        flagged=flagged,
        unknown_columns=tuple(staged.header.unknown),
        version_after=version_after,
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _key_list(dataset: Dataset, prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{k}"' for k in dataset.key)


def _find_duplicates(con: duckdb.DuckDBPyConnection, dataset: Dataset, rows: int) -> None:
    """Within the file, the first accepted row of a key wins; later ones are rejected.
    Table ``duplicates`` gets each later row with the row it repeats.

    The key hashes of the accepted rows are sorted (numpy sorts millions of integers in
    a few hundredths of a second, far less than grouping them), and only rows whose hash
    repeats are compared by their keys exactly. A large file is sorted a hash range at a
    time, so the hashes in memory stay bounded."""
    parts = max(1, -(-rows // HASH_SORT_ROWS))
    repeated = []
    for part in range(parts):
        where = f" AND _key_hash % {parts} = {part}" if parts > 1 else ""
        column = con.execute(
            f"SELECT _key_hash FROM checked WHERE NOT _rejected{where}"
        ).fetchnumpy()["_key_hash"]
        hashes = np.sort(np.asarray(column, dtype=np.uint64))
        repeated.append(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]))
        del column, hashes
    found = pa.table({"h": pa.array(np.concatenate(repeated), pa.uint64())})
    con.register("zj_repeated_hashes", found)
    con.execute("CREATE TABLE key_hashes AS SELECT h FROM zj_repeated_hashes")
    con.unregister("zj_repeated_hashes")
    keys = _key_list(dataset)
    join = " AND ".join(f'c."{k}" IS NOT DISTINCT FROM d."{k}"' for k in dataset.key)
    con.execute(
        f"""
        CREATE TABLE duplicates AS
        WITH candidates AS (
            SELECT * FROM checked
            WHERE NOT _rejected AND _key_hash IN (SELECT h FROM key_hashes)
        )
        SELECT c._row, d.first_row AS _duplicate_of, {_key_list(dataset, "c.")}
        FROM candidates c JOIN (
            SELECT {keys}, min(_row) AS first_row FROM candidates
            GROUP BY {keys} HAVING count(*) > 1
        ) d ON {join}
        WHERE c._row > d.first_row
        """
    )


def _duplicates_sql(dataset: Dataset, context: str) -> str:
    """Quarantine rows for the within-file duplicates."""
    key_names = "、".join(dataset.key)
    key_values = " || '、' || ".join(f"coalesce(CAST(\"{k}\" AS VARCHAR), '')" for k in dataset.key)
    return (
        f"SELECT {context}, _row AS row_number, {sql_literal(key_names)} AS column_name, "
        f"{key_values} AS value, '文件内主键重复：与第' || _duplicate_of || '行相同' AS reason, "
        f"{sql_literal(REJECT)} AS action FROM duplicates"
    )


def _write_issues(workspace: Workspace, con: duckdb.DuckDBPyConnection, issues_sql: str) -> None:
    """Quarantine every rejected and flagged value."""
    con.execute(f"CREATE TABLE issues AS {issues_sql}")
    if _count(con, "SELECT count(*) FROM issues"):
        reader = _arrow_reader(
            con, "SELECT * FROM issues ORDER BY row_number", storage.ISSUE_SCHEMA
        )
        storage.append_issues(workspace, reader)


def _arrow_reader(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema) -> Any:
    """Stream a query's result as Arrow batches with exactly the table's schema."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    if reader is None:
        raise WarehouseError("内部错误：查询没有返回结果")
    return reader.cast(schema)


def _store(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    batch_id: str,
    source: str | None,
    expected_accepted: int,
) -> tuple[int, int, int, int | None]:
    """Merge the accepted rows into the table; returns inserted, updated, unchanged and
    the table version after (unchanged when nothing was written). Nothing is written
    unless the counts add up to the rows received."""
    path = workspace.table_path(dataset.name)
    schema = dataset.arrow_schema()
    table = storage.ensure_table(path, schema)
    files = storage.current_files(path)
    has_duplicates = _count(con, "SELECT count(*) FROM duplicates") > 0
    accepted = _accepted_sql(dataset, source, has_duplicates)
    if files:
        # Only the row numbers and what becomes of them: the rows themselves stay in
        # ``checked`` and are read once more only when some are new or changed.
        con.execute(f"CREATE TABLE changes AS {_diff_sql(dataset, files, accepted)}")
        counts = dict(
            con.execute("SELECT _change, count(*) FROM changes GROUP BY _change").fetchall()
        )
        changed = (
            f"SELECT * FROM ({accepted}) WHERE _row IN "
            "(SELECT _row FROM changes WHERE _change IN ('insert', 'update'))"
        )
    else:  # a first import: every accepted row is new, no need to materialize them again
        counts = {"insert": _count(con, f"SELECT count(*) FROM ({accepted})")}
        changed = accepted
    inserted, updated = int(counts.get("insert", 0)), int(counts.get("update", 0))
    unchanged = int(counts.get("same", 0))
    if inserted + updated + unchanged != expected_accepted:
        raise WarehouseError(
            "内部校验失败：入库、未变更与拒收行数之和不等于收到的行数，本批次未写入"
        )
    if inserted or updated:
        _write_changes(con, dataset, table, schema, batch_id, changed, updated > 0)
    return inserted, updated, unchanged, storage.table_version(path)


def _accepted_sql(dataset: Dataset, source: str | None, has_duplicates: bool) -> str:
    """The accepted rows: ``_row`` and the table's data columns."""
    columns = ["_row"]
    for name in dataset.column_names:
        if name == "source_system" and source:
            columns.append(f'coalesce("source_system", {sql_literal(source)}) AS "source_system"')
        else:
            columns.append(f'"{name}"')
    if "id_number_valid" in dataset.arrow_schema().names:
        columns.append("id_number_valid")
    without_duplicates = " AND _row NOT IN (SELECT _row FROM duplicates)" if has_duplicates else ""
    return f"SELECT {', '.join(columns)} FROM checked WHERE NOT _rejected{without_duplicates}"


def _compared_columns(dataset: Dataset) -> list[str]:
    names = list(dataset.column_names)
    if "id_number_valid" in dataset.arrow_schema().names:
        names.append("id_number_valid")
    return names


def _diff_sql(dataset: Dataset, files: list[str], accepted: str) -> str:
    """Each accepted row's ``_row`` with ``_change``: insert, update or same, against the
    table's current files."""
    file_list = "[" + ", ".join(sql_literal(f) for f in files) + "]"
    compared = _compared_columns(dataset)
    existing = ", ".join(f'"{c}"' for c in compared)
    join = " AND ".join(f'a."{k}" IS NOT DISTINCT FROM e."{k}"' for k in dataset.key)
    same = " AND ".join(f'a."{c}" IS NOT DISTINCT FROM e."{c}"' for c in compared)
    return (
        f"SELECT a._row, CASE WHEN e._present IS NULL THEN 'insert' "
        f"WHEN {same} THEN 'same' ELSE 'update' END AS _change "
        f"FROM ({accepted}) a "
        f"LEFT JOIN (SELECT {existing}, TRUE AS _present FROM read_parquet({file_list})) e "
        f"ON {join}"
    )


def _write_changes(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    table: Any,
    schema: pa.Schema,
    batch_id: str,
    changed: str,
    has_updates: bool,
) -> None:
    selected = []
    for name in schema.names:
        if name == "import_batch_id":
            selected.append(f"{sql_literal(batch_id)} AS import_batch_id")
        elif name == "imported_at":
            selected.append("now()::TIMESTAMPTZ AS imported_at")
        else:
            selected.append(f'"{name}"')
    sql = f"SELECT {', '.join(selected)} FROM ({changed})"
    # DuckDB produces the batches in a background thread while the Delta writer encodes
    # the ones before, so the two halves of the write use both cores.
    batches = ahead(iter(_arrow_reader(con, sql, schema)), PREFETCH)
    try:
        reader = pa.RecordBatchReader.from_batches(schema, batches)
        if not has_updates:
            write_deltalake(table, reader, mode="append", writer_properties=WRITER)
            return
        predicate = " AND ".join(
            f't."{k}" = s."{k}"'
            if dataset.column(k).required
            else f'(t."{k}" IS NOT DISTINCT FROM s."{k}")'
            for k in dataset.key
        )
        (
            table.merge(
                source=reader,
                predicate=predicate,
                source_alias="s",
                target_alias="t",
                writer_properties=WRITER,
            )
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
    finally:
        batches.close()  # stops the background thread before the connection closes


def import_directory(
    directory: Path,
    *,
    workspace: Workspace | None = None,
    source: str | None = None,
    progress: Progress | None = None,
) -> list[ImportSummary]:
    """Import every ``<dataset>.<csv|xlsx|parquet|jsonl…>`` in ``directory``, reference
    data first. Files named after no dataset are left alone and listed in the error if
    nothing at all matches."""
    if not directory.is_dir():
        raise WarehouseError(f"目录不存在：{directory}")
    files = {p.stem: p for p in sorted(directory.iterdir()) if p.suffix.lower() in SUFFIXES}
    ordered = [(d.name, files[d.name]) for d in import_order() if d.name in files]
    if not ordered:
        raise WarehouseError(f"目录 {directory} 中没有以数据集命名的文件（如 judgments.csv）")
    return [
        import_file(name, path, workspace=workspace, source=source, progress=progress)
        for name, path in ordered
    ]
