"""Delivery to prison, sentence changes and release of the background offenders.

Everything here is lawful by construction, with a margin from every boundary a model
tests (docs/synth.md lists them):

- 刑事诉讼法第二百六十四条第二款: a fixed-term prisoner with less than three months left
  when the execution notice arrives stays in the 看守所 (留所服刑; here: at least seven
  days less); everyone else is delivered to a prison within 25 days of the notice
  (刑诉规则第六百二十五条 allows 30).
- Reductions follow the tier of 法释〔2016〕23号第六、七条 (and 法释〔2019〕6号 for
  贪污、受贿): start time, interval (never below the months the last reduction took off)
  and amount, each with a margin, and never more than half the term (刑法第七十八条).
  A prisoner whom parole is open to is reduced only before half the term is served:
  after that, 第二十六条第二款 and 检例第195号 would have him proposed for parole.
- Parole (刑法第八十一条): never for recidivists or the violent crimes with ten years or
  more (nor, to keep away from that line, with more than nine years); after half the
  term with detention credited, and 18 months after the last reduction (第二十八条).
- Life sentences are reduced after 37 months to 22 years (第八条, 第九条); death-suspended
  sentences become life when the two years end, and 25 years three years later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from zhijian.synth.crimes import CORRUPTION_CRIMES, CRIME_INDEX, STRICT_CRIMES, VIOLENT_CRIMES
from zhijian.synth.dates import Days, Ints, add_months, day, term_end
from zhijian.synth.facilities import (
    HIGH_COURT,
    detention_centres,
    general_prisons,
    intermediate_court,
    prisons,
    women_prison,
)
from zhijian.synth.people import Population
from zhijian.synth.sentences import NAT, P_DEATH, P_FIXED, P_LIFE, Offenders, anchor_forward
from zhijian.synth.tables import Tables, optional

PRISON_ADMINISTRATION = "山东省监狱管理局"


def _indices(names: frozenset[str]) -> list[int]:
    return [CRIME_INDEX[name] for name in names]


@dataclass
class Custody:
    """Where each offender is held and what became of the sentence."""

    notice: Days  # 执行通知书 received by the 看守所
    retained: NDArray[np.bool_]  # 留所服刑
    prison: Ints  # index into prisons(); -1 when not delivered
    delivery: Days
    current_end: Days  # after every change; NaT for an unconverted life or death sentence
    release: Days  # NaT while held
    reason: NDArray[np.str_]  # release reason
    parole_change: NDArray[np.str_]  # change_id of the parole, "" if none
    leave_change: NDArray[np.str_]  # change_id of 暂予监外执行, "" if none
    parole_months: Ints


class _Changes:
    """sentence_changes rows, one part per kind of change, in the order they were made."""

    def __init__(self) -> None:
        self.parts: list[tuple[Ints, NDArray[np.str_], dict[str, object]]] = []
        self.count = 0

    def add(self, rows: Ints, **values: object) -> NDArray[np.str_]:
        ids = np.array([f"BG{self.count + i + 1:08d}" for i in range(len(rows))], dtype=str)
        self.count += len(rows)
        self.parts.append((rows, ids, values))
        return ids


def place(rng: np.random.Generator, offenders: Offenders, population: Population) -> Custody:
    """Notice, retention or delivery, and the prison."""
    n = len(offenders)
    custodial = offenders.detained
    fixed = custodial & (offenders.penalty <= P_FIXED)
    notice = np.where(custodial, offenders.effective + rng.integers(2, 10, n), NAT)
    limit = add_months(np.where(custodial, notice, day(date(2000, 1, 1))), 3) - 7
    retained = fixed & (offenders.term_end < limit)
    to_prison = custodial & ~retained
    delivery = np.where(to_prison, anchor_forward(notice + rng.integers(3, 26, n)), NAT)
    general = general_prisons()
    all_prisons = prisons()
    city = np.array([p.county.city_code for p in general])
    person_city = np.array([population_city(population, i) for i in offenders.person.tolist()])
    choice = rng.integers(0, len(general), n)
    local = np.array([np.flatnonzero(city == c) for c in person_city], dtype=object)
    picked = np.array(
        [loc[k % len(loc)] if len(loc) else k for loc, k in zip(local, choice, strict=True)]
    )
    prison_index = np.array([all_prisons.index(general[p]) for p in picked])
    women = all_prisons.index(women_prison())
    prison_index = np.where(population.male[offenders.person], prison_index, women)
    return Custody(
        notice=notice,
        retained=retained,
        prison=np.where(to_prison, prison_index, -1),
        delivery=delivery,
        current_end=np.where(custodial, offenders.term_end, NAT),
        release=np.full(n, NAT),
        reason=np.full(n, "", dtype=object).astype("U8"),
        parole_change=np.full(n, "", dtype="U12"),
        leave_change=np.full(n, "", dtype="U12"),
        parole_months=np.zeros(n, np.int64),
    )


def population_city(population: Population, person: int) -> str:
    from zhijian.synth.people import counties

    return counties()[int(population.county[person])].city_code


def half_term_date(offenders: Offenders, custody: Custody) -> Days:
    """刑法第八十一条, 法释〔2016〕23号第二十三条第一款: half the original fixed term
    served, counted from delivery with each day of detention credited (odd months: the
    whole months of the half plus fifteen days, as the kernel counts)."""
    term = offenders.term
    credit = (custody.delivery - offenders.detention).astype(np.int64)
    half = add_months(custody.delivery, term // 2) + 15 * (term % 2) - 1 - credit
    return half


def change_sentences(
    rng: np.random.Generator, offenders: Offenders, custody: Custody, as_of: date
) -> _Changes:
    changes = _Changes()
    delivered = custody.prison >= 0
    fixed = delivered & (offenders.penalty == P_FIXED)
    last_served = _reductions(rng, offenders, custody, fixed, as_of, changes)
    _life(rng, offenders, custody, delivered, as_of, changes)
    _parole_and_leave(rng, offenders, custody, fixed, last_served, as_of, changes)
    held_to_end = delivered & np.isnat(custody.release) & ~np.isnat(custody.current_end)
    done = held_to_end & (custody.current_end <= day(as_of))
    custody.release = np.where(done, custody.current_end, custody.release)
    custody.reason = np.where(done, "刑满释放", custody.reason)
    retained_done = custody.retained & (offenders.term_end <= day(as_of))
    custody.release = np.where(retained_done, offenders.term_end, custody.release)
    custody.reason = np.where(retained_done, "刑满释放", custody.reason)
    return changes


def _tiers(offenders: Offenders) -> tuple[Ints, Ints, Ints, Ints, NDArray[np.bool_]]:
    """Start months, interval months, caps (悔改表现; 悔改表现并立功) and whether parole is
    barred, by 法释〔2016〕23号第六、七条 and 法释〔2019〕6号第二条."""
    term = offenders.term
    long = term >= 120
    corrupt = np.isin(offenders.crime, _indices(CORRUPTION_CRIMES))
    violent = np.isin(offenders.crime, _indices(VIOLENT_CRIMES))
    strict = np.isin(offenders.crime, _indices(STRICT_CRIMES)) | offenders.recidivist
    general_start = np.where(term < 60, 12, np.where(long, 24, 18))
    start = np.where(
        corrupt, np.where(long, 36, 24), np.where(strict | (violent & long), 24, general_start)
    )
    interval = np.where(corrupt, np.where(long, 24, 18), np.where(long, 18, 12))
    cap = np.where(corrupt, 6, 9)
    cap_merit = np.where(corrupt, 9, 12)
    barred = offenders.recidivist | (violent & long)
    return start, interval, cap, cap_merit, barred


def _reductions(
    rng: np.random.Generator,
    offenders: Offenders,
    custody: Custody,
    fixed: NDArray[np.bool_],
    as_of: date,
    changes: _Changes,
) -> Days:
    """Up to five reductions each; returns the last served date (NaT if none)."""
    n = len(offenders)
    start, interval, cap, cap_merit, barred = _tiers(offenders)
    half = np.where(fixed, half_term_date(offenders, custody), NAT)
    active = fixed & (offenders.term >= 24) & (rng.random(n) < 0.7)
    total = np.zeros(n, np.int64)
    previous = np.zeros(n, np.int64)
    last_served = np.full(n, NAT)
    safe = np.where(fixed, custody.delivery, day(as_of))
    for step in range(5):
        base = np.where(
            step == 0,
            add_months(safe, start),
            add_months(
                np.where(np.isnat(last_served), safe, last_served), np.maximum(interval, previous)
            ),
        )
        proposal = base + rng.integers(15, 121, n)
        merit = rng.random(n) < 0.15
        high = np.where(merit, cap_merit, cap)
        months = rng.integers(3, 13, n) % (high - 2) + 3
        months = np.where(merit, np.maximum(months, 6), months)
        ok = active & (proposal <= day(as_of) - 60) & (2 * (total + months) <= offenders.term)
        ok &= barred | (proposal < half - 10)
        ok &= proposal < custody.current_end - 180
        rows = np.flatnonzero(ok)
        decision = proposal + rng.integers(20, 51, n)
        served = anchor_forward(decision + rng.integers(2, 11, n))
        total = np.where(ok, total + months, total)
        new_end = term_end(np.where(ok, offenders.term_start, safe), offenders.term - total)
        changes.add(
            rows,
            change_type="减刑",
            proposal_date=proposal[rows],
            decision_date=decision[rows],
            served_date=served[rows],
            decided_by="intermediate",
            reduction_months=months[rows],
            new_term_end=new_end[rows],
            basis=np.where(merit, "悔改表现并立功", "悔改表现")[rows],
            property_status=offenders.property_status[rows],
        )
        custody.current_end = np.where(ok, new_end, custody.current_end)
        last_served = np.where(ok, served, last_served)
        previous = np.where(ok, months, previous)
        active = ok
    return last_served


def _life(
    rng: np.random.Generator,
    offenders: Offenders,
    custody: Custody,
    delivered: NDArray[np.bool_],
    as_of: date,
    changes: _Changes,
) -> None:
    """无期 → 22 years after 37 months and more (第八、九条: two or three years);
    死缓 → 无期 when the two years end (刑法第五十条), → 25 years three years on (第十、十一条)."""
    n = len(offenders)
    limit = day(as_of) - 60
    death = delivered & (offenders.penalty == P_DEATH)
    suspension_end = add_months(np.where(death, offenders.effective, limit), 24)
    decision = suspension_end + rng.integers(10, 61, n)
    to_life = death & (decision <= limit)
    rows = np.flatnonzero(to_life)
    served = anchor_forward(decision + rng.integers(2, 11, n))
    changes.add(
        rows,
        change_type="死缓减为无期徒刑",
        proposal_date=(suspension_end - rng.integers(20, 61, n))[rows],
        decision_date=decision[rows],
        served_date=served[rows],
        decided_by=HIGH_COURT,
        basis="悔改表现",
        property_status=offenders.property_status[rows],
    )
    life = delivered & (offenders.penalty == P_LIFE)
    life_start = np.where(life, custody.delivery, suspension_end)
    proposal = add_months(np.where(life | to_life, life_start, limit), 36) + rng.integers(
        15, 201, n
    )
    converting = (life | to_life) & (proposal <= limit) & (rng.random(n) < 0.8)
    new_term = np.where(life, 264, 300)
    decision = proposal + rng.integers(20, 51, n)
    served = anchor_forward(decision + rng.integers(2, 11, n))
    new_end = term_end(decision, new_term)
    rows = np.flatnonzero(converting)
    changes.add(
        rows,
        change_type="无期减为有期徒刑",
        proposal_date=proposal[rows],
        decision_date=decision[rows],
        served_date=served[rows],
        decided_by=HIGH_COURT,
        new_term_months=new_term[rows],
        new_term_end=new_end[rows],
        basis="悔改表现",
        property_status=offenders.property_status[rows],
    )
    custody.current_end = np.where(converting, new_end, custody.current_end)


def _parole_and_leave(
    rng: np.random.Generator,
    offenders: Offenders,
    custody: Custody,
    fixed: NDArray[np.bool_],
    last_served: Days,
    as_of: date,
    changes: _Changes,
) -> None:
    n = len(offenders)
    _, _, _, _, barred = _tiers(offenders)
    violent = np.isin(offenders.crime, _indices(VIOLENT_CRIMES))
    corrupt = np.isin(offenders.crime, _indices(CORRUPTION_CRIMES))
    open_to_parole = fixed & ~barred & ~(violent & (offenders.term > 108)) & ~corrupt
    half = np.where(fixed, half_term_date(offenders, custody), NAT)
    after_reduction = np.where(
        np.isnat(last_served),
        half,
        add_months(np.where(np.isnat(last_served), half, last_served), 18),
    )
    due = np.maximum(half, after_reduction)
    proposal = due + rng.integers(20, 241, n)
    limit = day(as_of) - 60
    paroled = open_to_parole & (proposal <= limit) & (proposal < custody.current_end - 120)
    paroled &= rng.random(n) < 0.35
    decision = proposal + rng.integers(20, 46, n)
    served = anchor_forward(decision + rng.integers(1, 6, n))
    remaining = np.ceil((custody.current_end - served).astype(np.int64) / 30.44).astype(np.int64)
    rows = np.flatnonzero(paroled)
    ids = changes.add(
        rows,
        change_type="假释",
        proposal_date=proposal[rows],
        decision_date=decision[rows],
        served_date=served[rows],
        decided_by="intermediate",
        parole_months=remaining[rows],
        property_status=offenders.property_status[rows],
    )
    custody.parole_change[rows] = ids
    custody.parole_months = np.where(paroled, remaining, 0)
    custody.release = np.where(paroled, served, custody.release)
    custody.reason = np.where(paroled, "假释", custody.reason)
    # 暂予监外执行 for a serious illness (刑事诉讼法第二百六十五条), after the last reduction.
    after = np.where(np.isnat(last_served), custody.delivery, last_served) + 30
    earliest = np.maximum(after, custody.delivery + 180)
    latest = np.minimum(limit - 60, custody.current_end - 200)
    span = (latest - earliest).astype(np.int64)
    leave = fixed & ~paroled & ~barred & (span > 0) & (rng.random(n) < 0.02)
    leave_day = earliest + (rng.random(n) * np.maximum(span, 1)).astype(np.int64)
    leave_day = anchor_forward(leave_day)
    rows = np.flatnonzero(leave)
    ids = changes.add(
        rows,
        change_type="暂予监外执行",
        proposal_date=(leave_day - rng.integers(20, 41, n))[rows],
        decision_date=leave_day[rows],
        served_date=leave_day[rows],
        decided_by=PRISON_ADMINISTRATION,
        medical_reason="严重疾病",
        property_status=offenders.property_status[rows],
    )
    custody.leave_change[rows] = ids
    custody.release = np.where(leave, leave_day, custody.release)
    custody.reason = np.where(leave, "暂予监外执行", custody.reason)


def add_changes(
    tables: Tables,
    changes: _Changes,
    offenders: Offenders,
    custody: Custody,
    population: Population,
) -> None:
    all_prisons = prisons()
    for rows, ids, values in changes.parts:
        people = pa.array(offenders.person[rows])
        prison = [all_prisons[int(p)] for p in custody.prison[rows]]
        decided_by = values.pop("decided_by")
        if decided_by == "intermediate":
            decided = [intermediate_court(p.county) for p in prison]
        else:
            decided = [str(decided_by)] * len(rows)
        data = {
            "change_id": ids,
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "judgment_id": offenders.judgment_id.take(pa.array(rows)),
            "facility_code": [p.code for p in prison],
            "decided_by": decided,
            "source_system": ["人民法院、监狱"] * len(rows),
        }
        for name, value in values.items():
            data[name] = [value] * len(rows) if isinstance(value, str) else value
        tables.add("sentence_changes", data)


def add_custody_records(
    tables: Tables, offenders: Offenders, custody: Custody, population: Population, as_of: date
) -> None:
    """The 看守所 record of every detained offender, and the prison record of those
    delivered."""
    held = offenders.detained
    rows = np.flatnonzero(held)
    centres = detention_centres()
    county = population.county[offenders.person[rows]]
    retained = custody.retained[rows]
    release = np.where(retained, custody.release[rows], custody.delivery[rows])
    reason = np.where(retained, custody.reason[rows], "送交监狱")
    people = pa.array(offenders.person[rows])
    tables.add(
        "custody_records",
        {
            "record_id": [f"KS{i + 1:08d}" for i in range(len(rows))],
            "facility_code": [centres[int(c)].code for c in county],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "inmate_number": [f"{int(c):03d}{i:06d}" for i, c in enumerate(county)],
            "custody_type": np.where(retained, "留所服刑", "未决羁押"),
            "judgment_id": offenders.judgment_id.take(pa.array(rows)),
            "admission_date": offenders.detention[rows],
            "execution_notice_date": custody.notice[rows],
            "current_term_end": np.where(
                retained, offenders.term_end[rows], np.datetime64("NaT", "D")
            ),
            "release_date": release,
            "release_reason": optional(reason, ~np.isnat(release)),
            "status": np.where(np.isnat(release), "在押", "已出所"),
            "source_system": ["公安监管部门"] * len(rows),
        },
    )
    rows = np.flatnonzero(custody.prison >= 0)
    all_prisons = prisons()
    people = pa.array(offenders.person[rows])
    release = custody.release[rows]
    tables.add(
        "custody_records",
        {
            "record_id": [f"JY{i + 1:08d}" for i in range(len(rows))],
            "facility_code": [all_prisons[int(p)].code for p in custody.prison[rows]],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "inmate_number": [f"37{int(p):02d}{i:07d}" for i, p in enumerate(custody.prison[rows])],
            "custody_type": ["服刑"] * len(rows),
            "judgment_id": offenders.judgment_id.take(pa.array(rows)),
            "admission_date": custody.delivery[rows],
            "current_term_end": custody.current_end[rows],
            "release_date": release,
            "release_reason": optional(custody.reason[rows], ~np.isnat(release)),
            "status": np.where(np.isnat(release), "在押", "已出所"),
            "source_system": ["监狱"] * len(rows),
        },
    )
    _ = as_of
