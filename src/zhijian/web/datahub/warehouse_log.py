"""Reading the warehouse's import-batch log and row-issue quarantine for the data page,
through the warehouse's own read-only connection, with bound parameters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from zhijian.warehouse import storage
from zhijian.warehouse.compute import connect
from zhijian.warehouse.workspace import Workspace

BATCH_ID = re.compile(r"^\d{14}-[0-9a-f]{6}$")
REJECTED = "拒收"


@dataclass(frozen=True)
class Batch:
    batch_id: str
    dataset: str
    file_name: str
    source: str | None
    uploader: str | None  # "用户名（单位）" of a web upload; None from the command line
    status: str
    received: int | None
    inserted: int | None
    updated: int | None
    unchanged: int | None
    rejected: int | None
    flagged: int | None
    updated_other_source: int | None  # of ``updated``: records another source wrote
    unknown_columns: str | None
    started_at: datetime | None
    finished_at: datetime | None
    message: str | None

    @property
    def succeeded(self) -> bool:
        return self.status == storage.SUCCEEDED


@dataclass(frozen=True)
class RowIssue:
    row_number: int
    column_name: str
    value: str | None
    reason: str
    action: str  # 拒收 (not stored) or 标记 (stored, flagged)


_BATCH_COLUMNS = ", ".join(f.name for f in fields(Batch))
_ISSUE_COLUMNS = ", ".join(f.name for f in fields(RowIssue))


def _rows(workspace: Workspace, sql: str, parameters: list[Any]) -> list[tuple[Any, ...]]:
    snapshot = connect(workspace)
    try:
        return snapshot.connection.execute(sql, parameters).fetchall()
    finally:
        snapshot.connection.close()


def _settle_stale_batches(workspace: Workspace) -> None:
    """As ``zhijian data batches`` does: with no import holding the workspace lock, a
    batch still 运行中 belongs to a process that died."""
    with workspace.lock(wait=False) as free:
        if free:
            storage.fail_stale_batches(workspace)


def recent_batches(
    workspace: Workspace, limit: int = 20, *, only: Sequence[str] | None = None
) -> list[Batch]:
    """The latest batches, newest first; of ``only`` these batch ids when given."""
    _settle_stale_batches(workspace)
    if only is not None and not only:
        return []
    where, parameters = "", list[Any]([limit])
    if only is not None:
        where, parameters = "WHERE list_contains(?, batch_id) ", [list(only), limit]
    rows = _rows(
        workspace,
        f"SELECT {_BATCH_COLUMNS} FROM {storage.BATCHES} {where}ORDER BY started_at DESC LIMIT ?",
        parameters,
    )
    return [Batch(*row) for row in rows]


@dataclass(frozen=True)
class IssuePage:
    total: int
    number: int  # 1-based, within 1..pages
    pages: int
    issues: list[RowIssue]


def batch_report(
    workspace: Workspace, batch_id: str, page: int, per_page: int
) -> tuple[Batch, IssuePage] | None:
    """The batch and one page of its row issues in file order (a row's rejections
    before its flags); a page past the end gives the last one. None when there is no
    batch with this id."""
    if not BATCH_ID.match(batch_id):
        return None
    snapshot = connect(workspace)
    con = snapshot.connection
    try:
        found = con.execute(
            f"SELECT {_BATCH_COLUMNS} FROM {storage.BATCHES} WHERE batch_id = ?", [batch_id]
        ).fetchall()
        if not found:
            return None
        where = f"FROM {storage.ISSUES} WHERE batch_id = ?"
        counted = con.execute(f"SELECT count(*) {where}", [batch_id]).fetchone()
        total = int(counted[0]) if counted else 0
        pages = max(1, -(-total // per_page))
        number = min(max(page, 1), pages)
        rows = con.execute(
            f"SELECT {_ISSUE_COLUMNS} {where} "
            "ORDER BY row_number, action <> ?, column_name LIMIT ? OFFSET ?",
            [batch_id, REJECTED, per_page, (number - 1) * per_page],
        ).fetchall()
    finally:
        con.close()
    return Batch(*found[0]), IssuePage(total, number, pages, [RowIssue(*row) for row in rows])
