"""Judgments and property judgments of the background population.

Each offender has one judgment of one crime (数罪并罚 is left to the planted cases, which
the kernel checks crime by crime). Sentences are drawn from the crime's bands
(``crimes.py``); probation follows 刑法第七十二至七十四条: only 拘役 or 有期徒刑 of three
years or less, never for recidivists, a test period of at least the term and at least
two months (拘役) or one year (有期徒刑), at most one year or five years. Detained
offenders run through the pre-trial stages of ``detention.py`` before judgment; the
term of a detained offender runs from the day of detention (羁押一日折抵刑期一日).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from zhijian.law.numerals import to_chinese_numeral
from zhijian.synth.crimes import CRIME_INDEX, CRIMES, PENALTIES
from zhijian.synth.dates import Days, Ints, anchor, day, term_end
from zhijian.synth.facilities import basic_court, intermediate_court
from zhijian.synth.people import Population, counties
from zhijian.synth.tables import Tables, money, optional

NAT = np.datetime64("NaT", "D")
P_SURVEILLANCE, P_DETENTION, P_FIXED, P_LIFE, P_DEATH = range(5)


@dataclass
class Offenders:
    """One row per background offender (and judgment); arrays filled in stages."""

    person: Ints
    crime: Ints
    penalty: Ints  # index into crimes.PENALTIES
    term: Ints  # months; 0 for 无期徒刑 and 死缓
    probation: Ints  # months; 0 = none
    recidivist: NDArray[np.bool_]
    detained: NDArray[np.bool_]
    detention: Days  # 先行羁押 (刑事拘留) date; NaT when on bail
    arrest: Days
    stage_ends: Days  # (n, 4): 侦查, 延长侦查羁押 (NaT if none), 审查起诉, 一审 = judgment
    judgment_date: Days
    effective: Days
    term_start: Days
    term_end: Days
    fine: Ints  # cents
    restitution: Ints
    civil: Ints
    confiscation: Ints  # 0 none, 2 全部 (没收个人全部财产)
    political: Ints  # months, -1 终身, 0 none
    unpaid: Ints = field(default_factory=lambda: np.zeros(0, np.int64))  # cents still owed
    property_status: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, "U8"))
    judgment_id: pa.StringArray = field(default_factory=lambda: pa.array([], pa.string()))

    def __len__(self) -> int:
        return len(self.person)


def draw_offenders(
    rng: np.random.Generator, population: Population, share: float, as_of: date
) -> Offenders:
    """About ``share`` of the population, aged 18 or more when detained or tried."""
    age = (day(as_of) - population.birth).astype(np.int64) / 365.25
    weight = np.where((age >= 22) & (age <= 75), np.exp(-(((age - 40) / 14) ** 2)), 0.0)
    count = max(1, round(share * len(population)))
    person = np.sort(rng.choice(len(population), count, replace=False, p=weight / weight.sum()))
    crime_weights = np.array([c.weight for c in CRIMES])
    crime = rng.choice(len(CRIMES), count, p=crime_weights / crime_weights.sum())
    penalty, term = _sentences(rng, crime)
    recidivist = (penalty >= P_FIXED) & (rng.random(count) < 0.08)
    probation = _probation(rng, crime, penalty, term, recidivist)
    offenders = _dates(rng, person, crime, penalty, term, probation, recidivist, population, as_of)
    offenders.judgment_id = pa.array([f"PJ{i + 1:08d}" for i in range(count)], pa.string())
    return offenders


def _sentences(rng: np.random.Generator, crime: Ints) -> tuple[Ints, Ints]:
    penalty = np.zeros(len(crime), np.int64)
    term = np.zeros(len(crime), np.int64)
    for index, rule in enumerate(CRIMES):
        rows = np.flatnonzero(crime == index)
        weights = np.array([band[3] for band in rule.bands])
        band = rng.choice(len(rule.bands), len(rows), p=weights / weights.sum())
        for b, (kind, low, high, _) in enumerate(rule.bands):
            chosen = rows[band == b]
            penalty[chosen] = PENALTIES.index(kind)
            months = rng.integers(low, high + 1, len(chosen))
            # Courts write long terms in whole or half years, short ones in months.
            term[chosen] = np.where(months > 24, np.clip(months // 6 * 6, low, high), months)
    return penalty, term


def _probation(
    rng: np.random.Generator,
    crime: Ints,
    penalty: Ints,
    term: Ints,
    recidivist: NDArray[np.bool_],
) -> Ints:
    """刑法第七十二、七十三、七十四条."""
    allowed = ((penalty == P_DETENTION) | ((penalty == P_FIXED) & (term <= 36))) & ~recidivist
    lenient = [CRIME_INDEX[n] for n in ("诈骗罪", "危险驾驶罪", "帮助信息网络犯罪活动罪")]
    chance = np.where(np.isin(crime, lenient), 0.5, 0.35)
    given = allowed & (rng.random(len(crime)) < chance)
    low = np.where(penalty == P_DETENTION, np.maximum(term, 2), np.maximum(term, 12))
    high = np.where(penalty == P_DETENTION, 12, 60)
    months = low + (rng.random(len(crime)) * (high - low + 1)).astype(np.int64)
    months = np.where(months > 12, np.minimum(months // 6 * 6 + 6 * (months % 6 > 0), high), months)
    return np.where(given, np.maximum(months, low), 0)


def _dates(
    rng: np.random.Generator,
    person: Ints,
    crime: Ints,
    penalty: Ints,
    term: Ints,
    probation: Ints,
    recidivist: NDArray[np.bool_],
    population: Population,
    as_of: date,
) -> Offenders:
    n = len(person)
    end = day(as_of)
    custodial = (penalty >= P_DETENTION) & (probation == 0)
    long_case = custodial & ((term > 12) | (penalty >= P_LIFE))
    years = np.where(penalty >= P_LIFE, 16, 12)
    earliest = end - (years * 365).astype("timedelta64[D]")
    detention = anchor(
        earliest + (rng.random(n) * ((end - earliest).astype(np.int64) - 260)).astype(np.int64)
    )
    arrest = detention + np.where(long_case, rng.integers(3, 31, n), rng.integers(3, 8, n))
    investigation = np.where(long_case, rng.integers(20, 56, n), rng.integers(8, 21, n))
    extended = long_case & (rng.random(n) < 0.1)
    investigation_end = np.where(extended, term_end(arrest, 2), arrest + investigation)
    extension_end = np.where(extended, investigation_end + rng.integers(10, 28, n), NAT)
    last = np.where(extended, extension_end, investigation_end)
    prosecution_end = last + np.where(long_case, rng.integers(10, 27, n), rng.integers(3, 10, n))
    judged = prosecution_end + np.where(long_case, rng.integers(15, 56, n), rng.integers(3, 10, n))
    # Offenders on bail: the judgment date is drawn directly.
    bail_judged = end - rng.integers(40, 10 * 365, n)
    judgment = np.where(custodial, judged, bail_judged)
    effective = anchor_forward(judgment + rng.integers(11, 21, n))
    detention = np.where(custodial, detention, NAT)
    # 拘役 of a detained offender is at least three months, so that it outlasts the trial.
    term = np.where(custodial & (penalty == P_DETENTION), np.maximum(term, 3), term)
    fixed = (penalty <= P_FIXED) & (probation == 0)
    start = np.where(custodial, detention, np.where(penalty == P_SURVEILLANCE, effective, NAT))
    start = np.where(fixed, start, NAT)
    finish = np.where(fixed, term_end(np.where(fixed, start, end), term), NAT)
    stage_ends = np.stack([investigation_end, extension_end, prosecution_end, judged], axis=1)
    money_rng = np.random.default_rng(rng.integers(0, 2**63))
    fine, restitution, civil, confiscation, political = _money(money_rng, crime, penalty, term)
    return Offenders(
        person=person,
        crime=crime,
        penalty=penalty,
        term=term,
        probation=probation,
        recidivist=recidivist,
        detained=custodial,
        detention=detention,
        arrest=np.where(custodial, arrest, NAT),
        stage_ends=np.where(custodial[:, None], stage_ends, NAT),
        judgment_date=judgment,
        effective=effective,
        term_start=start,
        term_end=finish,
        fine=fine,
        restitution=restitution,
        civil=civil,
        confiscation=confiscation,
        political=political,
    )


def anchor_forward(days: Days) -> Days:
    """Days after the 28th moved to the 1st of the next month (never earlier: a date
    that follows another must stay after it)."""
    late = anchor(days) != days
    result: Days = np.where(late, (days.astype("datetime64[M]") + 1).astype("datetime64[D]"), days)
    return result


def _money(
    rng: np.random.Generator, crime: Ints, penalty: Ints, term: Ints
) -> tuple[Ints, Ints, Ints, Ints, Ints]:
    n = len(crime)
    fined = np.array([c.fined for c in CRIMES])[crime] & (rng.random(n) < 0.75)
    scale = np.maximum(1, term // 3) * rng.integers(1, 6, n)
    fine = np.where(fined, np.minimum(scale, 500) * 100_000, 0)  # whole thousands of yuan
    drunk = crime == CRIME_INDEX["危险驾驶罪"]
    fine = np.where(fined & drunk, rng.integers(2, 21, n) * 100_000, fine)
    owes = np.array([c.restitution for c in CRIMES])[crime] & (rng.random(n) < 0.5)
    restitution = np.where(owes, rng.integers(30, 3000, n) * 10_000, 0)
    harmed = np.array([c.civil for c in CRIMES])[crime] & (rng.random(n) < 0.4)
    civil = np.where(harmed, rng.integers(200, 5000, n) * 10_000, 0)
    heavy = penalty >= P_LIFE
    drugs = crime == CRIME_INDEX["走私、贩卖、运输、制造毒品罪"]
    confiscation = np.where(heavy & drugs & (rng.random(n) < 0.5), 2, 0)
    violent = np.array([c.violent for c in CRIMES])[crime]
    political = np.where(heavy, -1, 0)
    political = np.where(violent & (term >= 120), rng.integers(2, 6, n) * 12, political)
    return fine, restitution, civil, confiscation, political


@cache
def duration_text(months: int) -> str:
    """36 → 三年, 42 → 三年六个月, 6 → 六个月 (as judgments write terms)."""
    years, rest = divmod(months, 12)
    parts = [f"{to_chinese_numeral(years)}年"] if years else []
    if rest:
        parts.append(f"{to_chinese_numeral(rest)}个月")
    return "".join(parts)


def sentence_text(
    penalty: int, term: int, probation: int, fine: int, confiscation: int, political: int
) -> str:
    """The operative wording, e.g. 判处有期徒刑三年六个月，并处罚金人民币5000元."""
    if penalty == P_DEATH:
        parts = ["判处死刑，缓期二年执行"]
    elif penalty == P_LIFE:
        parts = ["判处无期徒刑"]
    else:
        parts = [f"判处{PENALTIES[penalty]}{duration_text(term)}"]
        if probation:
            parts.append(f"缓刑{duration_text(probation)}")
    if political == -1:
        parts.append("剥夺政治权利终身")
    elif political:
        parts.append(f"剥夺政治权利{duration_text(political)}")
    if fine:
        parts.append(f"并处罚金人民币{fine // 100}元")
    if confiscation == 2:
        parts.append("并处没收个人全部财产")
    return "，".join(parts)


def add_judgments(tables: Tables, offenders: Offenders, population: Population) -> None:
    people = pa.array(offenders.person)
    all_counties = counties()
    county = population.county[offenders.person]
    high = offenders.penalty >= P_LIFE
    courts = [
        intermediate_court(all_counties[c]) if h else basic_court(all_counties[c])
        for c, h in zip(county.tolist(), high.tolist(), strict=True)
    ]
    numbers = [
        _case_number(all_counties[c].code, bool(h), judged.astype(object).year, index)
        for index, (c, h, judged) in enumerate(
            zip(county.tolist(), high.tolist(), offenders.judgment_date, strict=True)
        )
    ]
    texts = [
        sentence_text(*row)
        for row in zip(
            offenders.penalty.tolist(),
            offenders.term.tolist(),
            offenders.probation.tolist(),
            offenders.fine.tolist(),
            offenders.confiscation.tolist(),
            offenders.political.tolist(),
            strict=True,
        )
    ]
    fixed = offenders.penalty <= P_FIXED
    tables.add(
        "judgments",
        {
            "judgment_id": offenders.judgment_id,
            "case_number": numbers,
            "court_name": courts,
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "gender": np.where(population.male[offenders.person], "男", "女"),
            "birth_date": population.birth[offenders.person],
            "crimes": pa.array([CRIMES[c].name for c in offenders.crime.tolist()]),
            "principal_penalty": pa.array(PENALTIES).take(pa.array(offenders.penalty)),
            "term_months": optional(offenders.term, fixed),
            "probation_months": optional(offenders.probation, offenders.probation > 0),
            "recidivist": offenders.recidivist,
            "limited_reduction": np.zeros(len(offenders), bool),
            "life_without_parole": np.zeros(len(offenders), bool),
            "fine_yuan": money(offenders.fine, offenders.fine > 0),
            "confiscation": optional(
                np.array(["", "部分", "全部"])[offenders.confiscation], offenders.confiscation > 0
            ),
            "restitution_yuan": money(offenders.restitution, offenders.restitution > 0),
            "civil_compensation_yuan": money(offenders.civil, offenders.civil > 0),
            "political_rights_months": optional(offenders.political, offenders.political != 0),
            "pretrial_detention_date": offenders.detention,
            "judgment_date": offenders.judgment_date,
            "effective_date": offenders.effective,
            "term_start": offenders.term_start,
            "term_end": offenders.term_end,
            "sentence_text": texts,
            "source_system": ["人民法院"] * len(offenders),
        },
    )


def _case_number(county_code: str, intermediate: bool, year: int, index: int) -> str:
    court = county_code[2:4] if intermediate else county_code[2:]
    return f"（{year}）鲁{court}刑初{index % 9000 + 1}号"


PROPERTY_STATUSES = ("执行完毕", "部分执行", "未执行", "终结本次执行", "免除")


def add_property_judgments(
    tables: Tables,
    rng: np.random.Generator,
    offenders: Offenders,
    population: Population,
    as_of: date,
) -> None:
    """One item per amount in the judgment; ``offenders.unpaid`` gets what is still owed
    on items 部分执行 or 未执行 (the money a prisoner with means would have to pay)."""
    kinds = [
        ("罚金", offenders.fine, offenders.fine > 0),
        ("追缴", offenders.restitution, (offenders.restitution > 0) & (offenders.crime % 2 == 0)),
        (
            "责令退赔",
            offenders.restitution,
            (offenders.restitution > 0) & (offenders.crime % 2 == 1),
        ),
        ("附带民事赔偿", offenders.civil, offenders.civil > 0),
        ("没收财产", np.zeros(len(offenders), np.int64), offenders.confiscation == 2),
    ]
    unpaid = np.zeros(len(offenders), np.int64)
    paid_any = np.zeros(len(offenders), bool)
    items = np.zeros(len(offenders), bool)
    terminated = np.zeros(len(offenders), bool)
    item_count = 0
    for kind, due, present in kinds:
        rows = np.flatnonzero(present)
        status = rng.choice(5, len(rows), p=[0.62, 0.14, 0.10, 0.12, 0.02])
        if kind == "没收财产":
            status = np.where(status == 0, 0, 3)  # no amount: done, or nothing found
        amount = due[rows]
        paid = np.select(
            [status == 0, status == 1], [amount, amount * rng.integers(10, 90, len(rows)) // 100], 0
        )
        owed = np.where(np.isin(status, [1, 2]), amount - paid, 0)
        np.add.at(unpaid, rows, owed)
        items[rows] = True
        paid_any[rows[paid > 0]] = True
        terminated[rows[status == 3]] = True
        effective = offenders.effective[rows]
        span = np.maximum((day(as_of) - effective).astype(np.int64), 1)
        updated = effective + (rng.random(len(rows)) * span).astype(np.int64)
        people = pa.array(offenders.person[rows])
        tables.add(
            "property_judgments",
            {
                "item_id": [f"CX{item_count + i + 1:08d}" for i in range(len(rows))],
                "judgment_id": offenders.judgment_id.take(pa.array(rows)),
                "id_number": population.id_number.take(people),
                "name": population.name.take(people),
                "item_type": [kind] * len(rows),
                "amount_due_yuan": money(amount, np.full(len(rows), kind != "没收财产")),
                "amount_paid_yuan": money(paid),
                "status": pa.array(PROPERTY_STATUSES).take(pa.array(status)),
                "updated_on": np.minimum(updated, day(as_of)),
                "source_system": ["人民法院执行局"] * len(rows),
            },
        )
        item_count += len(rows)
    offenders.unpaid = unpaid
    # What the change records say about the items (sentence_changes.property_status).
    offenders.property_status = np.select(
        [~items, unpaid > 0, terminated],
        ["无财产性判项", "", "确无履行能力"],
        "已履行",
    )
    offenders.property_status = np.where(
        unpaid > 0, np.where(paid_any, "部分履行", "未履行"), offenders.property_status
    )
