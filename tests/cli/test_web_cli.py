"""The web platform's commands: ``demo``, ``audit verify|anchor``, ``units seed``,
``users create``."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.web.personas import FACILITIES
from zhijian.cli import main


def zhijian(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command in its own process, on its own workspace (SQLite inside it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZHIJIAN_HTTPS")}
    env |= {"ZHIJIAN_HOME": str(home), "DJANGO_SETTINGS_MODULE": "zhijian.web.settings"}
    return subprocess.run(
        [sys.executable, "-m", "zhijian", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_demo_prepares_a_workspace_once_and_prints_its_users(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    first = zhijian(home, "demo", "--no-serve", "--scale", "tiny")
    assert first.returncode == 0, first.stderr
    assert "5/5 创建演示用户" in first.stdout
    users = json.loads((home / "demo-users.json").read_text("utf-8"))
    assert {u["username"] for u in users} == {
        "shengyuan",
        "jinan_head",
        "jinan_resident",
        "qingdao_resident",
        "circuit",
        "modeller",
        "investigator",
        "admin",
    }
    assert oct((home / "demo-users.json").stat().st_mode & 0o777) == "0o600"
    for user in users:
        assert f"{user['username']:18} 密码 {user['password']}" in first.stdout
    # Each printed password passes the platform's own rules (12 characters and more).
    from django.contrib.auth.password_validation import validate_password

    for user in users:
        validate_password(user["password"])

    again = zhijian(home, "demo", "--no-serve", "--scale", "tiny")
    assert again.returncode == 0, again.stderr
    assert "演示工作区已就绪" in again.stdout and "1/5" not in again.stdout

    verify = zhijian(home, "audit", "verify", "--json")
    result = json.loads(verify.stdout)
    assert (verify.returncode, result["intact"], result["problems"]) == (0, True, [])
    assert result["checked"] >= 10  # the seeding and one row per user and grant


def test_demo_refuses_to_wipe_a_workspace_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "warehouse").mkdir()
    result = zhijian(tmp_path / "real", "demo", "--fresh", "--no-serve")
    assert result.returncode == 2
    assert "不是演示工作区" in result.stderr
    assert (tmp_path / "real" / "warehouse").is_dir()


@pytest.mark.django_db
def test_audit_verify_reports_tampering(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.web.tamper import triggers_dropped
    from zhijian.web.audit.chain import record
    from zhijian.web.audit.models import AuditEntry

    rows = [record(None, "测试操作", object_id=n) for n in range(3)]
    assert main(["audit", "verify"]) == 0
    assert "审计日志完整：3 条记录，校验链无断裂。" in capsys.readouterr().out

    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[0].pk).update(action="改过的操作")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "审计日志被篡改" in out and f"第 {rows[0].pk} 条：内容与校验码不符" in out


@pytest.mark.django_db
def test_audit_anchor_and_verify_against_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.web.tamper import triggers_dropped
    from zhijian.web.audit.chain import record
    from zhijian.web.audit.models import AuditEntry, AuditHead

    rows = [record(None, "测试操作", object_id=n) for n in range(3)]
    assert main(["audit", "anchor"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["format"], printed["count"], printed["last_hash"]) == (
        "zhijian-audit-anchor/1",
        3,
        rows[2].entry_hash,
    )
    anchor = tmp_path / "锚点.json"
    assert main(["audit", "anchor", "--out", str(anchor)]) == 0
    assert f"已写入锚点 {anchor}：第 3 条" in capsys.readouterr().out
    assert json.loads(anchor.read_text("utf-8"))["count"] == 3
    record(None, "测试操作", object_id=3)

    assert main(["audit", "verify", "--anchor", str(anchor), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["checked"], report["intact"], report["problems"]) == (4, True, [])
    assert report["anchor"] == {"count": 3, "holds": True, "rows_after": 1}
    assert main(["audit", "verify", "--anchor", str(anchor)]) == 0
    assert "锚点：第 3 条及其之前的记录与锚点一致；锚点之后新增 1 条。" in capsys.readouterr().out

    # The tail deleted and the head moved back: the head's MAC and the anchor show it.
    AuditHead.objects.filter(pk=1).update(
        last_hash=rows[1].entry_hash, last_entry_id=rows[1].pk, count=2
    )
    with triggers_dropped():
        AuditEntry.objects.filter(pk__gte=rows[2].pk).delete()
    assert main(["audit", "verify", "--anchor", str(anchor), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["anchor"] == {"count": 3, "holds": False, "rows_after": 0}
    assert report["problems"] == [
        "链头校验码不符（链头被移回或改写）",
        "锚点所记的第 3 条记录不存在：审计日志现只有 2 条（锚点之前的记录被删除）",
    ]


@pytest.mark.django_db
def test_audit_verify_without_the_key_says_it_cannot_verify(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, settings: Any
) -> None:
    from zhijian.web.audit import key
    from zhijian.web.audit.chain import record

    record(None, "测试操作")
    settings.HOME = tmp_path
    key.clear_cache()

    assert main(["audit", "verify", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert (report["intact"], report["verified"], report["problems"]) == (False, False, [])
    assert main(["audit", "verify"]) == 3
    out = capsys.readouterr().out
    assert out.startswith(
        "无法完整校验审计日志：共 1 条记录。未找到审计密钥（环境变量 ZHIJIAN_AUDIT_KEY"
    )
    assert "请设置密钥（从备份恢复）后再校验" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "锚点文件不存在"),
        ("不是 JSON", "锚点文件无法读取"),
        ('{"format": "zhijian-audit-anchor/1", "count": -1}', "锚点文件格式不对"),
        ('{"count": 3, "last_hash": "' + "a" * 64 + '", "at": "2026-01-01"}', "锚点文件格式不对"),
    ],
)
def test_a_bad_anchor_file_is_refused_in_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "anchor.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    assert main(["audit", "verify", "--anchor", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.django_db
def test_users_create_checks_unit_role_and_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhijian.web.accounts.actions import seed_from_facilities
    from zhijian.web.accounts.models import User

    seed_from_facilities(FACILITIES)
    base = ["users", "create", "wang", "--name", "王检察官", "--unit", "济南市人民检察院"]
    assert main([*base, "--role", "检察长"]) == 2
    assert "未知角色：检察长" in capsys.readouterr().err
    assert (
        main(
            ["users", "create", "wang", "--name", "王", "--unit", "无此院", "--role", "派驻检察官"]
        )
        == 2
    )
    assert "单位不存在：无此院" in capsys.readouterr().err

    monkeypatch.setattr("sys.stdin", _Stdin("123\n"))
    assert main([*base, "--role", "派驻检察官"]) == 2
    assert "密码不符合要求" in capsys.readouterr().err
    assert not User.objects.filter(username="wang").exists()

    monkeypatch.setattr("sys.stdin", _Stdin("Strong-Password-2026\n"))
    assert main([*base, "--role", "派驻检察官", "--role", "部门负责人"]) == 0
    user = User.objects.get(username="wang")
    assert user.check_password("Strong-Password-2026")
    assert user.role_codes() == {"派驻检察官", "部门负责人"}
    assert user.unit is not None and user.unit.name == "济南市人民检察院"


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.skipif(os.name != "posix", reason="gunicorn serves on POSIX only")
def test_serve_answers_each_request_on_its_own_connection(tmp_path: Path) -> None:
    """``zhijian serve`` (gunicorn): a page answers, and every response closes its
    connection, so the next request goes to whichever process has a free thread."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"ZHIJIAN_HOME": str(tmp_path), "ZHIJIAN_HTTPS": "0"}
    command = ["serve", "--no-worker", "--port", str(port), "--workers", "2", "--threads", "2"]
    server = subprocess.Popen(
        [sys.executable, "-m", "zhijian", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        answers = []
        deadline = time.monotonic() + 120
        while len(answers) < 3:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "zhijian serve did not answer"
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", "/login/")
                response = connection.getresponse()
                body = response.read().decode()
            except OSError:
                time.sleep(0.3)
                continue
            finally:
                connection.close()
            answers.append((response.status, response.getheader("Connection"), "登录" in body))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert answers == [(200, "close", True)] * 3


@pytest.mark.skipif(os.name != "posix", reason="gunicorn serves on POSIX only")
def test_the_first_demo_run_serves_every_page_a_procurator_opens(tmp_path: Path) -> None:
    """The README's first command, as a new user meets it: ``zhijian demo`` prepares the
    workspace and serves in one go; the pages, a person's page (read from the warehouse
    the preparation wrote) included, answer; a plain kill stops everything."""
    home, port = tmp_path / "demo", free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZHIJIAN_HTTPS")}
    env |= {"ZHIJIAN_HOME": str(home)}
    command = ["demo", "--scale", "tiny", "--port", str(port)]
    demo = subprocess.Popen(
        [sys.executable, "-m", "zhijian", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        opener = _wait_and_log_in(demo, home, port)
        base = f"http://127.0.0.1:{port}"
        statuses = {}
        for path in ("/dashboard/", "/leads/", "/models/", "/people/", "/resident/"):
            statuses[path] = opener.open(base + path).status
        listing = opener.open(base + "/leads/").read().decode()
        lead = re.search(r'href="/leads/(\d+)/"', listing)
        assert lead is not None
        page = opener.open(f"{base}/leads/{lead.group(1)}/").read().decode()
        person = re.search(r'href="(/people/[0-9a-f]{24}/)"', page)
        assert person is not None
        statuses["person"] = opener.open(base + person.group(1)).status
    finally:
        demo.terminate()
        demo.wait(timeout=60)
    assert set(statuses.values()) == {200}, statuses
    deadline = time.monotonic() + 30
    while _session_members(demo.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_members(demo.pid) == [], "a process of the demo outlived it"


def _session_members(session: int) -> list[int]:
    """The processes of a session, from /proc (Linux); [] where there is no /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        # after the name: state, ppid, pgrp, session
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_and_log_in(
    demo: subprocess.Popen[bytes], home: Path, port: int
) -> urllib.request.OpenerDirector:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        assert demo.poll() is None, "zhijian demo stopped"
        assert time.monotonic() < deadline, "zhijian demo did not serve"
        try:
            urllib.request.urlopen(base + "/login/", timeout=10).read()
            break
        except OSError:
            time.sleep(0.5)
    users = json.loads((home / "demo-users.json").read_text("utf-8"))
    password = next(u["password"] for u in users if u["username"] == "jinan_resident")
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = opener.open(base + "/login/").read().decode()  # sets the CSRF cookie
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)
    assert token is not None
    form = {"username": "jinan_resident", "password": password}
    body = urllib.parse.urlencode(form | {"csrfmiddlewaretoken": token.group(1)})
    landed = opener.open(base + "/login/", body.encode())
    assert landed.geturl().endswith("/dashboard/")
    return opener


def test_a_worker_that_dies_soon_waits_longer_before_each_restart() -> None:
    from zhijian.cli.supervisor import FIRST_DELAY, HEALTHY_AFTER, LONGEST_DELAY, next_delay

    assert FIRST_DELAY == 1.0 and LONGEST_DELAY == 60.0 and HEALTHY_AFTER == 30.0
    delays, delay = [], None
    for _ in range(9):
        delay = next_delay(delay, ran_for=0.5)
        delays.append(delay)
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    # A worker that had run a while before it died is restarted after a second again.
    assert next_delay(60.0, ran_for=HEALTHY_AFTER) == 1.0


def test_the_supervisor_restarts_a_dying_worker_with_growing_waits_and_stops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zhijian.cli import supervisor

    monkeypatch.setattr(supervisor, "FIRST_DELAY", 0.1)
    said: list[str] = []
    watcher = supervisor.WorkerSupervisor(
        [sys.executable, "-c", "raise SystemExit(3)"], say=said.append
    )
    watcher.start()
    deadline = time.monotonic() + 60
    while sum("已停止" in line for line in said) < 3:
        assert time.monotonic() < deadline, said
        time.sleep(0.05)
    watcher.stop()
    stopped = [line for line in said if "已停止" in line]
    waits = [re.search(r"；([\d.]+) 秒后重新启动", line) for line in stopped[:3]]
    assert [float(w.group(1)) for w in waits if w] == [0.1, 0.2, 0.4]
    assert all("退出码 3" in line for line in stopped)
    assert watcher.starts == len(stopped) + ("已停止" not in said[-1])
    assert watcher.pid is None


SEED_ADMIN = """
import zhijian.web
zhijian.web.setup_django()
zhijian.web.ensure_database()
from zhijian.web.accounts.actions import create_user, seed_from_facilities
from zhijian.web.accounts.models import Unit
seed_from_facilities([{
    "facility_code": "JN-JY01", "name": "山东省测试监狱", "facility_type": "监狱",
    "region_code": "370102", "supervising_procuratorate": "济南市人民检察院派驻测试监狱检察室",
}])
create_user("admin", "Zhijian-Test-2026", full_name="系统管理员",
            unit=Unit.objects.get(name="山东省人民检察院"), roles=["系统管理员"])
"""
QUEUE_IMPORT = """
import zhijian.web
zhijian.web.setup_django()
from django.core.files.uploadedfile import SimpleUploadedFile
from zhijian.web.accounts.models import User
from zhijian.web.datahub.actions import upload_data_file
content = ("facility_code,name,facility_type,region_code\\n"
           "JN-JY01,山东省测试监狱,监狱,370102\\n").encode()
job = upload_data_file("facilities", SimpleUploadedFile("场所.csv", content),
                       actor=User.objects.get(username="admin"))
print(job.pk)
"""


def _python(home: Path, script: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"ZHIJIAN_HOME": str(home), "DJANGO_SETTINGS_MODULE": "zhijian.web.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _children(parent: int, marker: bytes) -> list[int]:
    """The live child processes of ``parent`` whose command line holds ``marker`` (from
    /proc: Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z" and marker in command:
            found.append(int(stat.parent.name))
    return found


def _wait_for(condition: Any, what: str, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}：超时"
        time.sleep(0.2)


def _job_message(home: Path, job: str) -> str:
    import sqlite3

    with sqlite3.connect(home / "zhijian.sqlite3", timeout=30) as database:
        row = database.execute(
            "select message from library_backgroundjob where id = ?", (int(job),)
        ).fetchone()
    return str(row[0]) if row else ""


def _job_status(home: Path, job: str) -> str:
    import sqlite3

    with sqlite3.connect(home / "zhijian.sqlite3", timeout=30) as database:
        row = database.execute(
            "select status from library_backgroundjob where id = ?", (int(job),)
        ).fetchone()
    return str(row[0]) if row else ""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the worker is found through /proc")
def test_serve_restarts_a_killed_worker_and_a_queued_job_still_gets_done(tmp_path: Path) -> None:
    """``zhijian serve``: the worker is killed; serve says so on stderr, starts a new one,
    and an import queued meanwhile is done by it; stopping serve stops the worker."""
    import signal

    home, port = tmp_path / "home", free_port()
    _python(home, SEED_ADMIN)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"ZHIJIAN_HOME": str(home), "ZHIJIAN_HTTPS": "0"}
    errors = (tmp_path / "serve.err").open("w+", encoding="utf-8")
    command = ["serve", "--port", str(port), "--workers", "1", "--threads", "1"]
    server = subprocess.Popen(
        [sys.executable, "-m", "zhijian", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        first = _wait_for(lambda: _children(server.pid, b"worker"), "后台任务进程启动")
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)
        job = _python(home, QUEUE_IMPORT)  # queued while no worker runs
        second = _wait_for(
            lambda: [pid for pid in _children(server.pid, b"worker") if pid != first[0]],
            "新的后台任务进程",
        )
        assert _wait_for(lambda: _job_status(home, job) in ("完成", "失败"), "导入完成")
        assert _job_status(home, job) == "完成", _job_message(home, job)
    finally:
        server.terminate()
        server.wait(timeout=60)
    errors.seek(0)
    said = errors.read()
    assert f"后台任务进程（进程号 {first[0]}）已停止" in said, said
    assert f"后台任务进程已重新启动（进程号 {second[0]}）。" in said, said
    assert not Path(f"/proc/{second[0]}").exists() or _is_zombie(second[0])


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
