"""Pensions, 低保 and allowances paid month by month, and deaths.

Who is paid (人社、民政 rules, simplified): 城镇职工基本养老金 from the month after a man
turns 60 or a woman 50; 机关事业单位养老金 from 60 and 55; 城乡居民基本养老金 from 60;
最低生活保障金 for spells of six months to four years; 高龄津贴 from 80. Pensions are
adjusted (基数调整) every July.

What the background never does (docs/synth.md, ``benefits_while_imprisoned``): pay a
pension, 低保 or 特困 support for a calendar month that lies wholly inside a custodial
sentence (原劳动和社会保障部 2001: 服刑期间基本养老金暂停发放; 低保 does not count people
in prison), or adjust a pension in a month wholly inside community corrections (管制、
缓刑、假释、暂予监外执行: 可继续发给但不参与调整). A payment for the month in which
custody begins or ends is lawful. Nobody is paid after the month of death.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from zhijian.synth.dates import Days, Ints, day
from zhijian.synth.people import Population, counties
from zhijian.synth.tables import Tables, money

WINDOW_START = date(2019, 1, 1)
BLOCK = 100_000
# (benefit type, kind of person, monthly amount range in yuan)
PENSIONS = ("城镇职工基本养老金", "机关事业单位养老金", "城乡居民基本养老金")
NO_SPAN = (np.iinfo(np.int64).max // 2, -1)


def month_number(days: Days) -> Ints:
    """Months since 1970-01 (NaT → a very large number)."""
    months = days.astype("datetime64[M]").astype(np.int64)
    return np.where(np.isnat(days), NO_SPAN[0], months)


def full_months(first_day: Days, last_day: Days) -> tuple[Ints, Ints]:
    """The first and last calendar month lying wholly inside [first_day, last_day]
    (last_day NaT: still running, so every later month)."""
    start = first_day.astype("datetime64[M]")
    first = start.astype(np.int64) + (first_day != start.astype("datetime64[D]"))
    open_ended = np.isnat(last_day)
    safe_last = np.where(open_ended, first_day, last_day)
    # The month before the one the day after release falls in: a release on the last day
    # of a month completes that month, any other day does not.
    last = (safe_last + 1).astype("datetime64[M]").astype(np.int64) - 1
    last = np.where(open_ended, NO_SPAN[0], last)
    first = np.where(np.isnat(first_day), NO_SPAN[0], first)
    return first, np.where(np.isnat(first_day), NO_SPAN[1], last)


@dataclass(frozen=True)
class Blocks:
    """Per person: months wholly in custody, and wholly in community corrections."""

    custody_first: Ints
    custody_last: Ints
    corrections_first: Ints
    corrections_last: Ints
    death: Days  # NaT: alive

    @staticmethod
    def empty(n: int) -> Blocks:
        def nothing() -> tuple[Ints, Ints]:  # fresh arrays each: they are filled in place
            return np.full(n, NO_SPAN[0]), np.full(n, NO_SPAN[1])

        return Blocks(*nothing(), *nothing(), np.full(n, np.datetime64("NaT", "D")))


def add_payments(
    tables: Tables,
    rng: np.random.Generator,
    population: Population,
    blocks: Blocks,
    as_of: date,
    progress: object = None,
) -> None:
    """Monthly rows, written a block of people at a time."""
    n = len(population)
    for low in range(0, n, BLOCK):
        people = np.arange(low, min(n, low + BLOCK))
        _block(
            tables, np.random.default_rng(rng.integers(0, 2**63)), population, blocks, people, as_of
        )
        if callable(progress):
            progress(f"待遇发放：{min(n, low + BLOCK):,}/{n:,} 人")


def _streams(
    rng: np.random.Generator, population: Population, people: Ints, as_of: date
) -> list[tuple[str, Ints, Ints, Ints, NDArray[np.bool_]]]:
    """(type, person, first month, last month, is pension) for each benefit paid."""
    male = population.male[people]
    birth = population.birth[people]
    window = month_number(np.array([day(WINDOW_START)]))[0]
    until = month_number(np.array([day(as_of)]))[0]
    birth_month = month_number(birth)
    draw = rng.random(len(people))
    streams = []
    ages = {
        "城镇职工基本养老金": np.where(male, 60, 50),
        "机关事业单位养老金": np.where(male, 60, 55),
        "城乡居民基本养老金": np.full(len(people), 60),
    }
    bands = {
        "城镇职工基本养老金": (0, 0.55),
        "机关事业单位养老金": (0.55, 0.60),
        "城乡居民基本养老金": (0.60, 0.95),
    }
    for kind, (low, high) in bands.items():
        chosen = (draw >= low) & (draw < high)
        first = np.maximum(birth_month + ages[kind] * 12 + 1, window)
        keep = chosen & (first <= until)
        streams.append(
            (kind, people[keep], first[keep], np.full(keep.sum(), until), np.ones(keep.sum(), bool))
        )
    old = birth_month + 80 * 12 + 1
    keep = old <= until
    streams.append(
        (
            "高龄津贴",
            people[keep],
            np.maximum(old, window)[keep],
            np.full(keep.sum(), until),
            np.zeros(keep.sum(), bool),
        )
    )
    poor = rng.random(len(people)) < 0.03
    first = window + rng.integers(0, until - window + 1, len(people))
    last = np.minimum(first + rng.integers(6, 49, len(people)), until)
    streams.append(
        ("最低生活保障金", people[poor], first[poor], last[poor], np.zeros(poor.sum(), bool))
    )
    return streams


AMOUNTS = {
    "城镇职工基本养老金": (2200, 5200),
    "机关事业单位养老金": (4500, 8500),
    "城乡居民基本养老金": (160, 420),
    "高龄津贴": (100, 300),
    "最低生活保障金": (600, 950),
}


def _block(
    tables: Tables,
    rng: np.random.Generator,
    population: Population,
    blocks: Blocks,
    people: Ints,
    as_of: date,
) -> None:
    codes = pa.array([c.code for c in counties()])
    death_month = month_number(blocks.death)
    for kind, person, first, last, pension in _streams(rng, population, people, as_of):
        last = np.minimum(last, death_month[person])
        count = np.maximum(last - first + 1, 0)
        who = np.repeat(person, count)
        month = np.repeat(first, count) + (
            np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        )
        in_custody = (month >= blocks.custody_first[who]) & (month <= blocks.custody_last[who])
        low, high = AMOUNTS[kind]
        base = rng.integers(low, high + 1, len(person)) * 100
        base_of = np.repeat(base, count)
        july = month % 12 == 6
        raises = (month - 588) // 12 + (month % 12 >= 6)  # Julys since 2019-01 (month 588)
        amount = base_of + np.where(
            pension[0] if len(pension) else False, base_of * 3 * np.maximum(raises, 0) // 100, 0
        )
        paid = ~in_custody
        _write(tables, population, codes, kind, "发放", who[paid], month[paid], amount[paid])
        if len(pension) and pension[0]:
            in_corrections = (month >= blocks.corrections_first[who]) & (
                month <= blocks.corrections_last[who]
            )
            adjusted = july & ~in_custody & ~in_corrections & (month > 588)
            _write(
                tables,
                population,
                codes,
                kind,
                "基数调整",
                who[adjusted],
                month[adjusted],
                base_of[adjusted] * 3 // 100,
            )


def _write(
    tables: Tables,
    population: Population,
    codes: pa.Array,
    kind: str,
    payment: str,
    who: Ints,
    month: Ints,
    cents: Ints,
) -> None:
    if not len(who):
        return
    people = pa.array(who)
    text = np.datetime_as_string(month.astype("datetime64[M]"), unit="M")
    tables.add(
        "benefit_payments",
        {
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "benefit_type": pa.array([kind]).take(pa.array(np.zeros(len(who), np.int64))),
            "month": text,
            "kind": pa.array([payment]).take(pa.array(np.zeros(len(who), np.int64))),
            "amount_yuan": money(cents),
            "paying_region_code": codes.take(pa.array(population.county[who])),
            "source_system": pa.array(["人社、民政部门"]).take(
                pa.array(np.zeros(len(who), np.int64))
            ),
        },
    )


def draw_deaths(
    rng: np.random.Generator, population: Population, busy: NDArray[np.bool_], as_of: date
) -> Days:
    """Deaths between 2019 and the as-of date among people over 65 with no case."""
    age = (day(as_of) - population.birth).astype(np.int64) / 365.25
    chance = np.clip((age - 65) / 30, 0, 1) * 0.25
    dies = ~busy & (age >= 65) & (rng.random(len(population)) < chance)
    span = (day(as_of) - day(WINDOW_START)).astype(np.int64)
    when = day(WINDOW_START) + (rng.random(len(population)) * span).astype(np.int64)
    return np.where(dies, when, np.datetime64("NaT", "D"))


def add_deaths(
    tables: Tables, rng: np.random.Generator, population: Population, death: Days
) -> None:
    dead = np.flatnonzero(~np.isnat(death))
    sources = ("公安户籍注销", "民政火化", "卫健死亡医学证明")
    for index, source in enumerate(sources):
        rows = dead if index == 0 else dead[rng.random(len(dead)) < 0.5]
        people = pa.array(rows)
        tables.add(
            "deaths",
            {
                "id_number": population.id_number.take(people),
                "name": population.name.take(people),
                "death_date": death[rows],
                "source": [source] * len(rows),
                "place": ["住所"] * len(rows),
                "source_system": ["公安、民政、卫健部门"] * len(rows),
            },
        )
