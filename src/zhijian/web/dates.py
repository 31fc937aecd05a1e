"""The dates, months and page numbers a user may type.

A date field accepts any day from 0001-01-01 to 9999-12-31, and a day's arithmetic near
either end overflows (9999-12-31 plus one day, the month after 9999-12): every date the
pages take is held to a range a procuratorate's records can have, with a Chinese message
that says which, before any view or action computes with it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

# 1979 年 7 月 1 日第五届全国人大第二次会议通过《刑法》《刑事诉讼法》：更早的日期不会出现在
# 刑事执行检察的记录中。
EARLIEST = date(1979, 7, 1)
# Due dates and plans look ahead; none this far.
YEARS_AHEAD = 10
# Past this a page number is no page at all (a list shows 50 rows a page).
LAST_PAGE = 1_000_000


def latest() -> date:
    """The last day a form accepts: the end of the year ``YEARS_AHEAD`` years on."""
    return date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


def out_of_range_message() -> str:
    return f"日期应在 {EARLIEST:%Y-%m-%d} 至 {latest():%Y-%m-%d} 之间，请检查年份"


def check_in_range(value: date) -> None:
    """Raise the form error when ``value`` lies outside ``EARLIEST`` … ``latest()``."""
    if not EARLIEST <= value <= latest():
        raise forms.ValidationError(out_of_range_message(), code="date_out_of_range")


class BoundedDates:
    """A form mixin: every date field of the form, declared or from the model, accepts
    only days in range (``check_in_range``), so nothing later computes with 9999-12-31."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators.append(check_in_range)


def parse_month(text: str) -> date:
    """The first day of the month ``YYYY-MM``; the form error when it is not one or is
    out of range."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise forms.ValidationError("月份格式应为 YYYY-MM，如 2026-03") from None
    if not EARLIEST.replace(day=1) <= first <= latest():
        raise forms.ValidationError(
            f"月份应在 {EARLIEST:%Y-%m} 至 {latest():%Y-%m} 之间，请检查年份"
        )
    return first


def page_number(text: str | None) -> int:
    """A page number from a query string: 1 for anything that is not a whole number
    from 1 to ``LAST_PAGE`` (a list then shows its first page)."""
    value = (text or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(LAST_PAGE)):
        return 1
    return min(max(int(value), 1), LAST_PAGE)
