"""Delta tables: the datasets, the import-batch log and the row-issue quarantine.

Writes go through ``deltalake``; a commit is atomic, so a process killed in the middle
of a write leaves readers on the previous version (its half-written Parquet files are
never referenced and ``vacuum`` can remove them).

Values reach a table only as data: rows are appended or merged from Arrow tables, never
formatted into the SQL text of an update. Each commit that writes an import's rows into
a dataset carries the batch id and the batch's counts in its commit metadata, so a batch
whose log entry could not be finished is settled from the table's own history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from zhijian.warehouse.workspace import Workspace

BATCHES = "_import_batches"
ISSUES = "_row_issues"

RUNNING = "运行中"
SUCCEEDED = "成功"
FAILED = "失败"

DIED = "导入进程意外终止（如被强行结束），本批次未写入任何数据"
SETTLED = "导入已写入数据，但结束记录未能保存；已按数据表的提交记录补记"

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# What a batch counts; kept in the log and in the commit metadata of the rows it wrote.
COUNTS = (
    "received",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "flagged",
    "updated_other_source",
)

BATCH_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("file_name", pa.string()),
        ("file_sha256", pa.string()),
        ("source", pa.string()),
        ("uploader", pa.string()),  # who imported it (web); null on the command line
        ("status", pa.string()),
        *[(name, pa.int64()) for name in COUNTS],
        ("unknown_columns", pa.string()),
        ("version_before", pa.int64()),
        ("version_after", pa.int64()),
        ("started_at", UTC_TIMESTAMP),
        ("finished_at", UTC_TIMESTAMP),
        ("message", pa.string()),
    ]
)

ISSUE_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("file_name", pa.string()),
        ("row_number", pa.int64()),
        ("column_name", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("action", pa.string()),
    ]
)

# The commit-metadata key under which a dataset commit names its batch.
COMMIT_KEY = "zhijian_import"


def now() -> datetime:
    return datetime.now(UTC)


def open_table(path: Path) -> DeltaTable | None:
    """The Delta table at ``path``, or None if there is none yet."""
    try:
        return DeltaTable(str(path))
    except TableNotFoundError:
        return None


def ensure_table(path: Path, schema: pa.Schema) -> DeltaTable:
    """Open the table, creating it empty with ``schema`` if it does not exist."""
    table = open_table(path)
    if table is None:
        path.mkdir(parents=True, exist_ok=True)
        table = DeltaTable.create(str(path), schema=schema)
    return table


def table_version(path: Path) -> int | None:
    table = open_table(path)
    return table.version() if table is not None else None


def current_files(path: Path) -> list[str]:
    """Local paths of the Parquet files that make up the table's current version."""
    table = open_table(path)
    if table is None:
        return []
    # The URIs are percent-encoded: a home named "zhijian data" is zhijian%20data there.
    return [unquote(uri.removeprefix("file://")) for uri in table.file_uris()]


def batch_commit(
    batch_id: str,
    counts: Mapping[str, Any],
    *,
    unknown_columns: list[str],
    message: str | None,
) -> CommitProperties:
    """Commit properties naming the batch whose rows a dataset commit writes, with what
    its log entry says (so the entry can be written from the commit)."""
    carried = {
        "batch_id": batch_id,
        **{name: int(counts[name]) for name in COUNTS},
        "unknown_columns": unknown_columns,
        "message": message,
    }
    return CommitProperties(custom_metadata={COMMIT_KEY: carried})


def find_batch_commit(path: Path, batch_id: str, after: int | None) -> dict[str, Any] | None:
    """The commit of ``batch_id`` in the dataset table at ``path`` among the versions
    after ``after`` (None: all): what ``batch_commit`` carried, and ``version``; None
    when it never committed."""
    table = open_table(path)
    if table is None:
        return None
    newer = table.version() - (after if after is not None else -1)
    if newer <= 0:
        return None
    for commit in table.history(limit=newer):
        found = commit.get(COMMIT_KEY)
        if isinstance(found, dict) and found.get("batch_id") == batch_id:
            carried = (*COUNTS, "unknown_columns", "message")
            return {**{k: found.get(k) for k in carried}, "version": commit["version"]}
    return None


# ---------------------------------------------------------------------------- batch log


def batch_table(workspace: Workspace) -> DeltaTable:
    """The batch log, created when missing and given the columns a log written by an
    earlier version lacks (its rows rewritten once with them, null)."""
    path = workspace.table_path(BATCHES)
    table = ensure_table(path, BATCH_SCHEMA)
    present = {field.name for field in table.schema().fields}
    if set(BATCH_SCHEMA.names) <= present:
        return table
    old = table.to_pyarrow_table()
    columns = [
        old.column(name).cast(field.type) if name in present else pa.nulls(old.num_rows, field.type)
        for name, field in zip(BATCH_SCHEMA.names, BATCH_SCHEMA, strict=True)
    ]
    rewritten = pa.Table.from_arrays(columns, schema=BATCH_SCHEMA)
    write_deltalake(table, rewritten, mode="overwrite", schema_mode="overwrite")
    return DeltaTable(str(path))


def record_batch_start(workspace: Workspace, row: Mapping[str, Any]) -> None:
    table = batch_table(workspace)
    full = {name: row.get(name) for name in BATCH_SCHEMA.names}
    write_deltalake(table, pa.Table.from_pylist([full], schema=BATCH_SCHEMA), mode="append")


def record_batch_end(workspace: Workspace, batch_id: str, values: Mapping[str, Any]) -> None:
    """Set ``values`` on the batch's row; columns left out (or None) stay as they were.
    The values travel as a one-row Arrow table merged on ``batch_id``."""
    present = {name: value for name, value in values.items() if value is not None}
    unknown = (set(present) - set(BATCH_SCHEMA.names)) | ({"batch_id"} & set(present))
    if unknown:
        raise ValueError(f"not a batch column: {sorted(unknown)}")
    schema = pa.schema([BATCH_SCHEMA.field("batch_id"), *(BATCH_SCHEMA.field(n) for n in present)])
    source = pa.Table.from_pylist([{"batch_id": batch_id, **present}], schema=schema)
    _merge_batches(workspace, source, {name: f"s.{name}" for name in present})


def _merge_batches(workspace: Workspace, source: pa.Table, updates: dict[str, str]) -> None:
    table = batch_table(workspace)
    (
        table.merge(
            source=source, predicate="t.batch_id = s.batch_id", source_alias="s", target_alias="t"
        )
        .when_matched_update(updates)
        .execute()
    )


def fail_stale_batches(workspace: Workspace) -> int:
    """Settle the batches still 运行中, and remove every import's staging files. Call
    only while holding the workspace lock: then no import is running, and a 运行中 batch
    belongs to a process that died. A batch whose rows the dataset table committed is
    marked 成功 with the counts its commit carries; any other is marked 失败. Returns how
    many batches were settled."""
    workspace.clear_staging()
    table = open_table(workspace.table_path(BATCHES))
    if table is None:
        return 0
    status = table.to_pyarrow_table(columns=["status"]).column("status").to_pylist()
    if RUNNING not in status:
        return 0
    table = batch_table(workspace)
    rows = [row for row in table.to_pyarrow_table().to_pylist() if row["status"] == RUNNING]
    settled = [_settled(workspace, row) for row in rows]
    source = pa.Table.from_pylist(settled, schema=BATCH_SCHEMA)
    _merge_batches(workspace, source, {name: f"s.{name}" for name in BATCH_SCHEMA.names})
    return len(settled)


def _settled(workspace: Workspace, row: dict[str, Any]) -> dict[str, Any]:
    """A 运行中 batch's row as it ends: 成功 from its dataset commit, else 失败."""
    commit = find_batch_commit(
        workspace.table_path(row["dataset"]), row["batch_id"], row["version_before"]
    )
    if commit is None:
        return {**row, "status": FAILED, "finished_at": now(), "message": DIED}
    counts = {name: commit[name] for name in COUNTS}
    note = commit["message"]
    return {
        **row,
        **counts,
        "status": SUCCEEDED,
        "unknown_columns": "、".join(commit["unknown_columns"] or ()) or None,
        "version_after": commit["version"],
        "finished_at": now(),
        "message": f"{note}；{SETTLED}" if note else SETTLED,
    }


def append_issues(workspace: Workspace, issues: pa.RecordBatchReader | pa.Table) -> None:
    table = ensure_table(workspace.table_path(ISSUES), ISSUE_SCHEMA)
    write_deltalake(table, issues, mode="append")
