"""Importing a file: stage, check, quarantine, merge into the dataset's Delta table, log.

received = inserted + updated + unchanged + rejected, for every batch. Re-importing the
same rows changes nothing (no new table version). Only one import runs at a time per
workspace. An uploader's ``WriteScope`` limits the rows it may write (``scope.py``).

A batch whose rows the dataset table committed is never logged as 失败: a failure after
the commit still records 成功 with the counts, and a batch left 运行中 by a process that
died is settled by the next command that holds the workspace lock, 成功 from the
table's commit if there is one and 失败 otherwise (readers never saw any of its rows).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from zhijian.warehouse import storage
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.merging import Merge, plan_merge, write_merge
from zhijian.warehouse.readers import StagedFile, load_mapping, stage_file
from zhijian.warehouse.scope import OUT_OF_SCOPE, WriteScope, check_whole_file, reject_out_of_scope
from zhijian.warehouse.sqltext import sql_identifier, sql_literal
from zhijian.warehouse.standard import Dataset, get_dataset, import_order
from zhijian.warehouse.validate import (
    REJECT,
    absent_columns,
    check_query,
    install_macros,
    issues_query,
    needs_restrictions,
    register_crime_names,
    register_restrictions,
)
from zhijian.warehouse.workspace import Workspace

__all__ = ["ImportSummary", "WriteScope", "import_directory", "import_file"]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".jsonl", ".ndjson")
# Key hashes sorted at a time in the duplicate search: 64 MB of them.
HASH_SORT_ROWS = 8_000_000
# Tries at recording a batch's end once its rows are committed, and the pause before each.
END_RECORD_PAUSES = (0.0, 0.2, 1.0)


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
    # Updated rows whose stored version came from another source (each flagged).
    updated_other_source: int = 0
    unknown_columns: tuple[str, ...] = field(default=())
    version_before: int | None = None
    version_after: int | None = None
    uploader: str | None = None
    message: str | None = None  # what the batch log says besides the counts

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
    scope: WriteScope | None = None,
) -> ImportSummary:
    """Import one file into ``dataset_name`` (for Excel, ``sheet`` or the first sheet)
    as ``scope`` allows (None: the server's operator, everything). WarehouseError if it
    cannot be read at all, or the scope may not write the dataset."""
    workspace = workspace or Workspace.from_environment()
    dataset = get_dataset(dataset_name)
    if not path.is_file():
        raise WarehouseError(f"文件不存在：{path}")
    mapping = load_mapping(mapping_path) if mapping_path else None
    uploader = scope.who if scope is not None else None
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
                "uploader": uploader,
                "status": storage.RUNNING,
                "version_before": version_before,
                "started_at": storage.now(),
            },
        )
        batch = _Batch(batch_id, dataset, path.name, source, scope, version_before)
        try:
            check_whole_file(dataset, scope)
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
            summary = _check_and_store(workspace, batch, staged)
        except Exception as error:
            committed = _committed_summary(workspace, batch)
            if committed is None:
                _record_failure(workspace, batch_id, error)
                raise
            # The rows are in the table: the import succeeded, whatever failed after.
            logger.warning("import %s failed after its commit: %s", batch_id, type(error).__name__)
            summary = committed
        finally:
            workspace.remove_staging(batch_id)
        _record_success(workspace, summary)
        return summary


@dataclass(frozen=True)
class _Batch:
    batch_id: str
    dataset: Dataset
    file_name: str
    source: str | None
    scope: WriteScope | None
    version_before: int | None

    @property
    def uploader(self) -> str | None:
        return self.scope.who if self.scope is not None else None


def _record_failure(workspace: Workspace, batch_id: str, error: Exception) -> None:
    message = str(error) if isinstance(error, WarehouseError) else "内部错误"
    storage.record_batch_end(
        workspace,
        batch_id,
        {"status": storage.FAILED, "finished_at": storage.now(), "message": message},
    )


def _record_success(workspace: Workspace, summary: ImportSummary) -> None:
    """Record the batch's end, trying again on a failure. Should every try fail, the
    batch stays 运行中 and the next start settles it from the table's commit."""
    values = _batch_values(summary)
    for pause in END_RECORD_PAUSES:
        time.sleep(pause)
        try:
            storage.record_batch_end(workspace, summary.batch_id, values)
            return
        except Exception as error:  # the rows are committed; the log entry can wait
            kind = type(error).__name__
            logger.warning("import %s: end not recorded: %s", summary.batch_id, kind)


def _committed_summary(workspace: Workspace, batch: _Batch) -> ImportSummary | None:
    """The summary of a batch whose rows the table committed, from the commit's
    metadata; None when it committed nothing."""
    commit = storage.find_batch_commit(
        workspace.table_path(batch.dataset.name), batch.batch_id, batch.version_before
    )
    if commit is None:
        return None
    return ImportSummary(
        batch_id=batch.batch_id,
        dataset=batch.dataset.name,
        file_name=batch.file_name,
        **{name: int(commit[name] or 0) for name in storage.COUNTS},
        unknown_columns=tuple(commit["unknown_columns"] or ()),
        version_before=batch.version_before,
        version_after=int(commit["version"]),
        uploader=batch.uploader,
        message=commit["message"],
    )


def _batch_values(summary: ImportSummary) -> dict[str, Any]:
    return {
        "status": storage.SUCCEEDED,
        **{name: getattr(summary, name) for name in storage.COUNTS},
        "unknown_columns": "、".join(summary.unknown_columns) or None,
        "version_after": summary.version_after,
        "finished_at": storage.now(),
        "message": summary.message,
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


def _check_and_store(workspace: Workspace, batch: _Batch, staged: StagedFile) -> ImportSummary:
    dataset = batch.dataset
    staged_path = str(staged.path)
    staged_columns = set(pq.read_schema(staged_path).names)
    con = _connect(staged.path.parent)
    try:
        if "crimes" in dataset.column_names and "crimes" in staged_columns:
            register_crime_names(con, staged_path)
        if needs_restrictions(dataset, staged_columns):
            register_restrictions(con, staged_path)
        con.execute(f"CREATE TABLE checked AS {check_query(dataset, staged_columns, staged_path)}")
        reject_out_of_scope(con, workspace, dataset, batch.scope)
        _find_duplicates(con, dataset, staged.rows)
        context = ", ".join(
            f"{sql_literal(value)} AS {name}"
            for name, value in (
                ("batch_id", batch.batch_id),
                ("dataset", dataset.name),
                ("file_name", batch.file_name),
            )
        )
        issues = [_duplicates_sql(dataset, context), _out_of_scope_sql(context)]
        bad_rows = "SELECT _row FROM checked WHERE _rejected OR _flagged"
        if _count(con, f"SELECT count(*) FROM ({bad_rows})"):
            issues.insert(0, issues_query(dataset, staged_columns, staged_path, bad_rows, context))
        flagged = _count(con, "SELECT count(*) FROM checked WHERE _flagged")
        rejected = _count(con, "SELECT count(*) FROM checked WHERE _rejected") + _count(
            con, "SELECT count(*) FROM duplicates"
        )
        kept = tuple(c.name for c in absent_columns(dataset, staged_columns))
        merge = plan_merge(workspace, con, dataset, batch.source, kept, staged.rows - rejected)
        if merge.other_source:
            issues.append(merge.other_source_issues(context))
        _write_issues(workspace, con, " UNION ALL ".join(issues))
        summary = ImportSummary(
            batch_id=batch.batch_id,
            dataset=dataset.name,
            file_name=batch.file_name,
            received=staged.rows,
            inserted=merge.inserted,
            updated=merge.updated,
            unchanged=merge.unchanged,
            rejected=rejected,
            flagged=flagged,
            updated_other_source=merge.other_source,
            unknown_columns=tuple(staged.header.unknown),
            version_before=batch.version_before,
            uploader=batch.uploader,
            message=_absent_note(con, dataset, staged_columns),
        )
        version_after = _write(workspace, con, dataset, batch, merge, summary)
    finally:
        con.close()
    return replace(summary, version_after=version_after)


def _write(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    batch: _Batch,
    merge: Merge,
    summary: ImportSummary,
) -> int | None:
    """Write the new and changed rows, their commit naming the batch and its counts;
    the table's version after (unchanged when nothing was written)."""
    path = workspace.table_path(dataset.name)
    if merge.inserted or merge.updated:
        commit = storage.batch_commit(
            batch.batch_id,
            asdict(summary),
            unknown_columns=list(summary.unknown_columns),
            message=summary.message,
        )
        write_merge(con, dataset, path, batch.batch_id, merge, commit)
    return storage.table_version(path)


def _absent_note(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, staged_columns: set[str]
) -> str | None:
    """What the batch log says of the columns a file lacked and how they were filled."""
    absent = absent_columns(dataset, staged_columns)
    if not absent:
        return None
    labels = "".join(f"“{c.label}”" for c in absent)
    unknown = " OR ".join(f"{sql_identifier(c.name)} IS NULL" for c in absent)
    count = _count(con, f"SELECT count(*) FROM checked WHERE NOT _rejected AND ({unknown})")
    derived = [c for c in absent if c.derived_from]
    how = "非死刑缓期执行的判决依法为“否”，死刑缓期执行的判决按判决主文识别；" if derived else ""
    return f"文件没有{labels}列：{how}{count} 行无法确定，按未知保存并已标记"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _key_list(dataset: Dataset, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{sql_identifier(k)}" for k in dataset.key)


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
    join = " AND ".join(
        f"c.{sql_identifier(k)} IS NOT DISTINCT FROM d.{sql_identifier(k)}" for k in dataset.key
    )
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
    key_values = " || '、' || ".join(
        f"coalesce(CAST({sql_identifier(k)} AS VARCHAR), '')" for k in dataset.key
    )
    return (
        f"SELECT {context}, _row AS row_number, {sql_literal(key_names)} AS column_name, "
        f"{key_values} AS value, '文件内主键重复：与第' || _duplicate_of || '行相同' AS reason, "
        f"{sql_literal(REJECT)} AS action FROM duplicates"
    )


def _out_of_scope_sql(context: str) -> str:
    """Quarantine rows for the rows outside the uploader's scope."""
    return (
        f"SELECT {context}, _row AS row_number, column_name, value, reason, "
        f"{sql_literal(REJECT)} AS action FROM {OUT_OF_SCOPE}"
    )


def _write_issues(workspace: Workspace, con: duckdb.DuckDBPyConnection, issues_sql: str) -> None:
    """Quarantine every rejected and flagged value."""
    con.execute(f"CREATE TABLE issues AS {issues_sql}")
    if _count(con, "SELECT count(*) FROM issues"):
        reader = con.sql("SELECT * FROM issues ORDER BY row_number").to_arrow_reader(256_000)
        if reader is None:
            raise WarehouseError("内部错误：查询没有返回结果")
        storage.append_issues(workspace, reader.cast(storage.ISSUE_SCHEMA))


def import_directory(
    directory: Path,
    *,
    workspace: Workspace | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    scope: WriteScope | None = None,
) -> list[ImportSummary]:
    """Import every ``<dataset>.<csv|xlsx|parquet|jsonl…>`` in ``directory``, reference
    data first, as ``scope`` allows. Files named after no dataset are left alone and
    listed in the error if nothing at all matches."""
    if not directory.is_dir():
        raise WarehouseError(f"目录不存在：{directory}")
    files = {p.stem: p for p in sorted(directory.iterdir()) if p.suffix.lower() in SUFFIXES}
    ordered = [(d.name, files[d.name]) for d in import_order() if d.name in files]
    if not ordered:
        raise WarehouseError(f"目录 {directory} 中没有以数据集命名的文件（如 judgments.csv）")
    return [
        import_file(name, path, workspace=workspace, source=source, progress=progress, scope=scope)
        for name, path in ordered
    ]
