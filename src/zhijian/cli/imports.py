"""``zhijian init`` and ``zhijian data import | import-dir | batches | rejected | sql``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from zhijian.cli import print_json
from zhijian.warehouse import storage
from zhijian.warehouse.compute import json_value, run_query
from zhijian.warehouse.ingest import ImportSummary, import_directory, import_file
from zhijian.warehouse.workspace import Workspace

PROGRESS_FROM_ROWS = 100_000


def add_init_command(commands: argparse._SubParsersAction[Any]) -> None:
    init = commands.add_parser("init", help="准备工作目录（$ZHIJIAN_HOME，默认 ./zhijian-data）")
    init.set_defaults(handler=run_init)


def add_import_commands(sub: argparse._SubParsersAction[Any]) -> None:
    one = sub.add_parser("import", help="导入一个文件到指定数据集")
    one.add_argument("dataset", help="数据集名称，如 judgments")
    one.add_argument("file", type=Path, help="CSV、XLSX/XLS、Parquet 或 JSON Lines 文件")
    one.add_argument("--mapping", type=Path, help="表头映射文件（YAML：单位表头: 标准字段名）")
    one.add_argument("--source", help="数据来源（报送单位或系统名称）")
    one.add_argument("--sheet", help="Excel 工作表名称（默认第一个）")
    one.add_argument("--json", action="store_true", help="以 JSON 输出导入结果")
    one.set_defaults(handler=run_import)

    many = sub.add_parser("import-dir", help="导入目录中以数据集命名的全部文件（参考数据优先）")
    many.add_argument("directory", type=Path)
    many.add_argument("--source", help="数据来源")
    many.add_argument("--json", action="store_true", help="以 JSON 输出各批次结果")
    many.set_defaults(handler=run_import_dir)

    batches = sub.add_parser("batches", help="查看导入批次记录")
    batches.add_argument("--json", action="store_true")
    batches.set_defaults(handler=run_batches)

    rejected = sub.add_parser("rejected", help="查看被拒收或标记的行及原因")
    rejected.add_argument("--batch", help="只看某一批次")
    rejected.add_argument("--all", action="store_true", help="同时列出标记（已导入）的行")
    rejected.add_argument("--json", action="store_true")
    rejected.set_defaults(handler=run_rejected)

    sql = sub.add_parser("sql", help="对数据仓库执行只读查询")
    sql.add_argument("query", help="一条 SELECT 语句；每个数据集是一个同名视图")
    sql.add_argument("--json", action="store_true", help="以 JSON 对象列表输出")
    sql.set_defaults(handler=run_sql)


def run_init(args: argparse.Namespace) -> int:
    workspace = Workspace.from_environment()
    workspace.init()
    print(f"工作目录已就绪：{workspace.home}")
    return 0


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], None]]:
    """A progress callback that shows a bar once a file passes ~100k rows."""
    bar: tqdm[Any] | None = None

    def update(rows: int) -> None:
        nonlocal bar
        if bar is None and rows >= PROGRESS_FROM_ROWS:
            bar = tqdm(desc=label, unit="行", file=sys.stderr, initial=0)
        if bar is not None:
            bar.update(rows - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def _print_summary(summary: ImportSummary) -> None:
    flagged = f"（其中 {summary.flagged} 行已导入但被标记）" if summary.flagged else ""
    print(
        f"批次 {summary.batch_id}：{summary.dataset} ← {summary.file_name}\n"
        f"  收到 {summary.received} 行：新增 {summary.inserted}，更新 {summary.updated}，"
        f"未变 {summary.unchanged}，拒收 {summary.rejected}{flagged}"
    )
    if summary.updated_other_source:
        print(
            f"  其中 {summary.updated_other_source} 行更新了其他来源写入的记录"
            "（已标记，原来源与新来源见原因）"
        )
    if summary.unknown_columns:
        print(f"  未识别的列（未导入，已在批次记录中列出）：{'、'.join(summary.unknown_columns)}")
    if summary.message:
        print(f"  说明：{summary.message}")
    if summary.rejected or summary.flagged or summary.updated_other_source:
        print(f"  查看原因：zhijian data rejected --batch {summary.batch_id} --all")


def run_import(args: argparse.Namespace) -> int:
    with progress_bar(f"读取 {args.file.name}") as progress:
        summary = import_file(
            args.dataset,
            args.file,
            mapping_path=args.mapping,
            source=args.source,
            sheet=args.sheet,
            progress=progress,
        )
    if args.json:
        print_json(summary.to_json())
    else:
        _print_summary(summary)
    return 0


def run_import_dir(args: argparse.Namespace) -> int:
    with progress_bar(f"读取 {args.directory}") as progress:
        summaries = import_directory(args.directory, source=args.source, progress=progress)
    if args.json:
        print_json([s.to_json() for s in summaries])
    else:
        for summary in summaries:
            _print_summary(summary)
    return 0


def _query_rows(sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
    columns, rows = run_query(sql, parameters=parameters)
    return [dict(zip(columns, (json_value(v) for v in row), strict=True)) for row in rows]


def run_batches(args: argparse.Namespace) -> int:
    workspace = Workspace.from_environment()
    with workspace.lock(wait=False) as free:
        if free:
            storage.fail_stale_batches(workspace)
    rows = _query_rows(f"SELECT * FROM {storage.BATCHES} ORDER BY started_at")
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("尚无导入批次")
    for row in rows:
        head = f"{row['batch_id']}  {row['status']}  {row['dataset']} ← {row['file_name']}"
        if row["uploader"]:
            head += f"  上传人 {row['uploader']}"
        if row["status"] == storage.SUCCEEDED:
            other = row["updated_other_source"]
            print(
                f"{head}  收到 {row['received']} 新增 {row['inserted']} 更新 {row['updated']} "
                f"未变 {row['unchanged']} 拒收 {row['rejected']} 标记 {row['flagged']}"
                + (f" 更新其他来源 {other}" if other else "")
                + (f"  {row['message']}" if row["message"] else "")
            )
        else:
            print(f"{head}  {row['message'] or ''}".rstrip())
    return 0


def run_rejected(args: argparse.Namespace) -> int:
    conditions: list[str] = []
    parameters: list[Any] = []
    if not args.all:
        conditions.append("action = ?")
        parameters.append("拒收")
    if args.batch:
        conditions.append("batch_id = ?")
        parameters.append(args.batch)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = _query_rows(
        f"SELECT * FROM {storage.ISSUES} {where} ORDER BY batch_id, row_number, column_name",
        parameters,
    )
    # Rejected values may be anyone's ID number or name: the look is audited first.
    audit_look(
        "查看拒收记录",
        object_type="导入批次",
        object_id=args.batch or "全部",
        detail={"rows": len(rows), "all": bool(args.all)},
    )
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("没有拒收的行")
    for row in rows:
        print(
            f"{row['batch_id']}  {row['file_name']} 第{row['row_number']}行  {row['action']}  "
            f"{row['reason']}  值：{row['value']}"
        )
    return 0


def run_sql(args: argparse.Namespace) -> int:
    columns, rows = run_query(args.query)
    # record() masks any ID number in the query text.
    audit_look(
        "数据仓库查询",
        object_type="数据仓库",
        object_id="SQL",
        detail={"query": args.query, "rows": len(rows)},
    )
    if args.json:
        print_json([dict(zip(columns, (json_value(v) for v in row), strict=True)) for row in rows])
        return 0
    print("\t".join(columns))
    for row in rows:
        print("\t".join("" if v is None else str(json_value(v)) for v in row))
    return 0


def audit_look(action: str, *, object_type: str, object_id: str, detail: dict[str, Any]) -> None:
    """Write the audit row of a look at warehouse data from the command line, naming the
    operating-system account that ran it, before anything is printed."""
    from zhijian.cli.leads import open_database

    open_database()
    from zhijian.web.audit.chain import record

    via = f"命令行（系统账号 {system_account()}）"
    record(
        None, action, object_type=object_type, object_id=object_id, detail={**detail, "via": via}
    )


def system_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知"


__all__ = ["add_import_commands", "add_init_command"]
