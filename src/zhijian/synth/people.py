"""People: names with realistic surname frequencies, genders, birth dates, household
regions and valid 18-digit 公民身份号码 (GB 11643-1999).

No real person is described: every name and number is drawn at random. Background
people take sequence codes 000–799; staff and the people an anomaly is planted on take
800–999 (``PersonFactory``), so no two can share a number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from zhijian.law.idnumber import CHECK_CHARS, WEIGHTS, checksum_char
from zhijian.synth.dates import Days, day

# The ~100 commonest surnames with their approximate share of the population in percent
# (national figures of the 2020 census as reported in the press; they need only look
# plausible, the generator renormalizes them).
SURNAMES = (
    "王7.1 李7.0 张6.7 刘5.4 陈4.6 杨3.1 黄2.3 赵2.2 吴2.0 周1.9 徐1.5 孙1.5 马1.4 朱1.3 "
    "胡1.3 郭1.2 何1.2 林1.1 高1.1 罗0.9 郑0.9 梁0.8 谢0.8 宋0.8 唐0.7 许0.7 韩0.7 冯0.7 "
    "邓0.7 曹0.7 彭0.6 曾0.6 肖0.6 田0.6 董0.6 袁0.5 潘0.5 于0.5 蒋0.5 蔡0.5 余0.5 杜0.5 "
    "叶0.5 程0.5 苏0.5 魏0.5 吕0.5 丁0.4 任0.4 沈0.4 姚0.4 卢0.4 姜0.4 崔0.4 钟0.4 谭0.4 "
    "陆0.4 汪0.4 范0.4 金0.4 石0.4 廖0.3 贾0.3 夏0.3 韦0.3 付0.3 方0.3 白0.3 邹0.3 孟0.3 "
    "熊0.3 秦0.3 邱0.3 江0.3 尹0.3 薛0.3 闫0.3 段0.3 雷0.3 侯0.3 龙0.3 史0.3 陶0.2 黎0.2 "
    "贺0.2 顾0.2 毛0.2 郝0.2 龚0.2 邵0.2 万0.2 钱0.2 严0.2 武0.2 戴0.2 孔0.2 汤0.2 庞0.2"
)
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波建国峰亮东文浩宇俊凯龙海林志永晨阳健成兵庆"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲桂英红梅琳雪婷慧颖倩洁萍秀兰玉凤佳欣晶丹月莉云琴萌悦"
BACKGROUND_SEQUENCES = 400  # sequence codes 000–799, two per slot (odd men, even women)


@dataclass(frozen=True)
class County:
    code: str
    name: str  # e.g. 历下区
    city_code: str
    city: str  # e.g. 济南市

    @property
    def full_name(self) -> str:
        """City and county: county names repeat across cities (市中区)."""
        return f"{self.city}{self.name}"


@cache
def counties() -> tuple[County, ...]:
    """Shandong's 136 county-level divisions (data/shandong-divisions.csv)."""
    text = (files("zhijian.synth") / "data" / "shandong-divisions.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    cities = {r["code"]: r["name"] for r in rows if r["level"] == "city"}
    return tuple(
        County(r["code"], r["name"], r["parent_code"], cities[r["parent_code"]])
        for r in rows
        if r["level"] == "county"
    )


@cache
def cities() -> tuple[tuple[str, str], ...]:
    """(code, name) of the 16 cities, in code order."""
    return tuple(sorted({(c.city_code, c.city) for c in counties()}))


def _surnames() -> tuple[list[str], NDArray[np.float64]]:
    names = [item[0] for item in SURNAMES.split()]
    shares = np.array([float(item[1:]) for item in SURNAMES.split()])
    return names, shares / shares.sum()


@dataclass(frozen=True)
class Population:
    """People as parallel arrays, index = person number."""

    id_number: pa.StringArray
    name: pa.StringArray
    male: NDArray[np.bool_]
    birth: Days
    county: NDArray[np.int64]  # index into counties()

    def __len__(self) -> int:
        return len(self.male)


def draw_names(rng: np.random.Generator, male: NDArray[np.bool_]) -> pa.StringArray:
    surnames, shares = _surnames()
    n = len(male)
    surname = pa.array(surnames).take(pa.array(rng.choice(len(surnames), n, p=shares)))
    pools = [pa.array(list(FEMALE_CHARS)), pa.array(list(MALE_CHARS))]
    chars = []
    for _ in range(2):
        female_pick = pools[0].take(pa.array(rng.integers(0, len(FEMALE_CHARS), n)))
        male_pick = pools[1].take(pa.array(rng.integers(0, len(MALE_CHARS), n)))
        chars.append(pc.if_else(pa.array(male), male_pick, female_pick))
    # About four in ten given names have one character.
    second = pc.if_else(pa.array(rng.random(n) < 0.4), pa.scalar(""), chars[1])
    return pc.binary_join_element_wise(surname, chars[0], second, "")


def id_numbers(
    county_codes: NDArray[np.int64], birth: Days, sequence: NDArray[np.int64]
) -> pa.StringArray:
    """18-character numbers from region code, birth date and 3-digit sequence code."""
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    yyyymmdd = (
        (years.astype(np.int64) + 1970) * 10000
        + (months - years.astype("datetime64[M]")).astype(np.int64) * 100
        + 100
        + (birth - months.astype("datetime64[D]")).astype(np.int64)
        + 1
    )
    body = county_codes * 10**11 + yyyymmdd * 1000 + sequence
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1))) % 10
    check = (digits * np.array(WEIGHTS)).sum(axis=1) % 11
    check_chars = pa.array(list(CHECK_CHARS)).take(pa.array(check))
    return pc.binary_join_element_wise(pa.array(body).cast(pa.string()), check_chars, "")


def make_population(rng: np.random.Generator, n: int, as_of: date) -> Population:
    """``n`` people aged 18 to 95 on ``as_of``, older people over-represented: the
    platform's people are those who appear in some agency's records, pensioners many
    of them."""
    ages = np.arange(18, 96)
    weights = np.where(ages < 60, 1.0, np.where(ages < 80, 1.6, 0.8))
    age = rng.choice(ages, n, p=weights / weights.sum())
    birth = day(as_of) - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    male = rng.random(n) < 0.52
    county = rng.integers(0, len(counties()), n)
    codes = np.array([int(c.code) for c in counties()], dtype=np.int64)[county]
    sequence = _background_sequences(codes, birth, male)
    return Population(
        id_numbers(codes, birth, sequence), draw_names(rng, male), male, birth, county
    )


def _background_sequences(
    codes: NDArray[np.int64], birth: Days, male: NDArray[np.bool_]
) -> NDArray[np.int64]:
    """Distinct sequence codes within each (region, birth date, gender): the rank of a
    person in the group, spread over 0–449 by a bijection, odd for men, even for women."""
    births = birth.astype(np.int64)
    order = np.lexsort((male, births, codes))
    key = np.stack([codes[order], births[order], male[order].astype(np.int64)], axis=1)
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = np.any(key[1:] != key[:-1], axis=1)
    starts = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts
    if rank.max(initial=0) >= BACKGROUND_SEQUENCES:
        raise ValueError("too many people share a region and birth date")
    spread = (rank * 37 + (codes + births) % BACKGROUND_SEQUENCES) % BACKGROUND_SEQUENCES
    return spread * 2 + male.astype(np.int64)


@dataclass(frozen=True)
class Person:
    """One person an anomaly is planted on."""

    id_number: str
    name: str
    male: bool
    birth: date
    county: County


class PersonFactory:
    """Makes people one at a time, with sequence codes from ``first_sequence`` (800 or
    900) up, which no background person has; 50 per region, birth date and gender."""

    def __init__(self, rng: np.random.Generator, first_sequence: int = 900) -> None:
        self._rng = rng
        self._first = first_sequence
        self._names: dict[bool, list[str]] = {True: [], False: []}
        self._used: dict[tuple[str, date, bool], int] = {}

    def make(
        self, *, birth: date, male: bool | None = None, county: County | None = None
    ) -> Person:
        rng = self._rng
        male = bool(rng.random() < 0.8) if male is None else male
        all_counties = counties()
        county = county or all_counties[int(rng.integers(0, len(all_counties)))]
        slot = (county.code, birth, male)
        used = self._used.get(slot, 0)
        self._used[slot] = used + 1
        body = f"{county.code}{birth:%Y%m%d}{self._first + used * 2 + int(male):03d}"
        if not self._names[male]:  # drawn in batches: one Arrow call per name is slow
            self._names[male] = draw_names(rng, np.full(256, male)).to_pylist()
        name = self._names[male].pop()
        return Person(body + checksum_char(body), name, male, birth, county)
