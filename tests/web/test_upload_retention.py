"""Uploaded data files are kept ``ZHIJIAN_UPLOAD_RETENTION_DAYS`` days (default 90);
``zhijian data prune`` and the worker's daily prune remove older ones, never one whose
import is still queued or running, and write an audit row with the count and bytes."""

from __future__ import annotations

import getpass
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.personas import World
from zhijian.cli import main
from zhijian.web.audit.models import AuditEntry
from zhijian.web.library.models import BackgroundJob

DAY = 24 * 60 * 60
PRUNED = "清理过期上传文件"


@pytest.fixture
def uploads(tmp_path: Path, settings: Any) -> Path:
    from zhijian.web.datahub.retention import uploads_dir

    settings.HOME = tmp_path / "home"
    folder = uploads_dir()
    folder.mkdir(parents=True)
    return folder


def _stored(folder: Path, name: str, *, days_old: float, size: int) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    moment = time.time() - days_old * DAY
    os.utime(path, (moment, moment))
    return path


def _job(world: World, stored_as: str, status: str) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind=BackgroundJob.Kind.DATA_IMPORT,
        status=status,
        parameters={"dataset": "facilities", "stored_as": stored_as},
        created_by=world.users["modeller"],
    )


def _prune_rows() -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in AuditEntry.objects.filter(action=PRUNED).values_list("detail", flat=True)
    ]


@pytest.mark.django_db
def test_a_prune_removes_what_is_past_the_period_and_records_it(
    world: World, uploads: Path
) -> None:
    from zhijian.web.datahub.actions import prune_uploads

    old = _stored(uploads, "old.csv", days_old=91, size=300)
    older = _stored(uploads, "older.xlsx", days_old=400, size=1200)
    recent = _stored(uploads, "recent.csv", days_old=89, size=50)
    queued = _stored(uploads, "queued.csv", days_old=120, size=70)
    running = _stored(uploads, "running.csv", days_old=120, size=80)
    done = _stored(uploads, "done.csv", days_old=120, size=90)
    _job(world, "queued.csv", BackgroundJob.Status.QUEUED)
    _job(world, "running.csv", BackgroundJob.Status.RUNNING)
    _job(world, "done.csv", BackgroundJob.Status.DONE)

    summary = prune_uploads(days=90, via="命令行（系统账号 测试）")

    assert summary.files == (older, queued.with_name("done.csv"), old)
    assert (summary.count, summary.bytes) == (3, 1590)
    assert summary.kept_in_use == (queued, running)
    assert sorted(p.name for p in uploads.iterdir()) == ["queued.csv", "recent.csv", "running.csv"]
    assert not done.exists() and recent.exists()
    assert _prune_rows() == [
        {"days": 90, "count": 3, "bytes": 1590, "via": "命令行（系统账号 测试）"}
    ]


@pytest.mark.django_db
def test_a_dry_run_removes_nothing_and_writes_no_audit_row(world: World, uploads: Path) -> None:
    from zhijian.web.datahub.actions import prune_uploads

    old = _stored(uploads, "old.csv", days_old=100, size=10)
    summary = prune_uploads(days=90, dry_run=True)
    assert (summary.files, summary.bytes) == ((old,), 10)
    assert old.exists()
    assert _prune_rows() == []


@pytest.mark.django_db
def test_nothing_to_remove_writes_no_audit_row(world: World, uploads: Path) -> None:
    from zhijian.web.datahub.actions import prune_uploads

    _stored(uploads, "recent.csv", days_old=1, size=10)
    assert prune_uploads(days=90).count == 0
    assert _prune_rows() == []


@pytest.mark.django_db
def test_the_command_prunes_and_says_so_in_chinese(
    world: World, uploads: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stored(uploads, "a.csv", days_old=40, size=2048)
    _stored(uploads, "b.csv", days_old=10, size=5)

    assert main(["data", "prune", "--days", "30", "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "  a.csv\n"
        f"将清理 1 个超过 30 天的上传文件（共 2.0 KB），位于 {uploads}；"
        "未删除任何文件（--dry-run）。\n"
    )
    assert (uploads / "a.csv").exists() and _prune_rows() == []

    assert main(["data", "prune", "--days", "30"]) == 0
    assert (
        capsys.readouterr().out
        == "已清理 1 个超过 30 天的上传文件（共 2.0 KB），已记入审计日志。\n"
    )
    assert sorted(p.name for p in uploads.iterdir()) == ["b.csv"]
    assert _prune_rows() == [
        {"days": 30, "count": 1, "bytes": 2048, "via": f"命令行（系统账号 {getpass.getuser()}）"}
    ]

    assert main(["data", "prune", "--days", "30"]) == 0
    assert capsys.readouterr().out == f"没有超过 30 天的上传文件需要清理（{uploads}）。\n"


@pytest.mark.django_db
def test_the_command_takes_the_setting_and_refuses_a_period_of_no_days(
    world: World, uploads: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.UPLOAD_RETENTION_DAYS = 5
    _stored(uploads, "a.csv", days_old=6, size=1)
    assert main(["data", "prune"]) == 0
    assert capsys.readouterr().out.startswith("已清理 1 个超过 5 天的上传文件")

    _stored(uploads, "b.csv", days_old=6, size=1)
    assert main(["data", "prune", "--days", "0"]) == 2
    assert "--days 应为正整数（保存天数）" in capsys.readouterr().err
    assert (uploads / "b.csv").exists()


@pytest.mark.django_db
def test_the_command_says_which_files_wait_for_their_import(
    world: World, uploads: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _stored(uploads, "queued.csv", days_old=100, size=1)
    _job(world, "queued.csv", BackgroundJob.Status.QUEUED)
    assert main(["data", "prune"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "另有 1 个文件已过期限，但其导入任务尚未结束，暂不清理。"
    )
    assert (uploads / "queued.csv").exists()


@pytest.mark.django_db
def test_the_worker_prunes_with_the_setting_and_not_when_it_is_zero(
    world: World, uploads: Path, settings: Any
) -> None:
    from zhijian.cli.retention import start_daily_prune

    said: list[str] = []
    settings.UPLOAD_RETENTION_DAYS = 0
    _stored(uploads, "old.csv", days_old=1000, size=3)
    start_daily_prune(said.append, once=True)
    assert (uploads / "old.csv").exists() and said == []

    settings.UPLOAD_RETENTION_DAYS = 90
    start_daily_prune(said.append, once=True)
    assert not (uploads / "old.csv").exists()
    assert said == ["已清理 1 个超过 90 天的上传文件（共 3 字节），已记入审计日志。"]
    assert _prune_rows() == [
        {"days": 90, "count": 1, "bytes": 3, "via": "后台任务进程（每日清理）"}
    ]


def test_the_retention_setting_defaults_to_90_days(tmp_path: Path) -> None:
    assert _setting_in_fresh_process(tmp_path, "UPLOAD_RETENTION_DAYS") == 90
    assert _setting_in_fresh_process(tmp_path, "UPLOAD_RETENTION_DAYS", days="30") == 30


def _setting_in_fresh_process(tmp_path: Path, name: str, days: str | None = None) -> Any:
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env["ZHIJIAN_HOME"] = str(tmp_path)
    if days is not None:
        env["ZHIJIAN_UPLOAD_RETENTION_DAYS"] = days
    script = f"import json, zhijian.web.settings as s; print(json.dumps(s.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_a_retention_setting_that_is_no_number_is_a_chinese_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env |= {"ZHIJIAN_HOME": str(tmp_path), "ZHIJIAN_UPLOAD_RETENTION_DAYS": "九十"}
    result = subprocess.run(
        [sys.executable, "-m", "zhijian", "data", "prune"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (
        2,
        "配置错误：环境变量 ZHIJIAN_UPLOAD_RETENTION_DAYS 应为不小于 0 的整数，现为“九十”\n",
    )


def test_the_daily_prune_runs_at_once_then_waits_a_day() -> None:
    import threading

    from zhijian.web.datahub.retention import DAY_SECONDS, every_day

    runs: list[float] = []
    stop = threading.Event()
    thread = every_day(lambda: runs.append(time.monotonic()), stop=stop)
    deadline = time.monotonic() + 30
    while not runs and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    stop.set()
    thread.join(timeout=5)
    assert (len(runs), thread.daemon, thread.is_alive(), DAY_SECONDS) == (1, True, False, 86_400)
