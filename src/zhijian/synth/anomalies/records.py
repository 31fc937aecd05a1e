"""Writing the records of one planted case: a person's judgment, custody, changes,
corrections case and the rest, one row at a time (a few hundred cases per run, so plain
Python is fine here).

Planted records use the background's id schemes, numbered from 90000001 up, so that a
model cannot tell them apart by their ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from zhijian.law.terms import term_end
from zhijian.synth.facilities import (
    Facility,
    basic_court,
    corrections_agencies,
    detention_centres,
    general_prisons,
    intermediate_court,
    women_prison,
)
from zhijian.synth.people import County, Person, PersonFactory, counties
from zhijian.synth.sentences import sentence_text
from zhijian.synth.tables import Tables, money

FIRST_NUMBER = 90_000_001


@dataclass
class Truth:
    """One planted anomaly or near-miss: ground_truth.csv / manifest.json."""

    model_id: str
    id_number: str
    key: str
    description: str

    def to_json(self) -> dict[str, str]:
        return {
            "model_id": self.model_id,
            "id_number": self.id_number,
            "key": self.key,
            "description": self.description,
        }


@dataclass
class Prisoner:
    """A planted prisoner's facts, as the records written for him say."""

    person: Person
    judgment_id: str
    crime: str
    term: int  # months; 0 for life
    detention: date
    effective: date
    notice: date
    delivery: date
    term_start: date
    term_end: date
    prison: Facility
    prison_record: str = ""
    centre_record: str = ""


@dataclass
class Plant:
    tables: Tables
    rng: np.random.Generator
    as_of: date
    factory: PersonFactory
    truths: list[Truth] = field(default_factory=list)
    near_misses: list[Truth] = field(default_factory=list)
    _numbers: dict[str, int] = field(default_factory=dict)

    def number(self, prefix: str, width: int = 8) -> str:
        value = self._numbers.get(prefix, FIRST_NUMBER)
        self._numbers[prefix] = value + 1
        return f"{prefix}{value:0{width}d}"

    def truth(self, model: str, person: Person, key: str, description: str, *, near: bool) -> None:
        (self.near_misses if near else self.truths).append(
            Truth(model, person.id_number, key, description)
        )

    def person(self, age: int, *, male: bool = True) -> Person:
        born = date(
            self.as_of.year - age, int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29))
        )
        return self.factory.make(birth=born, male=male)

    def county(self, person: Person) -> County:
        return person.county

    def add(self, dataset: str, **row: Any) -> None:
        columns = {name: [value] for name, value in row.items()}
        self.tables.add(dataset, columns)

    # ------------------------------------------------------------------ sentences

    def prisoner(
        self,
        person: Person,
        crime: str,
        term: int,
        detention: date,
        *,
        recidivist: bool = False,
        fine: int = 0,
        retained: bool = False,
        delivery_days: int | None = None,
    ) -> Prisoner:
        """A judgment of ``term`` months (0: life) for a detention on ``detention``
        (day 1–28) and a 看守所 record: 留所服刑 when ``retained``, else delivery to a
        prison 12 days (or ``delivery_days``) after the notice. The prison record is the
        caller's to write (``prison_record``), with what became of the sentence."""
        judged = detention + timedelta(days=150)
        effective = _forward(judged + timedelta(days=15))
        notice = effective + timedelta(days=5)
        delivery = (
            _forward(notice + timedelta(days=12))
            if delivery_days is None
            else notice + timedelta(days=delivery_days)
        )
        end = term_end(detention, term) if term else date.max
        prison = women_prison() if not person.male else _local_prison(person.county)
        judgment_id = self.number("PJ")
        penalty = 2 if term else 3
        self.add(
            "judgments",
            judgment_id=judgment_id,
            case_number=f"（{judged.year}）鲁{person.county.code[2:]}刑初{judgment_id[-4:]}号",
            court_name=basic_court(person.county) if term else intermediate_court(person.county),
            id_number=person.id_number,
            name=person.name,
            gender="男" if person.male else "女",
            birth_date=person.birth,
            crimes=[crime],
            principal_penalty="有期徒刑" if term else "无期徒刑",
            term_months=term or None,
            recidivist=recidivist,
            limited_reduction=False,
            life_without_parole=False,
            fine_yuan=money([fine * 100], [fine > 0]).to_pylist()[0],
            political_rights_months=None if term else -1,
            pretrial_detention_date=detention,
            judgment_date=judged,
            effective_date=effective,
            term_start=detention if term else None,
            term_end=end if term else None,
            sentence_text=sentence_text(penalty, term, 0, fine * 100, 0, 0 if term else -1),
            source_system="人民法院",
        )
        found = Prisoner(
            person, judgment_id, crime, term, detention, effective, notice, delivery,
            detention, end, prison,
        )  # fmt: skip
        if fine:
            self.add(
                "property_judgments",
                item_id=self.number("CX"),
                judgment_id=judgment_id,
                id_number=person.id_number,
                name=person.name,
                item_type="罚金",
                amount_due_yuan=money([fine * 100]).to_pylist()[0],
                amount_paid_yuan=money([0]).to_pylist()[0],
                status="未执行",
                updated_on=self.as_of - timedelta(days=20),
                source_system="人民法院执行局",
            )
        if retained:
            found.centre_record = self.centre_record(found, None, None, "留所服刑")
        else:
            found.centre_record = self.centre_record(found, delivery, "送交监狱")
            found.prison_record = self.number("JY")
        return found

    def centre_record(
        self, prisoner: Prisoner, release: date | None, reason: str | None, kind: str = "未决羁押"
    ) -> str:
        record = self.number("KS")
        centre = detention_centres()[counties().index(prisoner.person.county)]
        self.add(
            "custody_records",
            record_id=record,
            facility_code=centre.code,
            id_number=prisoner.person.id_number,
            name=prisoner.person.name,
            custody_type=kind,
            judgment_id=prisoner.judgment_id,
            admission_date=prisoner.detention,
            execution_notice_date=prisoner.notice,
            current_term_end=prisoner.term_end if kind == "留所服刑" else None,
            release_date=release,
            release_reason=reason if release else None,
            status="已出所" if release else "在押",
            source_system="公安监管部门",
        )
        return record

    def prison_record(
        self,
        prisoner: Prisoner,
        current_end: date | None,
        release: date | None = None,
        reason: str | None = None,
    ) -> None:
        self.add(
            "custody_records",
            record_id=prisoner.prison_record,
            facility_code=prisoner.prison.code,
            id_number=prisoner.person.id_number,
            name=prisoner.person.name,
            inmate_number=f"37{prisoner.prison_record[-7:]}",
            custody_type="服刑",
            judgment_id=prisoner.judgment_id,
            admission_date=prisoner.delivery,
            current_term_end=current_end,
            release_date=release,
            release_reason=reason,
            status="已出所" if release else "在押",
            source_system="监狱",
        )

    def change(self, prisoner: Prisoner, change_type: str, proposal: date, **values: Any) -> str:
        change_id = self.number("BG")
        decision = values.pop("decision_date", proposal + timedelta(days=30))
        court = intermediate_court(prisoner.prison.county)
        self.add(
            "sentence_changes",
            change_id=change_id,
            id_number=prisoner.person.id_number,
            name=prisoner.person.name,
            judgment_id=prisoner.judgment_id,
            facility_code=prisoner.prison.code,
            change_type=change_type,
            proposal_date=proposal,
            decision_date=decision,
            served_date=values.pop("served_date", decision + timedelta(days=5)),
            decided_by=values.pop("decided_by", court),
            source_system="人民法院、监狱",
            **values,
        )
        return change_id

    def accounts(self, prisoner: Prisoner, last: date, spend: int, balance: int) -> None:
        """Monthly rows from the delivery month to ``last``'s month (yuan)."""
        month = date(prisoner.delivery.year, prisoner.delivery.month, 1)
        while month <= last:
            self.add(
                "prison_accounts",
                id_number=prisoner.person.id_number,
                name=prisoner.person.name,
                facility_code=prisoner.prison.code,
                month=f"{month:%Y-%m}",
                spend_yuan=money([spend * 100]).to_pylist()[0],
                balance_yuan=money([balance * 100]).to_pylist()[0],
                source_system="监狱",
            )
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)

    # ------------------------------------------------------------- corrections

    def probationer(
        self, person: Person, effective: date, *, registration_days: int = 3, term: int = 12,
        probation: int = 24, status: str = "在矫", status_date: date | None = None,
    ) -> str:  # fmt: skip
        """A 缓刑 judgment (有期徒刑 ``term`` months, test period ``probation`` months,
        from ``effective``) and its corrections case with a 报到 event; the case id."""
        judgment_id = self.number("PJ")
        judged = effective - timedelta(days=15)
        self.add(
            "judgments",
            judgment_id=judgment_id,
            case_number=f"（{judged.year}）鲁{person.county.code[2:]}刑初{judgment_id[-4:]}号",
            court_name=basic_court(person.county),
            id_number=person.id_number,
            name=person.name,
            gender="男" if person.male else "女",
            birth_date=person.birth,
            crimes=["盗窃罪"],
            principal_penalty="有期徒刑",
            term_months=term,
            probation_months=probation,
            recidivist=False,
            limited_reduction=False,
            life_without_parole=False,
            judgment_date=judged,
            effective_date=effective,
            sentence_text=sentence_text(2, term, probation, 0, 0, 0),
            source_system="人民法院",
        )
        return self.case(
            person, "缓刑", effective, term_end(effective, probation),
            judgment_id=judgment_id, registration_days=registration_days,
            status=status, status_date=status_date,
        )  # fmt: skip

    def case(
        self, person: Person, kind: str, effective: date, end: date, *, judgment_id: str,
        change_id: str | None = None, registration_days: int = 3, status: str = "在矫",
        status_date: date | None = None,
    ) -> str:  # fmt: skip
        case_id = self.number("SJ")
        registered = effective + timedelta(days=registration_days)
        self.add(
            "community_corrections",
            case_id=case_id,
            id_number=person.id_number,
            name=person.name,
            correction_type=kind,
            agency_region_code=person.county.code,
            judgment_id=judgment_id,
            change_id=change_id,
            decision_effective_date=effective,
            registration_date=registered,
            start_date=effective,
            end_date=end,
            status=status,
            status_date=status_date,
            source_system="司法行政机关",
        )
        self.event(case_id, person, "报到", registered)
        return case_id

    def event(self, case_id: str, person: Person, kind: str, when: date, **values: Any) -> None:
        self.add(
            "correction_events",
            event_id=self.number("SE", 9),
            case_id=case_id,
            id_number=person.id_number,
            event_type=kind,
            event_date=when,
            source_system="司法行政机关",
            **values,
        )

    def agency(self, person: Person) -> Facility:
        return corrections_agencies()[counties().index(person.county)]


def _forward(value: date) -> date:
    """Days after the 28th moved to the 1st of the next month (as the background does)."""
    if value.day <= 28:
        return value
    return date(value.year + value.month // 12, value.month % 12 + 1, 1)


def _local_prison(county: County) -> Facility:
    local = [p for p in general_prisons() if p.county.city_code == county.city_code]
    return (local or list(general_prisons()))[0]


def months_ago(as_of: date, months: int, day_of_month: int = 10) -> date:
    """Day ``day_of_month`` of the month ``months`` before ``as_of``'s."""
    index = as_of.year * 12 + as_of.month - 1 - months
    return date(index // 12, index % 12 + 1, day_of_month)
