"""Importing files end to end: quarantine, idempotence, updates, the batch log, reading
back through DuckDB, and crash safety with a real process killed mid-import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zhijian.law.idnumber import checksum_char
from zhijian.warehouse import ingest, storage
from zhijian.warehouse.compute import connect, run_query
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.ingest import import_directory, import_file
from zhijian.warehouse.workspace import Workspace


def person(n: int, born: str = "19600101") -> str:
    """A synthetic, valid 18-digit number for person ``n``."""
    body = f"370102{born}{n:03d}"
    return body + checksum_char(body)


HEADER = "身份证号,姓名,待遇类型,发放月份,类别,金额,发放地区划\n"


def payments_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def good_rows(count: int) -> list[str]:
    return [
        f"{person(i)},测试{i},城镇职工基本养老金,2024-0{1 + i % 9},发放,{1000 + i}.50,370102"
        for i in range(count)
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "home")
    ws.init()
    return ws


def test_received_equals_stored_plus_rejected(workspace: Workspace, tmp_path: Path) -> None:
    invalid_id = "370102196001010001"  # checksum wrong: kept as sent and flagged
    fifteen = "370102600101123"  # upgraded to 18 digits
    rows = [
        *good_rows(3),
        f"{person(10)},测试,城镇职工基本养老金,2024/13,发放,100,370102",  # bad month
        f"{person(11)},测试,养老钱,2024-01,发放,100,370102",  # unknown enum value
        f"{person(12)},测试,城镇职工基本养老金,2024-01,发放,一百元,370102",  # bad money
        f"{person(0)},重复,城镇职工基本养老金,2024-01,发放,1.00,370102",  # same key as row 2
        f"{invalid_id},号码有误,城乡居民基本养老金,2024-01,发放,200,370102",
        f"{fifteen},旧号码,城乡居民基本养老金,2024-01,发放,300,370102",
        ",无号码,城乡居民基本养老金,2024-01,发放,300,370102",  # required id missing
        f"{person(13)},=cmd|' /C calc'!A0,城乡居民基本养老金,2024-01,发放,300,370102",
    ]
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", rows), workspace=workspace
    )
    assert summary.received == 11
    assert (summary.inserted, summary.updated, summary.unchanged, summary.rejected) == (6, 0, 0, 5)
    assert summary.flagged == 1
    con = connect(workspace).connection
    stored = dict(con.execute("SELECT name, id_number FROM benefit_payments").fetchall())
    assert stored["号码有误"] == invalid_id
    assert stored["旧号码"] == "370102196001011230"[:17] + checksum_char("37010219600101123")
    assert "=cmd|' /C calc'!A0" in stored
    issues = con.execute(
        "SELECT row_number, column_name, action, reason FROM _row_issues ORDER BY row_number"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in issues] == [
        (5, "month", "拒收"),
        (6, "benefit_type", "拒收"),
        (7, "amount_yuan", "拒收"),
        (8, "id_number、benefit_type、month、kind", "拒收"),
        (9, "id_number", "标记"),
        (11, "id_number", "拒收"),
    ]
    assert issues[3][3] == "文件内主键重复：与第2行相同"
    assert "校验码错误" in issues[4][3]
    assert "必填字段为空" in issues[5][3]


@pytest.mark.parametrize("sort_rows", [8_000_000, 2])
def test_duplicate_keys_first_accepted_row_wins(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sort_rows: int
) -> None:
    """Duplicates found through the sorted key hashes, also when the hashes are sorted a
    range at a time: each later row names the first accepted row with its key, and a
    rejected row does not count as the first."""
    monkeypatch.setattr(ingest, "HASH_SORT_ROWS", sort_rows)
    line = "{id},{name},城镇职工基本养老金,{month},发放,{amount},370102"
    rows = [
        line.format(id=person(1), name="甲", month="2024-01", amount="10"),  # row 2
        line.format(id=person(2), name="乙", month="2024-01", amount="10"),  # row 3
        line.format(id=person(1), name="甲2", month="2024-01", amount="11"),  # dup of 2
        line.format(id=person(3), name="丙", month="2024-02", amount="坏"),  # rejected
        line.format(id=person(3), name="丙2", month="2024-02", amount="12"),  # first of key
        line.format(id=person(1), name="甲3", month="2024/1", amount="13"),  # dup of 2
        line.format(id=person(3), name="丙3", month="202402", amount="14"),  # dup of 6
        line.format(id=person(1), name="甲4", month="2024-02", amount="15"),  # other month
    ]
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "d.csv", rows), workspace=workspace
    )
    assert (summary.received, summary.inserted, summary.rejected) == (8, 4, 4)
    con = connect(workspace).connection
    names = {r[0] for r in con.execute("SELECT name FROM benefit_payments").fetchall()}
    assert names == {"甲", "乙", "丙2", "甲4"}
    issues = con.execute(
        "SELECT row_number, reason FROM _row_issues WHERE reason LIKE '文件内主键重复%' "
        "ORDER BY row_number"
    ).fetchall()
    assert issues == [
        (4, "文件内主键重复：与第2行相同"),
        (7, "文件内主键重复：与第2行相同"),
        (8, "文件内主键重复：与第6行相同"),
    ]


def test_reimport_changes_nothing_and_an_edit_updates(workspace: Workspace, tmp_path: Path) -> None:
    path = payments_csv(tmp_path / "p.csv", good_rows(5))
    first = import_file("benefit_payments", path, workspace=workspace)
    again = import_file("benefit_payments", path, workspace=workspace)
    assert (first.inserted, first.unchanged) == (5, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.version_after == first.version_after
    edited = good_rows(6)
    edited[2] = edited[2].replace("1002.50", "9999.00")
    third = import_file(
        "benefit_payments", payments_csv(tmp_path / "p2.csv", edited), workspace=workspace
    )
    assert (third.inserted, third.updated, third.unchanged) == (1, 1, 4)
    assert third.version_after == (first.version_after or 0) + 1
    columns, rows = run_query(
        f"SELECT amount_yuan FROM benefit_payments WHERE id_number = '{person(2)}'", workspace
    )
    assert columns == ["amount_yuan"] and [float(r[0]) for r in rows] == [9999.0]
    _, count = run_query("SELECT count(*) FROM benefit_payments", workspace)
    assert count == [(6,)]


def test_batch_log(workspace: Workspace, tmp_path: Path) -> None:
    summary = import_file(
        "benefit_payments",
        payments_csv(tmp_path / "p.csv", good_rows(2)),
        workspace=workspace,
        source="某区人社局",
    )
    con = connect(workspace).connection
    row = con.execute(
        "SELECT status, received, inserted, file_name, source, length(file_sha256), version_after "
        "FROM _import_batches"
    ).fetchone()
    assert row == ("成功", 2, 2, "p.csv", "某区人社局", 64, summary.version_after)
    sources = con.execute("SELECT DISTINCT source_system FROM benefit_payments").fetchall()
    assert sources == [("某区人社局",)]


def test_unreadable_file_is_an_error_and_a_failed_batch(
    workspace: Workspace, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(WarehouseError, match="文件为空"):
        import_file("benefit_payments", empty, workspace=workspace)
    con = connect(workspace).connection
    assert con.execute("SELECT status FROM _import_batches").fetchall() == [("失败",)]
    with pytest.raises(WarehouseError, match="未知数据集"):
        import_file("payments", empty, workspace=workspace)
    with pytest.raises(WarehouseError, match="文件不存在"):
        import_file("benefit_payments", tmp_path / "none.csv", workspace=workspace)


def test_wrong_dataset_file_names_the_missing_columns(workspace: Workspace, tmp_path: Path) -> None:
    path = payments_csv(tmp_path / "p.csv", good_rows(2))
    with pytest.raises(WarehouseError, match="death_date"):
        import_file("deaths", path, workspace=workspace)


def test_import_directory_reference_data_first(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    payments_csv(folder / "benefit_payments.csv", good_rows(2))
    (folder / "facilities.csv").write_text(
        "facility_code,name,facility_type,region_code\nJY01,某监狱,监狱,370102\n", encoding="utf-8"
    )
    (folder / "notes.txt").write_text("not a dataset", encoding="utf-8")
    summaries = import_directory(folder, workspace=workspace)
    assert [s.dataset for s in summaries] == ["facilities", "benefit_payments"]


def test_queries_are_read_only(workspace: Workspace, tmp_path: Path) -> None:
    import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(1)), workspace=workspace
    )
    for sql in (
        "DROP VIEW benefit_payments",
        "SELECT 1; SELECT 2",
        "COPY (SELECT 1) TO '/tmp/x.csv'",
        "ATTACH '/tmp/x.db'",
    ):
        with pytest.raises(WarehouseError):
            run_query(sql, workspace)
    with pytest.raises(WarehouseError, match="查询失败"):
        run_query(f"SELECT * FROM read_csv('{tmp_path / 'p.csv'}')", workspace)


def test_snapshot_reports_versions(workspace: Workspace, tmp_path: Path) -> None:
    summary = import_file(
        "benefit_payments", payments_csv(tmp_path / "p.csv", good_rows(1)), workspace=workspace
    )
    snapshot = connect(workspace)
    assert snapshot.versions["benefit_payments"] == summary.version_after
    assert snapshot.versions["judgments"] is None
    assert snapshot.connection.execute("SELECT count(*) FROM judgments").fetchone() == (0,)


def test_killed_import_leaves_readers_on_the_previous_version(
    workspace: Workspace, tmp_path: Path
) -> None:
    small = import_file(
        "benefit_payments", payments_csv(tmp_path / "small.csv", good_rows(3)), workspace=workspace
    )
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(400_000):
            born = f"19{50 + i // 10000:02d}0101"
            handle.write(f"{person(i % 1000, born)},甲,高龄津贴,2024-01,发放,1,370102\n")
    env = dict(os.environ, ZHIJIAN_HOME=str(workspace.home))
    process = subprocess.Popen(
        [sys.executable, "-m", "zhijian", "data", "import", "benefit_payments", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(workspace.staging.glob("*/*.parquet")):
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert storage.table_version(workspace.table_path("benefit_payments")) == small.version_after
    assert run_query("SELECT count(*) FROM benefit_payments", workspace)[1] == [(3,)]
    result = subprocess.run(
        [sys.executable, "-m", "zhijian", "data", "batches", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"status": "失败"' in result.stdout
    rerun = import_file("benefit_payments", big, workspace=workspace)
    assert rerun.received == 400_000
    assert rerun.inserted + rerun.rejected == 400_000
