"""Community corrections (社区矫正) of probationers, 管制, parolees and prisoners on
medical leave (暂予监外执行): the cases, the supervision events, the medical reviews, and
the police records that cross-check them (travel, lodging, detention).

Background cases keep the law (docs/synth.md gives each boundary):
- registration within ten days of the decision taking effect (社区矫正法第二十一条); the
  few who come later (11 days or more) get a 警告 (实施办法: 超过十日 → 警告);
- every trip out of the county falls inside an approved 外出批准 (第二十七条);
- a detention during corrections is notified to the agency (第三十二条) and followed by a
  proposal to revoke (第四十六条), after which the case ends as 撤销缓刑;
- a prisoner on medical leave is re-examined every 80 to 88 days, under three months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from zhijian.synth.custody import Custody
from zhijian.synth.dates import Days, Ints, day, term_end
from zhijian.synth.facilities import police
from zhijian.synth.people import Population, counties
from zhijian.synth.sentences import NAT, P_SURVEILLANCE, Offenders
from zhijian.synth.tables import Tables, optional

TYPES = ("管制", "缓刑", "假释", "暂予监外执行")


@dataclass(frozen=True)
class Cases:
    """Community-corrections cases, parallel arrays (index = case number - 1)."""

    offender: Ints
    kind: Ints  # index into TYPES
    effective: Days
    registration: Days  # NaT: not yet reported
    start: Days
    end: Days
    status: NDArray[np.str_]
    status_date: Days
    late: NDArray[np.bool_]  # registered after ten days (warned)
    revoked_on: Days  # date of the detention that led to revocation

    @property
    def last_active(self) -> Days:
        """The last day the case was open (the status date, or the end, at most as-of)."""
        return np.where(np.isnat(self.status_date), self.end, self.status_date)


def make_cases(
    rng: np.random.Generator, offenders: Offenders, custody: Custody, as_of: date
) -> Cases:
    probation = np.flatnonzero(offenders.probation > 0)
    surveillance = np.flatnonzero(
        (offenders.penalty == P_SURVEILLANCE) & (offenders.probation == 0)
    )
    paroled = np.flatnonzero(custody.parole_change != "")
    leave = np.flatnonzero(custody.leave_change != "")
    offender = np.concatenate([surveillance, probation, paroled, leave])
    kind = np.repeat([0, 1, 2, 3], [len(surveillance), len(probation), len(paroled), len(leave)])
    n = len(offender)
    effective = np.where(kind <= 1, offenders.effective[offender], custody.release[offender])
    months = np.where(kind == 0, offenders.term[offender], offenders.probation[offender])
    end = np.where(kind <= 1, term_end(effective, months), custody.current_end[offender])
    limit = day(as_of)
    late = (rng.random(n) < 0.06) & (effective + 40 < limit)
    registration = effective + np.where(late, rng.integers(12, 26, n), rng.integers(1, 10, n))
    registration = np.where(registration > limit, NAT, registration)
    start = effective
    revoke = (kind == 1) & (rng.random(n) < 0.03)
    latest = np.minimum(end, limit) - 45
    span = (latest - (start + 30)).astype(np.int64)
    revoke &= span > 0
    revoked_on = np.where(
        revoke, start + 30 + (rng.random(n) * np.maximum(span, 1)).astype(np.int64), NAT
    )
    closed = np.where(revoke, revoked_on + rng.integers(20, 36, n), NAT)
    finished = ~revoke & (end <= limit)
    status = np.select([revoke, finished], ["撤销缓刑", "解除矫正"], "在矫")
    status_date = np.where(revoke, closed, np.where(finished, end, NAT))
    return Cases(
        offender, kind, effective, registration, start, end, status, status_date, late, revoked_on
    )


def add_cases(
    tables: Tables, cases: Cases, offenders: Offenders, custody: Custody, population: Population
) -> None:
    people = pa.array(offenders.person[cases.offender])
    change = np.where(
        cases.kind == 2, custody.parole_change[cases.offender], custody.leave_change[cases.offender]
    )
    region = pa.array([c.code for c in counties()]).take(
        pa.array(population.county[offenders.person[cases.offender]])
    )
    n = len(cases.offender)
    tables.add(
        "community_corrections",
        {
            "case_id": case_ids(n),
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "correction_type": pa.array(TYPES).take(pa.array(cases.kind)),
            "agency_region_code": region,
            "judgment_id": offenders.judgment_id.take(pa.array(cases.offender)),
            "change_id": optional(change, change != ""),
            "decision_effective_date": cases.effective,
            "registration_date": cases.registration,
            "start_date": cases.start,
            "end_date": cases.end,
            "status": cases.status,
            "status_date": cases.status_date,
            "source_system": ["司法行政机关"] * n,
        },
    )


def case_ids(n: int) -> list[str]:
    return [f"SJ{i + 1:08d}" for i in range(n)]


class _Events:
    def __init__(self, tables: Tables, ids: pa.StringArray) -> None:
        self.tables = tables
        self.ids = ids
        self.count = 0

    def add(self, case: Ints, kind: str, when: Days, **extra: object) -> None:
        n = len(case)
        self.tables.add(
            "correction_events",
            {
                "event_id": [f"SE{self.count + i + 1:09d}" for i in range(n)],
                "case_id": pa.array(case_ids(int(case.max()) + 1 if n else 0)).take(pa.array(case))
                if n
                else [],
                "id_number": self.ids.take(pa.array(case)) if n else [],
                "event_type": [kind] * n,
                "event_date": when,
                **extra,
                "source_system": ["司法行政机关"] * n,
            },
        )
        self.count += n


def add_events(
    tables: Tables,
    rng: np.random.Generator,
    cases: Cases,
    offenders: Offenders,
    population: Population,
    as_of: date,
) -> None:
    """Reporting, visits, checks, warnings for late registration, revocation steps,
    approved trips (with their travel and lodging records)."""
    ids = population.id_number.take(pa.array(offenders.person[cases.offender]))
    events = _Events(tables, ids)
    registered = np.flatnonzero(~np.isnat(cases.registration))
    events.add(registered, "报到", cases.registration[registered])
    late = np.flatnonzero(cases.late & ~np.isnat(cases.registration))
    events.add(
        late,
        "警告",
        cases.registration[late] + rng.integers(0, 6, len(late)),
        note=["逾期报到超过十日"] * len(late),
    )
    limit = np.minimum(
        np.where(np.isnat(cases.status_date), cases.end, cases.status_date), day(as_of)
    )
    for kind, every in (("走访", 90), ("信息化核查", 60)):
        first = np.where(np.isnat(cases.registration), limit + 1, cases.registration) + every
        count = np.maximum(((limit - first).astype(np.int64) // every) + 1, 0)
        case = np.repeat(np.arange(len(count)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        events.add(case, kind, first[case] + offset * every)
    revoked = np.flatnonzero(~np.isnat(cases.revoked_on))
    events.add(
        revoked, "提请撤销缓刑", cases.revoked_on[revoked] + rng.integers(3, 16, len(revoked))
    )
    _revocation_measures(tables, cases, revoked, offenders, population)
    _trips(tables, rng, events, cases, offenders, population, limit)


def _revocation_measures(
    tables: Tables, cases: Cases, rows: Ints, offenders: Offenders, population: Population
) -> None:
    person = offenders.person[cases.offender[rows]]
    people = pa.array(person)
    all_counties = counties()
    tables.add(
        "enforcement_measures",
        {
            "record_id": [f"CX{r + 1:08d}" for r in rows],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "measure_type": ["刑事拘留"] * len(rows),
            "start_date": cases.revoked_on[rows],
            "agency": [police(all_counties[int(c)]) for c in population.county[person]],
            "offence": ["盗窃罪"] * len(rows),
            "notified_corrections_agency": np.ones(len(rows), bool),
            "source_system": ["公安机关"] * len(rows),
        },
    )


def _trips(
    tables: Tables,
    rng: np.random.Generator,
    events: _Events,
    cases: Cases,
    offenders: Offenders,
    population: Population,
    limit: Days,
) -> None:
    """外出批准 for about one case in six, with a train ride and a hotel stay inside it."""
    start = np.where(np.isnat(cases.registration), limit, cases.registration) + 5
    span = (limit - 10 - start).astype(np.int64)
    rows = np.flatnonzero((span > 0) & (rng.random(len(span)) < 0.16))
    leave = start[rows] + (rng.random(len(rows)) * span[rows]).astype(np.int64)
    back = leave + rng.integers(2, 8, len(rows))
    all_counties = counties()
    home = population.county[offenders.person[cases.offender[rows]]]
    destination = (home + 1 + rng.integers(0, len(all_counties) - 1, len(rows))) % len(all_counties)
    codes = np.array([c.code for c in all_counties])
    events.add(
        rows,
        "外出批准",
        leave,
        end_date=back,
        destination_region_code=codes[destination],
        note=["探亲"] * len(rows),
    )
    events.add(rows, "销假", back + 1)
    person = offenders.person[cases.offender[rows]]
    seconds = rng.integers(7 * 3600, 20 * 3600, len(rows)).astype("timedelta64[s]")
    departure = leave.astype("datetime64[s]") + seconds
    stay = (leave + 1).astype("datetime64[s]") + np.timedelta64(21, "h")
    add_travel(tables, person, population, "铁路", departure, codes[destination], "G")
    add_travel(tables, person, population, "住宿", stay, codes[destination], "H")


def add_travel(
    tables: Tables,
    person: Ints,
    population: Population,
    kind: str,
    when: NDArray[np.datetime64],
    region: NDArray[np.str_],
    prefix: str,
) -> None:
    people = pa.array(person)
    start = tables.rows("travel_records")
    detail = {
        "铁路": "G字头列车",
        "民航": "国内航班",
        "住宿": "宾馆住宿登记",
        "交通违法": "违法停车",
    }[kind]
    tables.add(
        "travel_records",
        {
            "record_id": [f"CX{prefix}{start + i + 1:09d}" for i in range(len(person))],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "record_type": [kind] * len(person),
            "event_time": pa.array(when.astype("datetime64[s]")),
            "region_code": region,
            "detail": [detail] * len(person),
            "source_system": ["公安机关"] * len(person),
        },
    )


def add_medical_reviews(
    tables: Tables, cases: Cases, offenders: Offenders, population: Population, as_of: date
) -> None:
    """Every 84 days from the start of medical leave, while it lasts (under three months)."""
    rows = np.flatnonzero(cases.kind == 3)
    last = np.minimum(cases.end[rows], day(as_of))
    count = np.maximum((last - cases.start[rows]).astype(np.int64) // 84, 0)
    case = np.repeat(rows, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    when = cases.start[case] + (offset + 1) * 84
    person = offenders.person[cases.offender[case]]
    people = pa.array(person)
    city = [counties()[int(c)].city for c in population.county[person]]
    tables.add(
        "medical_reviews",
        {
            "review_id": [f"FC{i + 1:08d}" for i in range(len(case))],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "review_date": when,
            "hospital": [f"{c}人民医院" for c in city],
            "designated_hospital": np.ones(len(case), bool),
            "conclusion": ["仍符合保外就医条件"] * len(case),
            "source_system": ["社区矫正机构"] * len(case),
        },
    )


def add_bystander_records(
    tables: Tables,
    rng: np.random.Generator,
    population: Population,
    busy: NDArray[np.bool_],
    as_of: date,
) -> None:
    """Travel and administrative detention of people with no corrections case."""
    free = np.flatnonzero(~busy)
    travellers = np.sort(rng.choice(free, min(len(free), len(population) // 3), replace=False))
    n = len(travellers)
    when = (day(as_of) - rng.integers(1, 730, n)).astype("datetime64[s]")
    when = when + rng.integers(6 * 3600, 23 * 3600, n).astype("timedelta64[s]")
    codes = np.array([c.code for c in counties()])
    region = codes[rng.integers(0, len(codes), n)]
    kinds = ("铁路", "民航", "住宿", "交通违法")
    kind = rng.integers(0, 4, n)
    for k, name in enumerate(kinds):
        chosen = kind == k
        add_travel(tables, travellers[chosen], population, name, when[chosen], region[chosen], "B")
    detained = np.sort(rng.choice(free, max(1, len(free) // 300), replace=False))
    start = day(as_of) - rng.integers(5, 1500, len(detained))
    people = pa.array(detained)
    all_counties = counties()
    tables.add(
        "enforcement_measures",
        {
            "record_id": [f"XZ{i + 1:08d}" for i in range(len(detained))],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "measure_type": ["行政拘留"] * len(detained),
            "start_date": start,
            "end_date": start + rng.integers(3, 15, len(detained)),
            "agency": [police(all_counties[int(c)]) for c in population.county[detained]],
            "offence": ["扰乱公共秩序"] * len(detained),
            "source_system": ["公安机关"] * len(detained),
        },
    )
