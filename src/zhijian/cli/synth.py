"""``zhijian synth generate``: the synthetic province with planted anomalies."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from zhijian.cli import UsageError, print_json
from zhijian.synth.config import DEFAULT_AS_OF, FORMATS, SCALES, Config


def register(commands: argparse._SubParsersAction[Any]) -> None:
    synth = commands.add_parser("synth", help="合成数据：模拟山东全省的执行数据与植入的异常")
    sub = synth.add_subparsers(dest="synth_command", metavar="子命令")
    sub.required = True
    generate = sub.add_parser("generate", help="生成数据文件、ground_truth.csv 与 manifest.json")
    generate.add_argument("--scale", required=True, choices=list(SCALES), help="规模")
    generate.add_argument(
        "--seed", required=True, type=int, help="随机种子（同一种子生成相同文件）"
    )
    generate.add_argument(
        "--as-of",
        default=DEFAULT_AS_OF.isoformat(),
        help="数据截止日 YYYY-MM-DD（默认 2025-06-30）",
    )
    generate.add_argument("--out", required=True, type=Path, help="输出目录")
    generate.add_argument("--format", choices=FORMATS, default="csv", help="文件格式")
    generate.add_argument(
        "--dirty",
        action="store_true",
        help="按机关实际报送的样子改写部分文件（仅 csv）：GBK 编码、15位身份证号、校验码错误、"
        "不存在的日期、规定范围外的取值，逐条列入 manifest.json 的 dirty",
    )
    generate.add_argument("--anomalies", type=int, help="每个模型植入的异常数（默认随规模）")
    generate.add_argument("--near-misses", type=int, help="每个模型的临界样本数（默认随规模）")
    generate.add_argument("--quiet", action="store_true", help="不输出进度")
    generate.set_defaults(handler=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    from zhijian.synth.generator import generate

    try:
        as_of = date.fromisoformat(args.as_of)
    except ValueError:
        raise UsageError(f"--as-of 不是有效日期（应为YYYY-MM-DD）：{args.as_of}") from None
    if not date(2020, 1, 1) <= as_of <= date(2100, 12, 31):
        raise UsageError(f"--as-of 应在 2020-01-01 至 2100-12-31 之间：{args.as_of}")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"输出路径已存在且不是目录：{args.out}")
    if args.dirty and args.format != "csv":
        raise UsageError(
            "--dirty 只能与 --format csv 一起使用：GBK 编码和各种日期写法只存在于文本文件中"
        )
    for name in ("anomalies", "near_misses"):
        value = getattr(args, name)
        if value is not None and not 0 <= value <= 1000:
            raise UsageError(f"--{name.replace('_', '-')} 应在 0 至 1000 之间：{value}")
    config = Config(
        scale=SCALES[args.scale],
        seed=args.seed,
        out=args.out,
        as_of=as_of,
        format=args.format,
        dirty=args.dirty,
        planted=args.anomalies,
        near_misses=args.near_misses,
    )
    manifest = generate(config, quiet=args.quiet)
    summary = {"out": str(args.out), "rows": manifest["rows"], "planted": manifest["planted"]}
    if args.dirty:
        summary["dirty_rows"] = len(manifest["dirty"]["rows"])
    print_json(summary)
    return 0
