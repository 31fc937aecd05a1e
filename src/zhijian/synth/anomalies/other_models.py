"""Planted cases of medical_parole_review_overdue, over_term_detention, the community-
corrections models and the cross-department models (benefits, deaths)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from zhijian.law.terms import completed_on, corresponding_day, term_end
from zhijian.synth.anomalies.records import Plant, Prisoner, months_ago
from zhijian.synth.facilities import detention_centres, police
from zhijian.synth.people import Person, counties

REVIEW_DAYS = 84


def medical_parole_review_overdue(plant: Plant, index: int, near: bool) -> None:
    """刑事诉讼法第二百六十八条; 社区矫正法实施办法: re-examined every three months. The
    last review is more than three months old, or found the condition gone while the case
    stays open with no 提请收监. Near-miss: last review exactly three months ago."""
    prisoner = plant.prisoner(plant.person(55), "盗窃罪", 120, months_ago(plant.as_of, 60))
    leave = completed_on(prisoner.delivery, 24) + timedelta(days=10)
    change = plant.change(
        prisoner, "暂予监外执行", leave - timedelta(days=30), decision_date=leave,
        served_date=leave, decided_by="山东省监狱管理局", medical_reason="严重疾病",
        property_status="无财产性判项",
    )  # fmt: skip
    plant.prison_record(prisoner, prisoner.term_end, leave, "暂予监外执行")
    case = plant.case(
        prisoner.person, "暂予监外执行", leave, prisoner.term_end,
        judgment_id=prisoner.judgment_id, change_id=change,
    )  # fmt: skip
    gone = not near and index % 2 == 1
    if near:
        last = corresponding_day(plant.as_of, -3)
        what = f"最近一次复查{last}，至截止日恰满三个月"
    elif gone:
        last = plant.as_of - timedelta(days=40)
        what = f"{last}复查结论为情形消失，仍在矫且未提请收监"
    else:
        last = plant.as_of - timedelta(days=130 + index)
        what = f"最近一次复查{last}，此后超过三个月未复查"
    reviews = []
    when = last
    while when > leave:
        reviews.append(when)
        when -= timedelta(days=REVIEW_DAYS)
    for when in sorted(reviews):
        plant.add(
            "medical_reviews",
            review_id=plant.number("FC"),
            id_number=prisoner.person.id_number,
            name=prisoner.person.name,
            review_date=when,
            hospital=f"{prisoner.person.county.city}人民医院",
            designated_hospital=True,
            conclusion="情形消失" if gone and when == last else "仍符合保外就医条件",
            source_system="社区矫正机构",
        )
    plant.truth("medical_parole_review_overdue", prisoner.person, case, what, near=near)


def over_term_detention(plant: Plant, index: int, near: bool) -> None:
    """A 审查起诉 stage past its deadline (刑事诉讼法第一百七十二条: one month), still
    open, nothing after it. Near-miss: the deadline is the as-of date."""
    person = plant.person(30 + index % 25)
    due = plant.as_of if near else plant.as_of - timedelta(days=10 + index)
    start = corresponding_day(due + timedelta(days=1), -1)
    arrest = start - timedelta(days=40)
    detained = arrest - timedelta(days=5)
    centre = detention_centres()[counties().index(person.county)]
    detention_id = plant.number("DJ")
    case_number = f"鲁公刑立〔{detained.year}〕{detention_id[-4:]}号"
    stages = (
        ("侦查", arrest, term_end(arrest, 2), start - timedelta(days=1), police(person.county)),
        ("审查起诉", start, term_end(start, 1), None, f"{person.county.full_name}人民检察院"),
    )
    for number, (stage, begun, deadline, ended, agency) in enumerate(stages, start=1):
        plant.add(
            "detention_stages",
            stage_id=f"{detention_id}-{number}",
            detention_id=detention_id,
            id_number=person.id_number,
            name=person.name,
            facility_code=centre.code,
            case_number=case_number,
            handling_agency=agency,
            stage=stage,
            stage_start=begun,
            deadline=deadline,
            stage_end=ended,
            source_system="看守所",
        )
    plant.add(
        "custody_records",
        record_id=plant.number("DJ"),
        facility_code=centre.code,
        id_number=person.id_number,
        name=person.name,
        custody_type="未决羁押",
        admission_date=detained,
        status="在押",
        source_system="公安监管部门",
    )
    plant.truth(
        "over_term_detention", person, f"{detention_id}-2",
        f"审查起诉阶段羁押期限届满日{due}，截至{plant.as_of}未结束、未延长", near=near,
    )  # fmt: skip


def corrections_late_registration(plant: Plant, index: int, near: bool) -> None:
    """社区矫正法第二十一条: reported 15 days after the judgment took effect, with no 训诫
    or 警告. Near-miss: reported on the 10th day."""
    person = plant.person(28 + index % 30)
    effective = months_ago(plant.as_of, 6 + index % 6)
    days = 10 if near else 15 + index % 10
    case = plant.probationer(person, effective, registration_days=days)
    plant.truth(
        "corrections_late_registration", person, case,
        f"判决{effective}生效，第{days}日报到，未予训诫、警告", near=near,
    )  # fmt: skip


def _other_county(person: Person, index: int) -> str:
    others = [c for c in counties() if c.city_code != person.county.city_code]
    return others[index % len(others)].code


def corrections_unauthorized_travel(plant: Plant, index: int, near: bool) -> None:
    """社区矫正法第二十七条: a hotel stay in another county with no approved leave covering
    the day. Near-miss: the stay is on the last approved day."""
    person = plant.person(30 + index % 25)
    effective = months_ago(plant.as_of, 8)
    case = plant.probationer(person, effective)
    when = effective + timedelta(days=100 + index)
    region = _other_county(person, index)
    if near:
        plant.event(
            case, person, "外出批准", when - timedelta(days=4), end_date=when,
            destination_region_code=region, note="探亲",
        )  # fmt: skip
    record = plant.number("CXT", 9)
    plant.add(
        "travel_records",
        record_id=record,
        id_number=person.id_number,
        name=person.name,
        record_type="住宿",
        event_time=datetime(when.year, when.month, when.day, 21, 30),
        region_code=region,
        detail="宾馆住宿登记",
        source_system="公安机关",
    )
    what = "外出批准期限最后一日在外地住宿" if near else f"{when}在{region}住宿，无外出批准"
    plant.truth("corrections_unauthorized_travel", person, record, what, near=near)


def corrections_new_offence(plant: Plant, index: int, near: bool) -> None:
    """社区矫正法第三十二条: detained while in corrections and the agency not notified.
    Near-miss: detained the day after the case ended."""
    person = plant.person(25 + index % 30)
    if near:
        effective = months_ago(plant.as_of, 18)
        end = term_end(effective, 12)
        plant.probationer(person, effective, probation=12, status="解除矫正", status_date=end)
        start = end + timedelta(days=1)
    else:
        effective = months_ago(plant.as_of, 8)
        plant.probationer(person, effective)
        start = effective + timedelta(days=120 + index)
    record = plant.number("XZ")
    plant.add(
        "enforcement_measures",
        record_id=record,
        id_number=person.id_number,
        name=person.name,
        measure_type="行政拘留",
        start_date=start,
        end_date=start + timedelta(days=10),
        agency=police(person.county),
        offence="殴打他人",
        notified_corrections_agency=False,
        source_system="公安机关",
    )
    what = "矫正期满次日被行政拘留" if near else f"在矫期间{start}被行政拘留，未通知社区矫正机构"
    plant.truth("corrections_new_offence", person, record, what, near=near)


PENSION = "城镇职工基本养老金"


def _payment(plant: Plant, person: Person, month: str, kind: str, amount: int) -> str:
    plant.add(
        "benefit_payments",
        id_number=person.id_number,
        name=person.name,
        benefit_type=PENSION,
        month=month,
        kind=kind,
        amount_yuan=Decimal(amount),
        paying_region_code=person.county.code,
        source_system="人社、民政部门",
    )
    return f"{person.id_number}|{PENSION}|{month}|{kind}"


def benefits_while_imprisoned(plant: Plant, index: int, near: bool) -> None:
    """A pension paid for a month wholly inside a custodial sentence, or adjusted in a
    month wholly inside community corrections. Near-miss: paid for the month custody
    began (admitted after the 1st)."""
    person = plant.person(66)
    if near or index % 2 == 0:
        days = next(d for d in range(12, 29) if 1 < _day_after(plant, d) <= 28)
        prisoner = plant.prisoner(
            person, "盗窃罪", 36, months_ago(plant.as_of, 24), delivery_days=days
        )
        plant.prison_record(prisoner, prisoner.term_end)
        month = prisoner.delivery if near else _next_month(prisoner.delivery, 3 + index % 5)
        key = _payment(plant, person, f"{month:%Y-%m}", "发放", 3100)
        what = f"{month:%Y-%m}全月在监狱服刑，仍发放养老金" if not near else "收监当月发放养老金"
    else:
        effective = months_ago(plant.as_of, 14)
        plant.probationer(person, effective)
        july = date(effective.year if effective.month < 7 else effective.year + 1, 7, 1)
        _payment(plant, person, f"{july:%Y-%m}", "发放", 3100)
        key = _payment(plant, person, f"{july:%Y-%m}", "基数调整", 93)
        what = f"社区矫正期间（{july:%Y-%m}）调整养老金基数"
    plant.truth("benefits_while_imprisoned", person, key, what, near=near)


def _day_after(plant: Plant, days: int) -> int:
    """The day of month of a planted prisoner's delivery ``days`` after the notice."""
    detention = months_ago(plant.as_of, 24)
    judged = detention + timedelta(days=150)
    effective = judged + timedelta(days=15)
    if effective.day > 28:
        effective = date(effective.year + effective.month // 12, effective.month % 12 + 1, 1)
    return (effective + timedelta(days=5 + days)).day


def _next_month(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def dead_still_supervised(plant: Plant, index: int, near: bool) -> None:
    """A death registered while a custody record stays 在押 or a corrections case 在矫.
    Near-miss: the case was closed as 死亡 on the day of death."""
    person = plant.person(60)
    died = plant.as_of - timedelta(days=60 + index)
    if near:
        effective = months_ago(plant.as_of, 10)
        key = plant.probationer(person, effective, status="死亡", status_date=died)
        what = "死亡当日社区矫正终止"
    elif index % 2 == 0:
        prisoner: Prisoner = plant.prisoner(person, "盗窃罪", 60, months_ago(plant.as_of, 30))
        plant.prison_record(prisoner, prisoner.term_end)
        key = prisoner.prison_record
        what = f"{died}死亡，监狱记录仍为在押"
    else:
        key = plant.probationer(person, months_ago(plant.as_of, 10))
        what = f"{died}死亡，仍在矫"
    plant.add(
        "deaths",
        id_number=person.id_number,
        name=person.name,
        death_date=died,
        source="公安户籍注销",
        place="医院",
        source_system="公安、民政、卫健部门",
    )
    plant.truth("dead_still_supervised", person, key, what, near=near)
