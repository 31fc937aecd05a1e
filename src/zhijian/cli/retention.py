"""``zhijian data prune``: remove uploaded data files past their retention period."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from zhijian.cli import UsageError


def add_prune_command(sub: argparse._SubParsersAction[Any]) -> None:
    prune = sub.add_parser(
        "prune",
        help="清理超过保存期限的上传数据文件（$ZHIJIAN_HOME/uploads/；导入未结束的文件不清理）",
    )
    prune.add_argument(
        "--days",
        type=int,
        help="保存天数：清理早于这么多天存入的文件（默认取 ZHIJIAN_UPLOAD_RETENTION_DAYS，即 90）",
    )
    prune.add_argument("--dry-run", action="store_true", help="只列出将清理的文件，不删除")
    prune.set_defaults(handler=run_prune)


def run_prune(args: argparse.Namespace) -> int:
    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()
    from django.conf import settings

    from zhijian.web.datahub.actions import prune_uploads
    from zhijian.web.datahub.retention import size_text, uploads_dir

    days = settings.UPLOAD_RETENTION_DAYS if args.days is None else args.days
    if days < 1:
        raise UsageError("--days 应为正整数（保存天数）")
    via = f"命令行（系统账号 {system_account()}）"
    summary = prune_uploads(days=days, dry_run=args.dry_run, via=via)
    folder = uploads_dir()
    if args.dry_run:
        for path in summary.files:
            print(f"  {path.name}")
        print(
            f"将清理 {summary.count} 个超过 {days} 天的上传文件（共 {size_text(summary.bytes)}），"
            f"位于 {folder}；未删除任何文件（--dry-run）。"
        )
    elif summary.count:
        print(
            f"已清理 {summary.count} 个超过 {days} 天的上传文件（共 {size_text(summary.bytes)}），"
            "已记入审计日志。"
        )
    else:
        print(f"没有超过 {days} 天的上传文件需要清理（{folder}）。")
    if summary.kept_in_use:
        print(f"另有 {len(summary.kept_in_use)} 个文件已过期限，但其导入任务尚未结束，暂不清理。")
    return 0


def system_account() -> str:
    """The operating-system account running the command, named in the audit row (as
    ``zhijian leads export`` does)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知"


def start_daily_prune(say: Any = print, *, once: bool = False) -> None:
    """In ``zhijian worker``: prune the uploads past ``UPLOAD_RETENTION_DAYS`` now and
    then once a day, in a daemon thread; with ``once`` (``worker --batch``) now only, in
    this thread. Nothing when the setting is 0. A failed prune is said on the worker's
    output and tried again the next day."""
    import threading

    from django.conf import settings

    from zhijian.web.datahub.retention import every_day

    days = settings.UPLOAD_RETENTION_DAYS
    if days > 0 and once:
        _prune_once(days, say)
    elif days > 0:
        every_day(lambda: _prune_in_thread(days, say), stop=threading.Event())


def _prune_in_thread(days: int, say: Any) -> None:
    from django.db import connections

    try:
        _prune_once(days, say)
    finally:
        connections.close_all()  # this thread's connections: idle until tomorrow


def _prune_once(days: int, say: Any) -> None:
    from zhijian.web.datahub.actions import prune_uploads
    from zhijian.web.datahub.retention import size_text

    try:
        summary = prune_uploads(days=days, via="后台任务进程（每日清理）")
    except Exception as error:  # a locked database, a full disk: try again tomorrow
        say(f"清理过期上传文件未完成（{type(error).__name__}），明天再试。")
    else:
        if summary.count:
            say(
                f"已清理 {summary.count} 个超过 {days} 天的上传文件"
                f"（共 {size_text(summary.bytes)}），已记入审计日志。"
            )
