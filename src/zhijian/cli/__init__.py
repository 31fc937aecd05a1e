"""The ``zhijian`` command. Thin: parses arguments, calls the packages, prints results.

Bad input ends with exit status 2 and a Chinese message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from zhijian import __version__
from zhijian.law.errors import LawInputError
from zhijian.warehouse.errors import WarehouseError

EXIT_BAD_INPUT = 2

_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"缺少必填参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (
        r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
        r"参数 \1 的值 \2 无效，可选：\3",
    ),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1 应为整数：\2"),
    (r"argument (\S+): expected one argument", r"参数 \1 缺少取值"),
)


class UsageError(Exception):
    """A command-line problem the user can fix; the message is Chinese."""


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese and exit status 2."""

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_MESSAGES:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        sys.stderr.write(f"错误：{message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def print_json(value: Any) -> None:
    """Print a JSON document to stdout, Chinese left readable."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def build_parser() -> argparse.ArgumentParser:
    from zhijian.cli import data, imports, law, leads, models, synth, web

    parser = ChineseArgumentParser(
        prog="zhijian", description="智慧执检：刑事执行检察大数据法律监督平台"
    )
    parser.add_argument("--version", action="version", version=f"zhijian {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="命令", parser_class=ChineseArgumentParser
    )
    commands.required = True
    imports.add_init_command(commands)
    law.register(commands)
    synth.register(commands)
    data.register(commands)
    models.register(commands)
    leads.register(commands)
    web.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``zhijian`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except (LawInputError, WarehouseError, UsageError) as error:
        sys.stderr.write(f"错误：{error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("已中断\n")
        return 130
    except Exception as error:  # the last line of defence: no traceback for users
        from django.core.exceptions import ImproperlyConfigured

        if isinstance(error, ImproperlyConfigured):  # a setting the operator can correct
            sys.stderr.write(f"配置错误：{error}\n")
            return EXIT_BAD_INPUT
        if os.environ.get("ZHIJIAN_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"内部错误（{type(error).__name__}）。设置 ZHIJIAN_DEBUG=1 可查看详细信息。\n"
        )
        return 1
    return result
