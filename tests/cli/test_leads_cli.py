"""``zhijian leads export``: exit 0 and a Chinese summary; bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.hits import hit, run_result
from zhijian.cli import main
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.actions import sync_run


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["leads", "export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    sync_run(run_result([hit(1), hit(2)]))
    path = tmp_path / f"线索.{fmt}"

    code, out, err = run(capsys, "--format", fmt, "--out", str(path))

    assert (code, err) == (0, "")
    assert out == f"已导出 2 条线索到 {path}\n"
    assert path.read_text(encoding="utf-8-sig").count("测试人员") == 2
    exported = AuditEntry.objects.get(action="导出线索")
    assert (exported.actor, exported.object_id) == (None, "全部")
    assert exported.detail["count"] == 2 and exported.detail["file"] == path.name
    assert exported.detail["via"].startswith("命令行（系统账号 ")


@pytest.mark.django_db
def test_export_into_a_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "没有的目录" / "线索.csv"

    code, out, err = run(capsys, "--format", "csv", "--out", str(path))

    assert (code, out) == (2, "")
    assert err == f"错误：无法写入 {path}：所在目录不存在\n"


@pytest.mark.django_db
def test_export_onto_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--format", "json", "--out", str(tmp_path))

    assert code == 2
    assert err == f"错误：无法写入 {tmp_path}：这是一个目录\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx", "--out", "x.xlsx"], "错误：参数 --format 的值 'xlsx' 无效"),
        (["--out", "x.csv"], "错误：缺少必填参数：--format"),
        (["--format", "csv"], "错误：缺少必填参数：--out"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["leads", "export", *args])

    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_line_loads_django_only_for_the_database() -> None:
    code = (
        "import sys, zhijian.cli\n"
        "zhijian.cli.build_parser()\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert out == "\n"  # no django module loaded


def zhijian(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``zhijian`` command in a fresh process on workspace ``home``."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "-m", "zhijian", *args],
        env={**clean, "ZHIJIAN_HOME": str(home), **env},
        capture_output=True,
        text=True,
    )


def test_the_first_export_creates_the_database(tmp_path: Path) -> None:
    out = tmp_path / "线索.json"

    done = zhijian(tmp_path / "home", "leads", "export", "--format", "json", "--out", str(out))

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"已导出 0 条线索到 {out}\n"
    assert json.loads(out.read_text(encoding="utf-8")) == []
    assert (tmp_path / "home" / "zhijian.sqlite3").is_file()


def test_a_database_that_does_not_answer(tmp_path: Path) -> None:
    done = zhijian(
        tmp_path,
        *("leads", "export", "--format", "csv", "--out", str(tmp_path / "x.csv")),
        DATABASE_URL="postgres://postgres@127.0.0.1:1/zhijian",
    )

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("错误：无法打开业务数据库（检查 DATABASE_URL）：")
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_overdue_reports_how_many_leads_it_moved(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leads", "overdue", "--date", "2026-11-27"]) == 0
    assert capsys.readouterr().out == "认定逾期未整改 0 条线索\n"
    assert main(["leads", "overdue", "--date", "2026-13-01"]) == 2
    assert "--date 不是有效日期" in capsys.readouterr().err
