"""``zhijian law …``: the legal kernel from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zhijian.cli import UsageError, print_json
from zhijian.law.crimes import crime_groups, resolve_crime
from zhijian.law.idnumber import check_id_number
from zhijian.law.rules import Options, check
from zhijian.law.sentence import parse_sentence
from zhijian.law.terms import MonthEnd, ReductionMethod, parse_date, term_end

MONTH_END_HELP = "月末起算口径：rollover（默认，无对应日的至该月末日止）或 clamp"
METHOD_HELP = "减刑计算方法：restart（默认，起日重算）或 from_end（止日逆减）"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    law = commands.add_parser("law", help="法律计算内核：身份证号、判决主文、刑期、减刑假释规则")
    sub = law.add_subparsers(dest="law_command", metavar="子命令")
    sub.required = True

    id_check = sub.add_parser("id-check", help="校验公民身份号码")
    id_check.add_argument("number", help="身份证号（18位或15位）")
    id_check.set_defaults(handler=run_id_check)

    parse = sub.add_parser("parse-sentence", help="解析判决主文")
    parse.add_argument("text", help="判决主文，如“判处有期徒刑三年六个月，并处罚金人民币五千元”")
    parse.set_defaults(handler=run_parse_sentence)

    end = sub.add_parser("term-end", help="计算刑期止日")
    end.add_argument("--start", required=True, help="刑期起日 YYYY-MM-DD")
    end.add_argument("--months", required=True, type=int, help="刑期月数")
    end.add_argument("--days", type=int, default=0, help="另加日数")
    end.add_argument("--credit-days", type=int, default=0, help="先行羁押折抵日数")
    end.add_argument(
        "--month-end", choices=[m.value for m in MonthEnd], default="rollover", help=MONTH_END_HELP
    )
    end.set_defaults(handler=run_term_end)

    rule_check = sub.add_parser("check", help="按减刑、假释规则审查一次提请")
    rule_check.add_argument(
        "--json",
        required=True,
        dest="json_file",
        metavar="FILE",
        help="描述罪犯与本次提请的 JSON 文件（- 表示标准输入）",
    )
    rule_check.add_argument(
        "--month-end", choices=[m.value for m in MonthEnd], default="rollover", help=MONTH_END_HELP
    )
    rule_check.add_argument(
        "--reduction-method",
        choices=[m.value for m in ReductionMethod],
        default="restart",
        help=METHOD_HELP,
    )
    rule_check.set_defaults(handler=run_check)

    crime = sub.add_parser("crime", help="查询罪名（含旧罪名、选择性罪名的部分写法）")
    crime.add_argument("name", help="罪名")
    crime.set_defaults(handler=run_crime)


def run_id_check(args: argparse.Namespace) -> int:
    result = check_id_number(args.number)
    print_json(
        {
            "valid": result.valid,
            "normalized": result.normalized,
            "birth_date": result.birth_date.isoformat() if result.birth_date else None,
            "gender": result.gender,
            "region_code": result.region_code,
            "errors": list(result.errors),
        }
    )
    return 0


def run_parse_sentence(args: argparse.Namespace) -> int:
    print_json(parse_sentence(args.text).to_json())
    return 0


def run_term_end(args: argparse.Namespace) -> int:
    start = parse_date(args.start, "--start（刑期起日）")
    end = term_end(
        start,
        args.months,
        days=args.days,
        credit_days=args.credit_days,
        month_end=MonthEnd(args.month_end),
    )
    print_json({"term_end": end.isoformat()})
    return 0


def _read_json(name: str) -> Any:
    import sys

    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"文件不存在：{name}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"无法读取文件 {name}：{error.__class__.__name__}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"JSON 格式错误（第{error.lineno}行第{error.colno}列）：{error.msg}"
        ) from None


def run_check(args: argparse.Namespace) -> int:
    options = Options(MonthEnd(args.month_end), ReductionMethod(args.reduction_method))
    print_json(check(_read_json(args.json_file), options).to_json())
    return 0


def run_crime(args: argparse.Namespace) -> int:
    resolved = resolve_crime(args.name)
    crime = resolved.crime
    print_json(
        {
            "written": resolved.written,
            "name": crime.name,
            "how": resolved.how,
            "article": crime.article,
            "chapter": crime.chapter,
            "section": crime.section,
            "groups": sorted(crime_groups(crime.name)),
        }
    )
    return 0
