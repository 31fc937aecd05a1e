"""Vectorized date arithmetic on NumPy ``datetime64[D]`` arrays, counted as the legal
kernel counts (``zhijian.law.terms``): a term of N months from A ends the day before
the corresponding day N months later; where that day does not exist the period runs to
the end of the shorter month (ROLLOVER, 民法典第二百零三条).

The generator anchors every date that terms, deadlines and intervals are counted from
on a day of month no later than the 28th (``anchor``). Month arithmetic from such a day
is the same in the kernel, in DuckDB (``date + INTERVAL n MONTH``) and in any SQL a
model author writes, so a model's boundary is never a matter of month-end convention.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

Days = NDArray[Any]  # datetime64[D]; numpy's stubs type date arithmetic loosely
Ints = NDArray[np.int64]
DAY = np.timedelta64(1, "D")


def day(value: date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


def to_date(value: np.datetime64) -> date:
    return date.fromisoformat(str(value.astype("datetime64[D]")))


def anchor(days: Days) -> Days:
    """Days after the 28th moved back to the 28th."""
    months = days.astype("datetime64[M]")
    offset = np.minimum((days - months.astype("datetime64[D]")).astype(np.int64), 27)
    result: Days = months.astype("datetime64[D]") + offset
    return result


def add_months(days: Days, months: Ints | int) -> Days:
    """The corresponding day ``months`` later (ROLLOVER where it does not exist)."""
    first = days.astype("datetime64[M]")
    offset = (days - first.astype("datetime64[D]")).astype(np.int64)
    target = first + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    rolled = np.where(offset < length, offset, length)
    result: Days = target.astype("datetime64[D]") + rolled
    return result


def term_end(start: Days, months: Ints | int) -> Days:
    """The last day of a term of ``months`` months beginning on ``start``."""
    return add_months(start, months) - DAY


def month_text(days: Days) -> NDArray[np.str_]:
    """``YYYY-MM`` of each day."""
    return np.datetime_as_string(days.astype("datetime64[M]"), unit="M")


def uniform_days(rng: np.random.Generator, low: Days, high: Days) -> Days:
    """A day drawn uniformly from [low, high] for each pair."""
    span = np.maximum((high - low).astype(np.int64), 0)
    picked: Days = low + (rng.random(len(span)) * (span + 1)).astype(np.int64)
    return picked
