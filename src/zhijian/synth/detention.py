"""Pre-trial detention: the stages of every detained offender's case, the people still
awaiting trial on the as-of date, and the police records of detention and bail.

Deadlines follow 刑事诉讼法: 侦查羁押 two months from arrest (第一百五十六条), extended by
one month (same article), 审查起诉 one month (第一百七十二条), 一审 two months (第二百零八
条). A deadline is the last day of the period, counted as terms are (``dates.term_end``).
Every background stage ends on or before its deadline, and every stage still open on the
as-of date has a deadline after it: no background detention is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from zhijian.synth.dates import Days, Ints, day, term_end
from zhijian.synth.facilities import basic_court, detention_centres, police
from zhijian.synth.people import Population, counties
from zhijian.synth.sentences import NAT, Offenders
from zhijian.synth.tables import Tables

STAGES = (
    ("侦查", 2, "刑事诉讼法第一百五十六条"),
    ("延长侦查羁押", 1, "刑事诉讼法第一百五十六条：经上一级人民检察院批准延长一个月"),
    ("审查起诉", 1, "刑事诉讼法第一百七十二条"),
    ("一审", 2, "刑事诉讼法第二百零八条"),
)


@dataclass(frozen=True)
class Chains:
    """Detentions as arrays: stage starts and ends (NaT: no such stage / still open)."""

    person: Ints
    detention: Days
    arrest: Days
    starts: Days  # (n, 4)
    ends: Days  # (n, 4)
    case_number: NDArray[np.str_]
    prefix: str


def offender_chains(offenders: Offenders) -> Chains:
    rows = np.flatnonzero(offenders.detained)
    ends = offenders.stage_ends[rows]
    return Chains(
        offenders.person[rows],
        offenders.detention[rows],
        offenders.arrest[rows],
        _starts(offenders.arrest[rows], ends),
        ends,
        np.array(
            [
                f"鲁公刑立〔{d.astype(object).year}〕{i + 1}号"
                for i, d in enumerate(offenders.detention[rows])
            ]
        ),
        "KY",
    )


def _starts(arrest: Days, ends: Days) -> Days:
    starts = np.full(ends.shape, NAT)
    starts[:, 0] = arrest
    previous = ends[:, 0]
    for k in range(1, 4):
        present = ~np.isnat(ends[:, k])
        starts[:, k] = np.where(present, previous + 1, NAT)
        previous = np.where(present, ends[:, k], previous)
    return starts


def pending_chains(rng: np.random.Generator, people: Ints, as_of: date) -> Chains:
    """People detained and not yet tried on ``as_of``: the as-of date falls inside their
    chain of stages, and the stage it falls in is left open."""
    n = len(people)
    arrest_after = rng.integers(3, 31, n)
    lengths = np.stack(
        [
            rng.integers(20, 56, n),
            np.zeros(n, np.int64),
            rng.integers(10, 27, n),
            rng.integers(15, 56, n),
        ],
        axis=1,
    )
    total = arrest_after + lengths.sum(axis=1)
    detention = day(as_of) - (rng.random(n) * (total - 2)).astype(np.int64)
    arrest = detention + arrest_after
    ends = np.full((n, 4), NAT)
    previous = arrest - 1
    for k in (0, 2, 3):
        ends[:, k] = previous + lengths[:, k]
        previous = ends[:, k]
    starts = _starts(arrest, ends)
    ends = np.where(ends >= day(as_of), NAT, ends)  # open on the as-of date
    starts = np.where(starts > day(as_of), NAT, starts)
    ends = np.where(np.isnat(starts), NAT, ends)
    return Chains(
        people,
        detention,
        np.where(arrest <= day(as_of), arrest, NAT),
        starts,
        ends,
        np.array([f"鲁公刑立〔{as_of.year}〕{9000 + i}号" for i in range(n)]),
        "DJ",
    )


def add_stages(tables: Tables, chains: Chains, population: Population) -> None:
    all_counties = counties()
    centres = detention_centres()
    county = population.county[chains.person]
    for k, (stage, months, basis) in enumerate(STAGES):
        rows = np.flatnonzero(~np.isnat(chains.starts[:, k]))
        start = chains.starts[rows, k]
        places = [all_counties[int(c)] for c in county[rows]]
        agency = {
            0: [police(c) for c in places],
            1: [police(c) for c in places],
            2: [f"{c.full_name}人民检察院" for c in places],
            3: [basic_court(c) for c in places],
        }[k]
        people = pa.array(chains.person[rows])
        tables.add(
            "detention_stages",
            {
                "stage_id": [f"{chains.prefix}{r + 1:08d}-{k + 1}" for r in rows],
                "detention_id": [f"{chains.prefix}{r + 1:08d}" for r in rows],
                "id_number": population.id_number.take(people),
                "name": population.name.take(people),
                "facility_code": [centres[int(c)].code for c in county[rows]],
                "case_number": chains.case_number[rows],
                "handling_agency": agency,
                "stage": [stage] * len(rows),
                "stage_start": start,
                "deadline": term_end(start, months),
                "stage_end": chains.ends[rows, k],
                "legal_basis": [basis] * len(rows),
                "source_system": ["看守所"] * len(rows),
            },
        )


def add_pending_custody(tables: Tables, chains: Chains, population: Population) -> None:
    centres = detention_centres()
    county = population.county[chains.person]
    people = pa.array(chains.person)
    n = len(chains.person)
    tables.add(
        "custody_records",
        {
            "record_id": [f"DJ{i + 1:08d}" for i in range(n)],
            "facility_code": [centres[int(c)].code for c in county],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "inmate_number": [f"{int(c):03d}9{i:05d}" for i, c in enumerate(county)],
            "custody_type": ["未决羁押"] * n,
            "admission_date": chains.detention,
            "status": ["在押"] * n,
            "source_system": ["公安监管部门"] * n,
        },
    )


def add_measures(
    tables: Tables, chains: Chains, population: Population, offenders: Offenders | None
) -> None:
    """刑事拘留 until arrest, 逮捕 until judgment; 取保候审 for offenders on bail."""
    all_counties = counties()
    centres = detention_centres()
    n = len(chains.person)
    county = population.county[chains.person]
    arrested = ~np.isnat(chains.arrest)
    judged = chains.ends[:, 3]
    parts = [
        ("刑事拘留", np.arange(n), chains.detention, np.where(arrested, chains.arrest - 1, NAT)),
        ("逮捕", np.flatnonzero(arrested), chains.arrest, judged),
    ]
    for kind, rows, starts, ends in parts:
        people = pa.array(chains.person[rows])
        tables.add(
            "enforcement_measures",
            {
                "record_id": [f"{chains.prefix}{kind[:1]}{r + 1:08d}" for r in rows],
                "id_number": population.id_number.take(people),
                "name": population.name.take(people),
                "measure_type": [kind] * len(rows),
                "start_date": starts[rows] if len(starts) == n else starts,
                "end_date": ends[rows],
                "agency": [police(all_counties[int(c)]) for c in county[rows]],
                "facility_code": [centres[int(c)].code for c in county[rows]],
                "case_number": chains.case_number[rows],
                "source_system": ["公安机关"] * len(rows),
            },
        )
    if offenders is None:
        return
    rows = np.flatnonzero(~offenders.detained)
    people = pa.array(offenders.person[rows])
    bail_county = population.county[offenders.person[rows]]
    start = offenders.judgment_date[rows] - 120 - (rows % 180)
    tables.add(
        "enforcement_measures",
        {
            "record_id": [f"QB{r + 1:08d}" for r in rows],
            "id_number": population.id_number.take(people),
            "name": population.name.take(people),
            "measure_type": ["取保候审"] * len(rows),
            "start_date": start,
            "end_date": offenders.effective[rows],
            "agency": [police(all_counties[int(c)]) for c in bail_county],
            "source_system": ["公安机关"] * len(rows),
        },
    )
