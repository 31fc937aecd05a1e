"""``zhijian leads export``: the leads of the operational database on the command line.

Django is imported inside the handlers only, so the other commands (``zhijian law …``)
start without it. Each handler opens the database with ``open_database`` first, which
applies pending migrations on first use.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zhijian.cli import UsageError

EXPORT_FORMATS = ("csv", "json")
_WRITE_ERRORS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "所在目录不存在"),
    (IsADirectoryError, "这是一个目录"),
    (PermissionError, "没有写入权限"),
)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    leads = commands.add_parser("leads", help="线索：导出、逾期认定")
    sub = leads.add_subparsers(dest="leads_command", metavar="子命令")
    sub.required = True
    add_export_command(sub)
    overdue = sub.add_parser(
        "overdue",
        help="把整改回复期限已过仍未回复的线索认定为逾期未整改（可每天定时运行）",
    )
    overdue.add_argument("--date", help="按这一天判断 YYYY-MM-DD（默认今天）")
    overdue.set_defaults(handler=run_overdue)


def add_export_command(sub: argparse._SubParsersAction[Any]) -> None:
    export = sub.add_parser("export", help="导出全部线索（CSV 可直接用 Excel 打开，或 JSON）")
    export.add_argument(
        "--format", dest="fmt", required=True, choices=EXPORT_FORMATS, help="导出格式"
    )
    export.add_argument("--out", type=Path, required=True, help="输出文件")
    export.set_defaults(handler=run_export)


def open_database() -> None:
    """Set Django up and migrate the operational database if needed. A database that
    cannot be opened is the user's to fix (``DATABASE_URL``): ``UsageError``."""
    import dj_database_url
    from django.core.exceptions import ImproperlyConfigured
    from django.db import Error

    import zhijian.web

    try:
        zhijian.web.setup_django()
        zhijian.web.ensure_database()
    except (Error, dj_database_url.ParseError) as error:
        raise UsageError(f"无法打开业务数据库（检查 DATABASE_URL）：{error}") from None
    except dj_database_url.UnknownSchemeError:
        raise UsageError(
            "DATABASE_URL 的数据库类型不受支持，应为 postgres://用户@主机:端口/库名 或 sqlite:///文件路径"
        ) from None
    except ImproperlyConfigured as error:
        raise UsageError(f"配置有误：{error}") from None


def run_export(args: argparse.Namespace) -> int:
    open_database()
    from zhijian.web.leads.actions import export_leads

    try:
        count = export_leads(args.out, args.fmt)
    except OSError as error:
        raise UsageError(f"无法写入 {args.out}：{_reason(error)}") from None
    print(f"已导出 {count} 条线索到 {args.out}")
    return 0


def run_overdue(args: argparse.Namespace) -> int:
    from datetime import date

    today = None
    if args.date:
        try:
            today = date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date 不是有效日期（应为YYYY-MM-DD）：{args.date}") from None
    open_database()
    from zhijian.web.leads.actions import mark_overdue_leads

    count = mark_overdue_leads(today)
    print(f"认定逾期未整改 {count} 条线索")
    return 0


def _reason(error: OSError) -> str:
    for kind, reason in _WRITE_ERRORS:
        if isinstance(error, kind):
            return reason
    return error.strerror or str(error)
