"""Term arithmetic, from 刑法第四十一、四十四、四十七、九十九条 and the conventions in
docs/law.md."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhijian.law.errors import LawInputError
from zhijian.law.terms import (
    MonthEnd,
    ReductionMethod,
    apply_reductions,
    completed_on,
    corresponding_day,
    credit_days_for,
    months_before_end,
    remaining_term,
    term_end,
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
month_counts = st.integers(min_value=0, max_value=300)
conventions = st.sampled_from(list(MonthEnd))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # 刑期自A起至B止: B is the day before the same calendar day N months later.
        (date(2021, 3, 5), 30, date(2023, 9, 4)),
        (date(2020, 1, 1), 12, date(2020, 12, 31)),
        (date(2019, 6, 15), 42, date(2022, 12, 14)),
        (date(2015, 3, 1), 120, date(2025, 2, 28)),
        (date(2016, 3, 1), 12, date(2017, 2, 28)),
        (date(2015, 3, 1), 12, date(2016, 2, 29)),  # the leap day is inside the year
    ],
)
def test_term_end_is_the_day_before_the_corresponding_day(
    start: date, months: int, expected: date
) -> None:
    assert term_end(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "rollover", "clamp"),
    [
        (date(2021, 1, 31), 1, date(2021, 2, 28), date(2021, 2, 27)),
        (date(2020, 1, 31), 1, date(2020, 2, 29), date(2020, 2, 28)),
        (date(2021, 1, 30), 1, date(2021, 2, 28), date(2021, 2, 27)),
        (date(2021, 3, 31), 1, date(2021, 4, 30), date(2021, 4, 29)),
        (date(2020, 2, 29), 12, date(2021, 2, 28), date(2021, 2, 27)),
        (date(2021, 8, 31), 6, date(2022, 2, 28), date(2022, 2, 27)),
    ],
)
def test_month_end_conventions_differ_only_where_no_corresponding_day_exists(
    start: date, months: int, rollover: date, clamp: date
) -> None:
    assert term_end(start, months, month_end=MonthEnd.ROLLOVER) == rollover
    assert term_end(start, months, month_end=MonthEnd.CLAMP) == clamp


def test_pretrial_credit_one_day_for_one_day() -> None:
    # 刑法第四十七条：羁押一日折抵刑期一日
    assert term_end(date(2021, 3, 5), 30, credit_days=10) == date(2023, 8, 25)
    assert credit_days_for(10, penalty="有期徒刑") == 10
    assert credit_days_for(10, penalty="拘役") == 10


def test_control_credits_two_days_for_one() -> None:
    # 刑法第四十一条：管制……羁押一日折抵刑期二日
    assert credit_days_for(10, penalty="管制") == 20


def test_life_and_death_suspended_take_no_credit() -> None:
    assert credit_days_for(100, penalty="无期徒刑") == 0
    assert credit_days_for(100, penalty="死刑缓期二年执行") == 0


def test_negative_inputs_are_rejected_in_chinese() -> None:
    with pytest.raises(LawInputError, match="不能为负数"):
        term_end(date(2020, 1, 1), -1)
    with pytest.raises(LawInputError, match="不能为负数"):
        credit_days_for(-1, penalty="有期徒刑")
    with pytest.raises(LawInputError, match="超过原刑期"):
        apply_reductions(date(2020, 1, 1), 12, [13])


def test_completed_on_counts_the_boundary_day() -> None:
    # 刑法第九十九条：以上包括本数。Executed "one year or more" on the last day of a
    # one-year term begun on the same day.
    assert completed_on(date(2020, 3, 1), 12) == date(2021, 2, 28)


def test_disputed_month_end_reduction_reproduces_both_views() -> None:
    # domain.md M15: 刑期2014-03-31至2027-03-30，三次各减8个月。
    start = date(2014, 3, 31)
    assert term_end(start, 156) == date(2027, 3, 30)
    restart = apply_reductions(start, 156, [8, 8, 8], method=ReductionMethod.RESTART)
    from_end = apply_reductions(start, 156, [8, 8, 8], method=ReductionMethod.FROM_END)
    assert restart == date(2025, 3, 30)  # 起日重算
    assert from_end == date(2025, 3, 31)  # 止日逆减


def test_months_before_end_is_the_inverse_of_term_end_mid_month() -> None:
    assert months_before_end(date(2023, 9, 4), 6) == date(2023, 3, 4)


def test_remaining_term() -> None:
    left = remaining_term(date(2023, 9, 4), date(2021, 3, 4))
    assert (left.months, left.days) == (30, 0)
    assert str(left) == "2年6个月"
    left = remaining_term(date(2023, 9, 4), date(2023, 8, 30))
    assert (left.months, left.days, left.total_days) == (0, 5, 5)
    assert remaining_term(date(2023, 9, 4), date(2023, 9, 4)).total_days == 0
    assert str(remaining_term(date(2023, 9, 4), date(2024, 1, 1))) == "0日"


@given(start=dates, months=month_counts, credit=st.integers(0, 2000), convention=conventions)
def test_credit_never_moves_an_end_later(
    start: date, months: int, credit: int, convention: MonthEnd
) -> None:
    with_credit = term_end(start, months, credit_days=credit, month_end=convention)
    assert with_credit <= term_end(start, months, month_end=convention)
    assert (term_end(start, months, month_end=convention) - with_credit).days == credit


@given(start=dates, months=month_counts)
def test_rollover_convention_for_every_start(start: date, months: int) -> None:
    """The documented rule, stated independently: the end is the day before the same day
    N months later; where that day does not exist, the end is the target month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if start.day <= last:
        expected = date(year, month + 1, start.day) - timedelta(days=1)
    else:
        expected = date(year, month + 1, last)
    assert term_end(start, months, month_end=MonthEnd.ROLLOVER) == expected


@given(start=dates, months=month_counts)
def test_clamp_convention_for_every_start(start: date, months: int) -> None:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    expected = date(year, month + 1, min(start.day, last)) - timedelta(days=1)
    assert term_end(start, months, month_end=MonthEnd.CLAMP) == expected


@given(start=dates, months=st.integers(1, 300), convention=conventions)
def test_terms_grow_with_their_length(start: date, months: int, convention: MonthEnd) -> None:
    shorter = term_end(start, months - 1, month_end=convention)
    longer = term_end(start, months, month_end=convention)
    assert 28 <= (longer - shorter).days <= 31 or months == 1


@given(
    start=dates,
    months=st.integers(24, 300),
    steps=st.lists(st.integers(1, 12), max_size=4),
    convention=conventions,
)
def test_both_reduction_methods_agree_within_a_few_days(
    start: date, months: int, steps: list[int], convention: MonthEnd
) -> None:
    if sum(steps) > months:
        return
    restart = apply_reductions(start, months, steps, month_end=convention)
    from_end = apply_reductions(
        start, months, steps, month_end=convention, method=ReductionMethod.FROM_END
    )
    assert abs((restart - from_end).days) <= 3
    assert restart <= term_end(start, months, month_end=convention)


@given(start=dates, months=st.integers(-300, 300))
def test_corresponding_day_keeps_the_day_when_it_exists(start: date, months: int) -> None:
    result = corresponding_day(start, months)
    if result.day == start.day:
        assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    else:
        assert result.day == 1  # rolled over past a short month
