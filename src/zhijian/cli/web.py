"""The web platform's commands: ``demo``, ``serve``, ``worker``, ``audit verify``,
``audit anchor``, ``units seed`` and ``users create``."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from zhijian.cli import UsageError, print_json

DEMO_HOME = "zhijian-demo"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    demo = commands.add_parser(
        "demo", help="演示：生成合成的山东全省数据、导入、运行模型、创建演示用户并启动网页"
    )
    demo.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    demo.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    demo.add_argument("--scale", default="small", choices=("tiny", "small"), help="数据规模")
    demo.add_argument("--fresh", action="store_true", help="清空演示工作区后重新准备")
    demo.add_argument("--no-serve", action="store_true", help="只准备工作区，不启动网页")
    demo.set_defaults(handler=run_demo)

    serve = commands.add_parser(
        "serve", help="启动网页服务（gunicorn；Windows 上为 waitress）与后台任务进程"
    )
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument(
        "--workers",
        type=int,
        # One process a core with four threads each gave the shortest tail under load in
        # benchmarks/web.py: a browser's kept-alive connection stays with one process, so
        # more processes balance worse.
        default=os.cpu_count() or 1,
        help="处理请求的进程数（默认为处理器核数；Windows 上为 1 个进程）",
    )
    serve.add_argument("--threads", type=int, default=4, help="每个进程的线程数（默认 4）")
    serve.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
    serve.set_defaults(handler=run_serve)

    worker = commands.add_parser("worker", help="后台任务进程：运行网页提交的模型运行与导入")
    worker.add_argument("--batch", action="store_true", help="处理完排队的任务后退出")
    worker.set_defaults(handler=run_worker)

    audit = commands.add_parser("audit", help="审计日志")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="子命令")
    audit_sub.required = True
    verify = audit_sub.add_parser("verify", help="校验审计日志的哈希链，报告篡改")
    verify.add_argument("--json", action="store_true", help="输出 JSON")
    verify.add_argument(
        "--anchor",
        type=Path,
        help="锚点文件（zhijian audit anchor 写出）：证明其之前的记录未被改动",
    )
    verify.set_defaults(handler=run_audit_verify)
    anchor = audit_sub.add_parser(
        "anchor", help="记下审计链头（哈希、条数、时间），交外部保存或公证（可每天定时运行）"
    )
    anchor.add_argument("--out", type=Path, help="写入此文件（JSON）；省略则输出到屏幕")
    anchor.set_defaults(handler=run_audit_anchor)

    units = commands.add_parser("units", help="单位与监督场所")
    units_sub = units.add_subparsers(dest="units_command", metavar="子命令")
    units_sub.required = True
    seed = units_sub.add_parser(
        "seed", help="按数据仓库的 facilities 建立单位树与场所监督关系（可重复运行）"
    )
    seed.set_defaults(handler=run_units_seed)

    users = commands.add_parser("users", help="用户")
    users_sub = users.add_subparsers(dest="users_command", metavar="子命令")
    users_sub.required = True
    create = users_sub.add_parser("create", help="创建用户（密码从标准输入或提示读取）")
    create.add_argument("username", help="用户名")
    create.add_argument("--name", required=True, help="姓名")
    create.add_argument("--unit", required=True, help="所在单位全称")
    create.add_argument(
        "--role", action="append", required=True, help="角色，可重复，如 --role 系统管理员"
    )
    create.set_defaults(handler=run_users_create)


def _start_django() -> None:
    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()


def run_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("ZHIJIAN_HOME", str(Path(DEMO_HOME).resolve()))
    # The demo serves plain HTTP on this machine: cookies cannot require HTTPS.
    os.environ["ZHIJIAN_HTTPS"] = "0"
    from zhijian.warehouse.workspace import Workspace
    from zhijian.web import demo

    workspace = Workspace.from_environment()
    if args.fresh:
        if not (workspace.home / demo.USERS_FILE).exists() and workspace.home.exists():
            raise UsageError(f"{workspace.home} 不是演示工作区，--fresh 不会清空它")
        import shutil

        shutil.rmtree(workspace.home, ignore_errors=True)
    _start_django()
    try:
        users = demo.prepare(workspace, scale=args.scale, say=_say)
    except RuntimeError as error:
        raise UsageError(str(error)) from None
    url = f"http://{args.host}:{args.port}/"
    demo.print_users(users, url, serving=not args.no_serve, say=_say)
    if args.no_serve:
        return 0
    # Preparing used the warehouse in this process, and the warehouse library's runtime
    # cannot cross a fork: the server starts in a fresh process, as `zhijian serve`.
    command = ["serve", "--host", args.host, "--port", str(args.port)]
    server = subprocess.Popen([sys.executable, "-m", "zhijian", *command, "--workers", "2"])
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return server.wait()
    except KeyboardInterrupt:
        # Ctrl+C reached the server too; a plain kill is passed on.
        server.terminate()
        server.wait(timeout=30)
        return 0


def run_serve(args: argparse.Namespace) -> int:
    _start_django()
    _say(f"智慧执检：http://{args.host}:{args.port}/ （Ctrl+C 停止）")
    if args.workers < 1 or args.threads < 1:
        raise UsageError("--workers 与 --threads 应为正整数")
    return _serve(
        args.host, args.port, workers=args.workers, threads=args.threads, worker=not args.no_worker
    )


def _serve(host: str, port: int, *, workers: int, threads: int, worker: bool) -> int:
    """Serve until interrupted: gunicorn with several processes where it runs (POSIX),
    so requests use every core; waitress in one process elsewhere."""
    from django.db import connections

    import zhijian.web
    from zhijian.cli.supervisor import WorkerSupervisor

    zhijian.web.warm_up()
    # Processes forked for requests must not share the parent's database connections.
    connections.close_all()
    supervisor = None
    if worker:
        # Restarted whenever it dies, stopped with the server (zhijian.cli.supervisor).
        supervisor = WorkerSupervisor([sys.executable, "-m", "zhijian", "worker"], env=os.environ)
        supervisor.start()
    # A plain ``kill`` stops the server the way Ctrl+C does, so the worker stops with it.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if os.name == "posix":
            _gunicorn(host, port, workers=workers, threads=threads)
        else:
            from waitress import serve

            from zhijian.web.wsgi import application

            serve(application, host=host, port=port, threads=threads * workers, ident="zhijian")
    finally:
        if supervisor is not None:
            supervisor.stop()
    return 0


def _gunicorn(host: str, port: int, *, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from zhijian.web.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                # Each connection carries one request, and a process takes a connection
                # only when it has a free thread: requests wait in the one queue of the
                # listening socket for the first free thread of any process. A kept-alive
                # connection stays with its process, and under load a busy process kept
                # its users waiting while another was idle (benchmarks/web.py: p95 from 280
                # to 430 ms between runs with kept-alive connections, 200 to 230 ms without).
                "keepalive": 0,
                "worker_connections": threads,
                "timeout": 120,
                "graceful_timeout": 10,
                # No access log: request lines would be the only place a query could leak.
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "zhijian",
            }
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> object:
            return application

    Server().run()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    _start_django()
    from zhijian.cli.retention import start_daily_prune
    from zhijian.web.library.jobs import settle_abandoned_jobs

    settled = settle_abandoned_jobs()
    if settled:
        print(f"{settled} 个后台任务的执行进程已停止，已标记为失败（需重新提交）。")
    # Uploads past their retention period: now, and once a day while the worker runs.
    start_daily_prune(_say, once=args.batch)
    options: dict[str, Any] = {"verbosity": 1}
    if args.batch:
        options["batch"] = True
    call_command("db_worker", **options)
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0: intact; 1: tampered; 3: some rows could not be checked (no key, or not
    the key that wrote them) and nothing else was found."""
    _start_django()
    from zhijian.web.audit.anchor import AnchorError, read_anchor
    from zhijian.web.audit.chain import verify

    try:
        anchor = read_anchor(args.anchor) if args.anchor else None
    except AnchorError as error:
        raise UsageError(str(error)) from None
    result = verify(anchor=anchor)
    if args.json:
        print_json(_verification_json(result))
    else:
        _print_verification(result)
    if result.problems:
        return 1
    return 3 if result.unverified else 0


def _verification_json(result: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "checked": result.checked,
        "intact": result.intact,
        "problems": result.problems,
        "legacy_rows": result.legacy_rows,
        "verified": not result.unverified,
        "unverified": result.unverified,
    }
    if result.anchor is not None:
        report["anchor"] = {
            "count": result.anchor.count,
            "holds": result.anchor.holds,
            "rows_after": result.anchor.rows_after,
        }
    return report


def _print_verification(result: Any) -> None:
    legacy = f"（其中升级前的 SHA-256 记录 {result.legacy_rows} 条）" if result.legacy_rows else ""
    if result.problems:
        print(f"审计日志被篡改：共 {result.checked} 条记录，发现 {len(result.problems)} 处问题：")
        for problem in result.problems:
            print(f"  {problem}")
    elif result.unverified:
        print(f"无法完整校验审计日志：共 {result.checked} 条记录。{result.unverified}")
    else:
        print(f"审计日志完整：{result.checked} 条记录{legacy}，校验链无断裂。")
    if result.anchor is not None and result.anchor.holds:
        print(
            f"锚点：第 {result.anchor.count} 条及其之前的记录与锚点一致；"
            f"锚点之后新增 {result.anchor.rows_after} 条。"
        )


def run_audit_anchor(args: argparse.Namespace) -> int:
    import json

    _start_django()
    from zhijian.web.audit.anchor import take_anchor

    anchor = take_anchor()
    text = json.dumps(anchor.to_json(), ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"无法写入锚点文件 {args.out}：{error.strerror or error}") from None
    print(f"已写入锚点 {args.out}：第 {anchor.count} 条，哈希 {anchor.last_hash[:16]}…")
    return 0


def run_units_seed(args: argparse.Namespace) -> int:
    from zhijian.warehouse.workspace import Workspace
    from zhijian.web.demo import facility_rows

    rows = facility_rows(Workspace.from_environment())
    if not rows:
        raise UsageError(
            "数据仓库中没有 facilities 数据：请先导入场所表（zhijian data import facilities 文件）"
        )
    _start_django()
    from zhijian.web.accounts.actions import seed_from_facilities

    summary = seed_from_facilities(rows)
    print(
        f"新建单位 {summary.units_created} 个；场所新增 {summary.facilities_created}、"
        f"更新 {summary.facilities_updated}、不变 {summary.facilities_kept}。"
    )
    return 0


def run_users_create(args: argparse.Namespace) -> int:
    _start_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from zhijian.web.accounts.actions import create_user
    from zhijian.web.accounts.models import Role, Unit, User

    unknown = sorted(set(args.role) - set(Role.Code.values))
    if unknown:
        raise UsageError(f"未知角色：{'、'.join(unknown)}；可选：{'、'.join(Role.Code.values)}")
    unit = Unit.objects.filter(name=args.unit).first()
    if unit is None:
        raise UsageError(f"单位不存在：{args.unit}（可先运行 zhijian units seed）")
    if User.objects.filter(username=args.username).exists():
        raise UsageError(f"用户名已存在：{args.username}")
    password = _read_password()
    try:
        validate_password(password, User(username=args.username, full_name=args.name))
    except ValidationError as error:
        raise UsageError("密码不符合要求：" + "；".join(error.messages)) from None
    create_user(args.username, password, full_name=args.name, unit=unit, roles=args.role)
    print(f"已创建用户 {args.username}（{unit.name}，{'、'.join(args.role)}）")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise UsageError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\n")


def _say(text: str) -> None:
    print(text, flush=True)
