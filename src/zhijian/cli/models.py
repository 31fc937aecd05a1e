"""``zhijian models list | test | run``: the supervision library from the command line.

Each takes ``--library DIR`` to use the models of a folder of one's own (``<id>.yml``
with ``<id>.sql``, in DIR or one sub-folder down; SQL only) instead of the packaged
library.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from zhijian.cli import UsageError, print_json


def register(commands: argparse._SubParsersAction[Any]) -> None:
    models = commands.add_parser("models", help="大数据法律监督模型：列表、测试、运行")
    sub = models.add_subparsers(dest="models_command", metavar="子命令")
    sub.required = True

    listing = sub.add_parser("list", help="列出模型库中的模型")
    listing.add_argument("--json", action="store_true")
    _library_option(listing)
    listing.set_defaults(handler=run_list)

    test = sub.add_parser("test", help="运行模型自带的测试（yml 中的 tests）")
    test.add_argument("ids", nargs="*", metavar="ID", help="模型编号；省略则测试全部")
    _library_option(test)
    test.set_defaults(handler=run_test)

    run = sub.add_parser("run", help="在数据仓库上运行模型并生成线索")
    run.add_argument(
        "--model", action="append", dest="ids", metavar="ID", help="可重复；省略则运行全部"
    )
    run.add_argument("--as-of", help="查询日 YYYY-MM-DD（默认今天）")
    run.add_argument(
        "--param", action="append", default=[], metavar="ID.名称=值", help="覆盖模型参数，可重复"
    )
    run.add_argument("--json", action="store_true")
    _library_option(run)
    run.set_defaults(handler=run_models_command)


def _library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library",
        type=Path,
        metavar="DIR",
        help="使用该文件夹中自己编写的模型（<编号>.yml 与 <编号>.sql，只能是 SQL 模型），"
        "而不是内置模型库",
    )


def _library(ids: list[str] | None, folder: Path | None = None) -> list[Any]:
    from zhijian.supervision.errors import ModelError
    from zhijian.supervision.spec import load_library

    try:
        specs = load_library() if folder is None else load_library(folder, user=True)
    except ModelError as error:
        raise UsageError(str(error)) from None
    if not ids:
        return specs
    known = {spec.id: spec for spec in specs}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"未知模型：{'、'.join(unknown)}。可用模型：{'、'.join(known)}")
    return [known[i] for i in ids]


def run_list(args: argparse.Namespace) -> int:
    specs = _library(None, args.library)
    if args.json:
        print_json(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "category": s.category,
                    "severity": s.severity,
                    "engine": s.engine,
                    "version": s.version,
                    "inputs": list(s.inputs),
                    "legal_basis": [str(b) for b in s.legal_basis],
                    "params": {p.name: p.default for p in s.params},
                }
                for s in specs
            ]
        )
        return 0
    for category in dict.fromkeys(s.category for s in specs):
        print(category)
        for spec in (s for s in specs if s.category == category):
            print(f"  {spec.id:32} {spec.name}（{spec.severity}）")
    return 0


def run_test(args: argparse.Namespace) -> int:
    from zhijian.supervision.testing import run_tests

    failed = 0
    total = 0
    for spec in _library(args.ids, args.library):
        for outcome in run_tests(spec):
            total += 1
            mark = "通过" if outcome.passed else "失败"
            failed += not outcome.passed
            print(f"{mark}  {spec.id}：{outcome.name}  {outcome.detail}")
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


def _overrides(values: list[str]) -> dict[str, dict[str, str]]:
    overrides: dict[str, dict[str, str]] = {}
    for value in values:
        target, _, setting = value.partition("=")
        model, _, name = target.partition(".")
        if not (model and name and setting):
            raise UsageError(f"--param 应写作 模型编号.参数名=值：{value}")
        overrides.setdefault(model, {})[name] = setting
    return overrides


def _as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of 不是有效日期（应为YYYY-MM-DD）：{text}") from None


def run_models_command(args: argparse.Namespace) -> int:
    from zhijian.supervision.engine import run_models
    from zhijian.supervision.errors import ModelError
    from zhijian.supervision.sandbox import max_rows_from_environment
    from zhijian.web import ensure_database, setup_django

    specs = _library(args.ids, args.library)
    overrides = _overrides(args.param)
    unknown = set(overrides) - {s.id for s in specs}
    if unknown:
        raise UsageError(f"--param 指向未运行的模型：{'、'.join(sorted(unknown))}")
    try:
        for spec in specs:
            for name, value in overrides.get(spec.id, {}).items():
                spec.coerce_param(name, value)
        max_rows = max_rows_from_environment()
    except ModelError as error:
        raise UsageError(str(error)) from None
    results = run_models(specs, _as_of(args.as_of), overrides, max_rows=max_rows)
    setup_django()
    ensure_database()
    from zhijian.web.leads.actions import sync_run

    rows = []
    for result in results:
        run = sync_run(result)
        rows.append(
            {
                "model_id": result.model_id,
                "hits": len(result.hits),
                "new_leads": run.new_count,
                "dropped": run.dropped_count,
                "seconds": round(result.seconds, 3),
                "error": result.error,
            }
        )
    from zhijian.web.people.keyindex import catch_up_with_leads

    catch_up_with_leads()  # here, so that no person page waits for it
    _print_runs(rows, args.json)
    return 0


def _print_runs(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    print(f"{'模型':32} {'命中':>6} {'新线索':>6} {'不再命中':>8} {'秒':>8}")
    for row in rows:
        print(
            f"{row['model_id']:32} {row['hits']:>6} {row['new_leads']:>6} "
            f"{row['dropped']:>8} {row['seconds']:>8.2f}"
            + (f"  错误：{row['error']}" if row["error"] else "")
        )
