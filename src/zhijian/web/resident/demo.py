"""Demo data for the resident pages: a few months of logs, talks, inspections, findings
and complaints at the offices of the demo's resident procurators, written through the
actions (so each has its audit row) and pre-filled from the synthetic warehouse.

The pattern is plausible, not real: the 济南 office is on site 17–19 working days a
month and talks with someone every week; the 青岛 office misses the 16-day goal in one
month and an individual talk in some weeks, so the statistics page has something to
show. A fixed seed makes every demo the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from zhijian.web.accounts.models import SupervisedFacility, User
from zhijian.web.resident import actions, warehouse
from zhijian.web.resident.models import AREAS, CHECKLIST, Complaint, Inspection, Problem, Talk
from zhijian.web.resident.stats import working_days

Say = Callable[[str], None]
SEED = 2026
MONTHS = 3
# username → (working days on site per month, chance of an individual talk in a week)
PLAN: dict[str, tuple[tuple[int, ...], float]] = {
    "jinan_resident": ((18, 17, 19), 1.0),
    "qingdao_resident": ((17, 14, 16), 0.7),
}
PROBLEMS = (
    ("监室", "个别监室铺板下发现自制绳索，已督促监狱收缴并登记", Problem.Handling.ORAL),
    ("会见室", "会见室监控录像存储不足 15 日", Problem.Handling.NOTICE),
    ("禁闭室", "禁闭审批手续不全，禁闭起止时间记录不一致", Problem.Handling.NOTICE),
    ("劳动现场", "劳动现场超时劳动，未落实休息制度", Problem.Handling.RECOMMENDATION),
    ("医务室", "医务室部分药品超过保质期", Problem.Handling.ORAL),
)
SUBJECTS = ("了解改造表现", "了解家庭情况及思想动态", "听取对计分考核的意见", "法律咨询")
COMPLAINTS = (
    (Complaint.Kind.APPEAL, "对原判认定事实有异议，请求复查", False),
    (Complaint.Kind.ACCUSATION, "反映监区民警对其体罚", True),
    (Complaint.Kind.REPORT, "举报同监室人员私藏违禁品", False),
)


def fill(as_of: date, *, say: Say = print) -> None:
    """Write the months up to ``as_of`` for every demo resident procurator."""
    rng = random.Random(SEED)
    for username, (days_per_month, talk_chance) in PLAN.items():
        user = User.objects.filter(username=username).select_related("unit").first()
        facility = _facility(user)
        if user is None or facility is None:
            continue
        logs = _fill_office(user, facility, as_of, days_per_month, talk_chance, rng)
        say(f"    {facility.unit.name}：检察日志 {logs} 篇")


def _facility(user: User | None) -> SupervisedFacility | None:
    if user is None or user.unit is None:
        return None
    return user.unit.facilities.order_by("facility_code").first()


def _months(as_of: date) -> list[tuple[date, date]]:
    first_of_this = as_of.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        first = first_of_this
        for _ in range(back):
            first = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        months.append((first, min(following - timedelta(days=1), as_of)))
    return months


def _fill_office(
    user: User,
    facility: SupervisedFacility,
    as_of: date,
    days_per_month: tuple[int, ...],
    talk_chance: float,
    rng: random.Random,
) -> int:
    written = 0
    for (first, last), target in zip(_months(as_of), days_per_month, strict=True):
        available = working_days(first, last)
        days = sorted(rng.sample(available, min(target, len(available))))
        if not days:
            continue
        counts = warehouse.counts_for_days(facility.facility_code, days)
        held = warehouse.held_on(facility.facility_code, last)
        for day in days:
            _log(user, facility, day, counts.get(day, {}), rng)
            written += 1
        _talks(user, facility, days, held, talk_chance, rng)
        _inspections(user, facility, days, rng)
        _complaints(user, facility, days, held, rng)
    return written


def _log(
    user: User, facility: SupervisedFacility, day: date, counts: dict[str, int], rng: random.Random
) -> None:
    fields: dict[str, Any] = {
        **counts,
        "areas": sorted(rng.sample(AREAS, rng.randint(2, 4)), key=AREAS.index),
        "area_notes": "巡视监区、监室，监管秩序正常",
        "video_checks": f"抽查监控录像 {rng.randint(2, 6)} 个点位，未见异常",
        "meetings": "列席狱情分析会" if day.weekday() == 0 else "",
    }
    log = actions.create_log(facility, day, fields, prefilled=counts, actor=user)
    if rng.random() < 0.12:
        category, description, handling = rng.choice(PROBLEMS)
        problem = actions.add_log_problem(
            log,
            {"category": category, "description": description, "handling": handling},
            actor=user,
        )
        _rectify(user, problem, rng)
    actions.submit_log(log, actor=user)


def _rectify(user: User, problem: Problem, rng: random.Random) -> None:
    due = problem.found_on + timedelta(days=15)
    item = actions.add_rectification(
        problem, requirement="限期整改并书面回复", due_date=due, actor=user
    )
    done_on = problem.found_on + timedelta(days=rng.randint(3, 20))
    if rng.random() < 0.7 and done_on <= date.today():
        actions.follow_up_rectification(
            item, note="现场复查，已整改", on=done_on, completed=True, actor=user
        )


def _talks(
    user: User,
    facility: SupervisedFacility,
    days: list[date],
    held: list[tuple[str, str, str]],
    talk_chance: float,
    rng: random.Random,
) -> None:
    if not held:
        return
    weeks: dict[date, list[date]] = {}
    for day in days:
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    for week_days in weeks.values():
        if rng.random() > talk_chance:
            continue
        for _ in range(rng.randint(1, 2)):
            _talk(
                user, facility, rng.choice(week_days), rng.choice(held), Talk.Kind.INDIVIDUAL, rng
            )
        if rng.random() < 0.4:
            _talk(user, facility, rng.choice(week_days), rng.choice(held), Talk.Kind.REQUESTED, rng)


def _talk(
    user: User,
    facility: SupervisedFacility,
    day: date,
    person: tuple[str, str, str],
    kind: str,
    rng: random.Random,
) -> None:
    id_number, name, inmate_number = person
    actions.record_talk(
        facility,
        {
            "day": day,
            "kind": kind,
            "id_number": id_number,
            "name": name,
            "inmate_number": inmate_number,
            "subject": rng.choice(SUBJECTS),
            "content": "谈话对象情绪稳定，对改造生活无异议",
        },
        actor=user,
    )


def _inspections(
    user: User, facility: SupervisedFacility, days: list[date], rng: random.Random
) -> None:
    for index, day in enumerate(sorted({days[min(2, len(days) - 1)], days[-1]})):
        kind = (
            Inspection.Kind.HOLIDAY if index == 1 and day.month == 9 else Inspection.Kind.SCHEDULED
        )
        flagged = rng.choice(list(CHECKLIST))
        checklist = {
            code: {"result": "存在问题" if code == flagged else "正常", "note": ""}
            for code in CHECKLIST
        }
        checklist[flagged]["note"] = f"{CHECKLIST[flagged]}存在隐患，已现场反馈"
        inspection = actions.create_inspection(
            facility,
            {
                "day": day,
                "kind": kind,
                "inspectors": str(user),
                "checklist": checklist,
                "summary": "检查监区、监室及生活卫生设施，发现隐患已现场反馈",
            },
            actor=user,
        )
        problem = actions.add_inspection_problem(
            inspection,
            {
                "category": CHECKLIST[flagged],
                "description": checklist[flagged]["note"],
                "handling": Problem.Handling.ORAL,
            },
            actor=user,
        )
        _rectify(user, problem, rng)


def _complaints(
    user: User,
    facility: SupervisedFacility,
    days: list[date],
    held: list[tuple[str, str, str]],
    rng: random.Random,
) -> None:
    if not held:
        return
    for _ in range(rng.randint(1, 2)):
        kind, content, clue = rng.choice(COMPLAINTS)
        received = rng.choice(days)
        id_number, name, _ = rng.choice(held)
        complaint = actions.record_complaint(
            facility,
            {
                "received_on": received,
                "kind": kind,
                "complainant": name,
                "complainant_id_number": id_number,
                "content": content,
                "is_investigation_clue": clue,
            },
            actor=user,
        )
        if clue:
            actions.update_complaint(
                complaint,
                {
                    "transferred_to": "检察侦查部门",
                    "transferred_on": received + timedelta(days=rng.randint(2, 6)),
                },
                actor=user,
            )
