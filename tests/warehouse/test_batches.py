"""The import-batch log: text from a file is stored as written and never becomes SQL, an
import whose rows were committed is never logged as 失败, a batch left 运行中 is settled
and its staging files removed at the next start, an older log gains the new columns, and
the workspace is private to its owner."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from tests.warehouse.test_ingest import HEADER, good_rows, payments_csv
from zhijian.cli import main
from zhijian.warehouse import ingest, merging, storage
from zhijian.warehouse.compute import run_query
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace

INJECTION = "a' || upper('zz') || '"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "home")


def batches(ws: Workspace) -> list[tuple[Any, ...]]:
    return run_query(
        "SELECT status, received, inserted, rejected, version_after, message "
        "FROM _import_batches ORDER BY started_at",
        ws,
    )[1]


def test_a_header_cell_is_stored_as_written(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    header = HEADER.rstrip("\n") + f',"{INJECTION}",it\'s\n'
    path.write_text(header + "".join(r + ",x,y\n" for r in good_rows(2)), encoding="utf-8")
    summary = import_file("benefit_payments", path, workspace=workspace)
    assert summary.unknown_columns == (INJECTION, "it's")
    logged = run_query("SELECT unknown_columns FROM _import_batches", workspace)[1]
    assert logged == [(f"{INJECTION}、it's",)]


def test_a_file_named_with_a_quote_imports_into_a_home_named_with_one(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "zhijian's home")
    path = payments_csv(tmp_path / "it's.csv", good_rows(3))
    summary = import_file("benefit_payments", path, workspace=workspace, source="O'Brien 人社局")
    assert (summary.file_name, summary.inserted) == ("it's.csv", 3)
    logged = run_query("SELECT file_name, source, status FROM _import_batches", workspace)[1]
    assert logged == [("it's.csv", "O'Brien 人社局", "成功")]
    empty = tmp_path / "it's empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(WarehouseError):
        import_file("benefit_payments", empty, workspace=workspace)
    assert batches(workspace)[-1] == ("失败", None, None, None, None, "文件为空：it's empty.csv")


def test_a_failed_end_record_is_tried_again(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "END_RECORD_PAUSES", (0.0, 0.0, 0.0))
    real = storage.record_batch_end
    calls: list[str] = []

    def flaky(ws: Workspace, batch_id: str, values: dict[str, Any]) -> None:
        calls.append(values["status"])
        if len(calls) < 3:
            raise OSError("disk busy")
        real(ws, batch_id, values)

    monkeypatch.setattr(storage, "record_batch_end", flaky)
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(2)), workspace=workspace
    )
    assert calls == ["成功", "成功", "成功"]
    assert batches(workspace) == [("成功", 2, 2, 0, summary.version_after, None)]


def test_a_batch_whose_end_is_never_recorded_is_settled_from_its_commit(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "END_RECORD_PAUSES", (0.0,))
    real = storage.record_batch_end

    def broken(ws: Workspace, batch_id: str, values: dict[str, Any]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage, "record_batch_end", broken)
    rows = [*good_rows(3), "bad,row,x,y,z,1,2"]
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", rows), workspace=workspace
    )
    assert (summary.inserted, summary.rejected) == (3, 1)
    assert batches(workspace) == [("运行中", None, None, None, None, None)]
    monkeypatch.setattr(storage, "record_batch_end", real)
    with workspace.lock():
        assert storage.fail_stale_batches(workspace) == 1
    assert batches(workspace) == [("成功", 4, 3, 1, summary.version_after, storage.SETTLED)]


def test_a_failure_after_the_commit_still_records_success(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ingest._write

    def write_then_fail(*args: Any) -> int | None:
        real(*args)
        raise RuntimeError("after the commit")

    monkeypatch.setattr(ingest, "_write", write_then_fail)
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(2)), workspace=workspace
    )
    version = storage.table_version(workspace.table_path("benefit_payments"))
    assert (summary.inserted, summary.version_after) == (2, version)
    assert batches(workspace) == [("成功", 2, 2, 0, version, None)]


def test_a_failure_before_the_commit_is_logged_as_failed(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any) -> None:
        raise RuntimeError("before the commit")

    monkeypatch.setattr(ingest, "write_merge", fail)
    with pytest.raises(RuntimeError):
        import_file(
            "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(2)), workspace=workspace
        )
    assert batches(workspace) == [("失败", None, None, None, None, "内部错误")]
    assert storage.table_version(workspace.table_path("benefit_payments")) == 0
    assert merging.write_merge is not fail  # the module's own function is untouched


def _leave_a_killed_import(workspace: Workspace) -> Path:
    """A 运行中 batch and its staging folder, as an import killed mid-way leaves them."""
    storage.record_batch_start(
        workspace,
        {
            "batch_id": "20250101000000-abcdef",
            "dataset": "benefit_payments",
            "file_name": "p.csv",
            "status": storage.RUNNING,
            "started_at": storage.now(),
        },
    )
    folder = workspace.staging_dir("20250101000000-abcdef")
    (folder / "spill").mkdir()
    (folder / "spill" / "duckdb_temp_block-1.block").write_bytes(b"\0" * 1024)
    (folder / "benefit_payments-0123456789ab.parquet").write_bytes(b"PAR1")
    return folder


def test_the_next_import_removes_a_killed_imports_staging_files(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = _leave_a_killed_import(workspace)
    import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(1)), workspace=workspace
    )
    assert not folder.exists()
    assert list(workspace.staging.iterdir()) == []
    assert [b[0] for b in batches(workspace)] == ["失败", "成功"]
    assert batches(workspace)[0][5] == storage.DIED


def test_data_batches_removes_a_killed_imports_staging_files(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _leave_a_killed_import(workspace)
    monkeypatch.setenv("ZHIJIAN_HOME", str(workspace.home))
    assert main(["data", "batches"]) == 0
    assert not folder.exists()
    assert f"失败  benefit_payments ← p.csv  {storage.DIED}" in capsys.readouterr().out


OLD_BATCH_SCHEMA = pa.schema(
    [f for f in storage.BATCH_SCHEMA if f.name not in ("uploader", "updated_other_source")]
)


def test_a_log_written_before_the_new_columns_keeps_working(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = workspace.table_path(storage.BATCHES)
    path.mkdir(parents=True)
    old_row = {
        "batch_id": "20240101000000-000001",
        "dataset": "benefit_payments",
        "file_name": "old.csv",
        "status": storage.SUCCEEDED,
        "received": 5,
        "started_at": storage.now(),
    }
    table = DeltaTable.create(str(path), schema=OLD_BATCH_SCHEMA)
    full = {name: old_row.get(name) for name in OLD_BATCH_SCHEMA.names}
    write_deltalake(table, pa.Table.from_pylist([full], schema=OLD_BATCH_SCHEMA), mode="append")
    # Read before any import changes it: the new columns read as null.
    before = run_query(
        "SELECT file_name, uploader, updated_other_source FROM _import_batches", workspace
    )
    assert before[1] == [("old.csv", None, None)]
    import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(1)), workspace=workspace
    )
    names = [f.name for f in DeltaTable(str(path)).schema().fields]
    assert names == storage.BATCH_SCHEMA.names
    rows = run_query(
        "SELECT file_name, received, uploader, updated_other_source, status "
        "FROM _import_batches ORDER BY started_at",
        workspace,
    )[1]
    assert rows == [("old.csv", 5, None, None, "成功"), ("p.csv", 1, None, 0, "成功")]


def test_the_workspace_is_private(workspace: Workspace) -> None:
    with workspace.lock():
        pass
    workspace.staging_dir("20250101000000-abcdef")
    for folder in (
        workspace.home,
        workspace.warehouse,
        workspace.staging,
        workspace.staging / "20250101000000-abcdef",
    ):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((workspace.home / ".lock").stat().st_mode) == 0o600
    # As an earlier version left them: narrowed when the workspace is next prepared.
    workspace.warehouse.chmod(0o755)
    (workspace.home / ".lock").chmod(0o644)
    with workspace.lock():
        pass
    assert stat.S_IMODE(workspace.warehouse.stat().st_mode) == 0o700
    assert stat.S_IMODE((workspace.home / ".lock").stat().st_mode) == 0o600
