"""Term arithmetic: term ends, pre-trial credit, reductions, remaining term.

How the kernel counts (docs/law.md, "计算口径"):

- A term written 刑期自A起至B止 counts both A and B. A term of N months starting on A
  ends on the day before the *corresponding day* N months later (刑法第四十七条: 刑期从
  判决执行之日起计算).
- Month-end starts are disputed in practice. Where the corresponding day does not exist
  (a start on 31 January, one month on), the kernel offers two conventions:
  ``ROLLOVER`` (default): the period runs to the end of the shorter month — 1月31日起
  一个月，至2月28日（闰年29日）止; this follows 民法典第二百零三条 "没有对应日的，月末日为
  期间的最后一日". ``CLAMP``: the corresponding day is taken as the month's last day,
  and the term ends the day before it — 1月31日起一个月，至2月27日止.
- A period "of N months or more" has been completed by date D when D is on or after the
  last day of an N-month term starting on the same day (刑法第九十九条: 以上包括本数).
- Reductions are applied either by recomputing the whole term from its start
  (``RESTART``, 起日重算, default) or by taking months off the current end date one
  reduction at a time (``FROM_END``, 止日逆减). The two differ only around month ends.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from zhijian.law.errors import LawInputError


class MonthEnd(StrEnum):
    """What the corresponding day is when the target month is too short."""

    ROLLOVER = "rollover"  # 无对应日的，期间至该月末日止
    CLAMP = "clamp"  # 无对应日的，以该月末日为对应日，期间至其前一日止


class ReductionMethod(StrEnum):
    """How a sequence of reductions moves a term end."""

    RESTART = "restart"  # 起日重算：从刑期起日按剩余整月数重算
    FROM_END = "from_end"  # 止日逆减：从现刑期止日逐次倒减


DEFAULT_MONTH_END = MonthEnd.ROLLOVER
DEFAULT_REDUCTION_METHOD = ReductionMethod.RESTART

MONTH_END_LABELS = {
    MonthEnd.ROLLOVER: "无对应日的，期间至该月末日止（1月31日起一个月，至2月末日止）",
    MonthEnd.CLAMP: (
        "无对应日的，以该月末日为对应日，期间至其前一日止（1月31日起一个月，至2月27日止）"
    ),
}
REDUCTION_METHOD_LABELS = {
    ReductionMethod.RESTART: "起日重算：以刑期起日和减刑后的总月数重新计算刑期止日",
    ReductionMethod.FROM_END: "止日逆减：从现刑期止日起逐次倒减减刑月数",
}


def corresponding_day(start: date, months: int, month_end: MonthEnd = DEFAULT_MONTH_END) -> date:
    """The day ``months`` calendar months after (or before, if negative) ``start``.

    When the target month has no such day, ``ROLLOVER`` returns the first day of the
    following month and ``CLAMP`` the target month's last day.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise LawInputError("日期超出可计算范围")
    last_day = calendar.monthrange(year, month)[1]
    if start.day <= last_day:
        return date(year, month, start.day)
    if month_end is MonthEnd.CLAMP:
        return date(year, month, last_day)
    return date(year, month, last_day) + timedelta(days=1)


def term_end(
    start: date,
    months: int,
    *,
    days: int = 0,
    credit_days: int = 0,
    month_end: MonthEnd = DEFAULT_MONTH_END,
) -> date:
    """The last day of a term of ``months`` months and ``days`` days starting on ``start``.

    ``credit_days`` is pre-trial detention already credited (羁押一日折抵刑期一日; for
    管制 pass twice the detention days, 刑法第四十一条). Credit only ever moves the end
    earlier.
    """
    if months < 0 or days < 0 or credit_days < 0:
        raise LawInputError("刑期月数、日数和折抵日数不能为负数")
    return (
        corresponding_day(start, months, month_end)
        + timedelta(days=days)
        - timedelta(days=1)
        - timedelta(days=credit_days)
    )


def credit_days_for(detention_days: int, *, penalty: str) -> int:
    """Days of term credited for ``detention_days`` of pre-trial detention.

    管制：羁押一日折抵刑期二日（刑法第四十一条）; 拘役、有期徒刑：一日折抵一日
    （刑法第四十四条、第四十七条）. 无期徒刑 and 死刑缓期执行 take no credit.
    """
    if detention_days < 0:
        raise LawInputError("先行羁押日数不能为负数")
    if penalty == "管制":
        return detention_days * 2
    if penalty in ("拘役", "有期徒刑"):
        return detention_days
    if penalty in ("无期徒刑", "死刑缓期二年执行"):
        return 0
    raise LawInputError(f"无法为该刑种计算折抵：{penalty}")


def completed_on(
    start: date,
    months: int,
    *,
    days: int = 0,
    credit_days: int = 0,
    month_end: MonthEnd = DEFAULT_MONTH_END,
) -> date:
    """The date on which ``months`` months (and ``days`` days) counted from ``start`` are
    served in full; the same as the end of a term of that length (以上包括本数)."""
    return term_end(start, months, days=days, credit_days=credit_days, month_end=month_end)


def months_before_end(end: date, months: int, month_end: MonthEnd = DEFAULT_MONTH_END) -> date:
    """A term end moved ``months`` months earlier (止日逆减): the day after ``end`` moved back,
    then the day before that."""
    return corresponding_day(end + timedelta(days=1), -months, month_end) - timedelta(days=1)


def apply_reductions(
    start: date,
    months: int,
    reductions: Iterable[int],
    *,
    credit_days: int = 0,
    month_end: MonthEnd = DEFAULT_MONTH_END,
    method: ReductionMethod = DEFAULT_REDUCTION_METHOD,
) -> date:
    """The term end after each of ``reductions`` (in months) is taken off a term of
    ``months`` months starting on ``start``."""
    steps = list(reductions)
    if any(step < 0 for step in steps):
        raise LawInputError("减刑月数不能为负数")
    if sum(steps) > months:
        raise LawInputError("减去的刑期超过原刑期")
    if method is ReductionMethod.RESTART:
        return term_end(start, months - sum(steps), credit_days=credit_days, month_end=month_end)
    end = term_end(start, months, credit_days=credit_days, month_end=month_end)
    for step in steps:
        end = months_before_end(end, step, month_end)
    return end


@dataclass(frozen=True)
class Remaining:
    """What is left of a term on a date: whole months, then days, and the total in days."""

    months: int
    days: int
    total_days: int

    def __str__(self) -> str:
        years, months = divmod(self.months, 12)
        parts = []
        if years:
            parts.append(f"{years}年")
        if months:
            parts.append(f"{months}个月")
        if self.days or not parts:
            parts.append(f"{self.days}日")
        return "".join(parts)


def remaining_term(end: date, on: date, month_end: MonthEnd = DEFAULT_MONTH_END) -> Remaining:
    """The term still to serve after ``on`` (``on`` itself counted as served), for a term
    ending on ``end``. Zero on or after the end date."""
    if on >= end:
        return Remaining(0, 0, 0)
    first = on + timedelta(days=1)
    months = 0
    while term_end(first, months + 1, month_end=month_end) <= end:
        months += 1
    covered = term_end(first, months, month_end=month_end) if months else on
    return Remaining(months, (end - covered).days, (end - on).days)


def parse_date(text: str, field: str) -> date:
    """An ISO date (YYYY-MM-DD) or a LawInputError naming the field in Chinese."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise LawInputError(f"{field}不是有效日期（应为YYYY-MM-DD）：{text}") from None
