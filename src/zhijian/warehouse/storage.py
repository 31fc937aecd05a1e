"""Delta tables: the datasets, the import-batch log and the row-issue quarantine.

Writes go through ``deltalake``; a commit is atomic, so a process killed in the middle
of a write leaves readers on the previous version (its half-written Parquet files are
never referenced and ``vacuum`` can remove them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from zhijian.warehouse.workspace import Workspace

BATCHES = "_import_batches"
ISSUES = "_row_issues"

RUNNING = "运行中"
SUCCEEDED = "成功"
FAILED = "失败"

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

BATCH_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("dataset", pa.string()),
        ("file_name", pa.string()),
        ("file_sha256", pa.string()),
        ("source", pa.string()),
        ("status", pa.string()),
        ("received", pa.int64()),
        ("inserted", pa.int64()),
        ("updated", pa.int64()),
        ("unchanged", pa.int64()),
        ("rejected", pa.int64()),
        ("flagged", pa.int64()),
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
    return [uri.removeprefix("file://") for uri in table.file_uris()]


def record_batch_start(workspace: Workspace, row: Mapping[str, Any]) -> None:
    table = ensure_table(workspace.table_path(BATCHES), BATCH_SCHEMA)
    full = {name: row.get(name) for name in BATCH_SCHEMA.names}
    write_deltalake(table, pa.Table.from_pylist([full], schema=BATCH_SCHEMA), mode="append")


def record_batch_end(workspace: Workspace, batch_id: str, values: Mapping[str, Any]) -> None:
    table = ensure_table(workspace.table_path(BATCHES), BATCH_SCHEMA)
    # Columns left out stay as they were (null since the batch began).
    present = {name: value for name, value in values.items() if value is not None}
    table.update(new_values=present, predicate=f"batch_id = '{_safe_id(batch_id)}'")


def fail_stale_batches(workspace: Workspace) -> int:
    """Mark batches still 运行中 as failed. Call only while holding the workspace lock:
    then no import is running, and a 运行中 batch belongs to a process that died."""
    table = open_table(workspace.table_path(BATCHES))
    if table is None:
        return 0
    result = table.update(
        new_values={
            "status": FAILED,
            "finished_at": now(),
            "message": "导入进程意外终止（如被强行结束），本批次未写入任何数据",
        },
        predicate=f"status = '{RUNNING}'",
    )
    return int(result.get("num_updated_rows", 0))


def append_issues(workspace: Workspace, issues: pa.RecordBatchReader | pa.Table) -> None:
    table = ensure_table(workspace.table_path(ISSUES), ISSUE_SCHEMA)
    write_deltalake(table, issues, mode="append")


def _safe_id(batch_id: str) -> str:
    if not batch_id.replace("-", "").isalnum():
        raise ValueError("unexpected batch id")
    return batch_id
