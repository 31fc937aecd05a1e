"""``zhijian data …``: the warehouse from the command line.

``register`` creates the ``data`` group; each subcommand has its own ``add_…_command``
function taking the group's subparsers, so further subcommands slot in beside
``add_datasets_command``. ``zhijian.cli.main`` reports a ``WarehouseError`` as bad
input (Chinese message, exit 2).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from zhijian.cli import UsageError, print_json
from zhijian.cli.imports import add_import_commands
from zhijian.cli.retention import add_prune_command
from zhijian.warehouse.standard import (
    DATASETS,
    Column,
    Dataset,
    dataset_markdown,
    get_dataset,
    render_markdown,
)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    data = commands.add_parser("data", help="数据仓库：数据标准、导入与查询")
    sub = data.add_subparsers(dest="data_command", metavar="子命令")
    sub.required = True
    add_datasets_command(sub)
    add_import_commands(sub)
    add_prune_command(sub)


def add_datasets_command(sub: argparse._SubParsersAction[Any]) -> None:
    datasets = sub.add_parser("datasets", help="数据标准：数据集及其字段")
    datasets.add_argument("name", nargs="?", help="数据集名称，如 judgments；省略则列出全部")
    datasets.add_argument("--json", action="store_true", help="输出 JSON")
    datasets.add_argument(
        "--markdown", action="store_true", help="输出 Markdown 文档（即 docs/data-standard.md）"
    )
    datasets.set_defaults(handler=run_datasets)


def run_datasets(args: argparse.Namespace) -> int:
    if args.json and args.markdown:
        raise UsageError("--json 与 --markdown 只能选一个")
    dataset = get_dataset(args.name) if args.name else None
    if args.markdown:
        sys.stdout.write(dataset_markdown(dataset) if dataset else render_markdown())
    elif args.json:
        print_json(dataset.to_json() if dataset else [d.to_json() for d in DATASETS.values()])
    else:
        sys.stdout.write(_columns_text(dataset) if dataset else _datasets_text())
    return 0


def _datasets_text() -> str:
    rows = [("数据集", "中文名", "主键", "字段数")]
    rows += [(d.name, d.label, d.key_text, str(len(d.columns))) for d in DATASETS.values()]
    return format_table(rows)


def _columns_text(dataset: Dataset) -> str:
    title = f"{dataset.name} {dataset.label}（{dataset.section}）  主键：{dataset.key_text}\n"
    rows = [("字段", "类型", "中文名", "必填", "可选值")]
    rows += [
        (c.name, c.type.value, c.label, _required_text(c), "、".join(c.values))
        for c in dataset.columns
    ]
    return title + format_table(rows)


def _required_text(column: Column) -> str:
    if column.may_be_absent:
        return "是（文件可无此列）"
    return "是" if column.required else "否"


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as aligned plain-text columns. Chinese characters take two terminal cells,
    so padding counts display width, not characters."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell + " " * (width - display_width(cell))
            for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
