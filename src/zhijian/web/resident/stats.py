"""Counts of resident work for a unit and a period: per office, per city and in total.

Records are read through the scope helpers (so a user never counts what they may not
see) and grouped by the office that wrote them. A *day on site* is a working day
(Monday to Friday; public holidays and make-up working days are not known to the
platform) with a submitted log. The goal of at least 16 working days a month comes from
《人民检察院监狱检察办法》第五十一条 as the project's research notes quote it; that text
is not among the statutes the platform holds, so the citation is marked unverified
wherever it is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from zhijian.web.accounts.models import Unit
from zhijian.web.resident import scope
from zhijian.web.resident.models import DailyLog, Talk

DAYS_ON_SITE_GOAL = 16
GOAL_CITATION = "《人民检察院监狱检察办法》第五十一条（未核对原文）"
TALK_RULE_CITATION = "《人民检察院监狱检察办法》第三十九条（未核对原文）"
MEASURES = (
    "logs",
    "inspections",
    "talks",
    "individual_talks",
    "complaints",
    "problems",
    "rectified",
    "leads",
)
MEASURE_LABELS = {
    "logs": "检察日志（篇）",
    "inspections": "安全防范检察（次）",
    "talks": "谈话教育（人次）",
    "individual_talks": "其中个别谈话",
    "complaints": "控告、举报、申诉（件）",
    "problems": "发现问题（个）",
    "rectified": "已整改（个）",
    "leads": "转为线索（条）",
}


@dataclass
class Row:
    """One office's, one city's or the whole scope's counts."""

    unit: Unit | None
    label: str
    level: str  # 派驻单位, 市院小计, 合计
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    days_on_site: dict[str, int] = field(default_factory=dict)  # "2026-05" → days

    def add(self, other: Row) -> None:
        for name in MEASURES:
            self.counts[name] += other.counts[name]

    @property
    def months_below_goal(self) -> list[str]:
        return [m for m, days in self.days_on_site.items() if days < DAYS_ON_SITE_GOAL]


@dataclass
class Statistics:
    root: Unit
    start: date
    end: date
    months: list[str]
    offices: list[Row]
    cities: list[Row]
    total: Row
    complete_months: set[str]

    def chart_data(self) -> dict[str, Any]:
        """What the page's ECharts draw (passed with json_script)."""
        offices = self.offices[:30]
        return {
            "offices": [row.label for row in offices],
            "measures": [
                {"name": MEASURE_LABELS[m], "data": [row.counts[m] for row in offices]}
                for m in ("logs", "inspections", "talks", "problems")
            ],
            "months": self.months,
            "days": [
                {"name": row.label, "data": [row.days_on_site.get(m, 0) for m in self.months]}
                for row in offices[:12]
            ],
            "goal": DAYS_ON_SITE_GOAL,
        }


def working_days(first: date, last: date) -> list[date]:
    """Monday to Friday between the dates, both included."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def month_keys(start: date, end: date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def compute(user: Any, root: Unit, start: date, end: date, today: date) -> Statistics:
    """The counts of every office below ``root`` that the user may see, in the period."""
    months = month_keys(start, end)
    under = Q(office__path__startswith=root.path)
    counts = _counts(user, under, start, end)
    days = _days_on_site(user, under, start, end)
    ids = {office_id for pairs in counts.values() for office_id, _ in pairs}
    ids |= {office_id for office_id, _, _ in days}
    rows = {pk: Row(unit, unit.name, "派驻单位") for pk, unit in Unit.objects.in_bulk(ids).items()}
    for name, pairs in counts.items():
        for office_id, value in pairs:
            rows[office_id].counts[name] = value
    for office_id, month, found in days:
        rows[office_id].days_on_site[month] = found
    offices = sorted(rows.values(), key=lambda r: r.unit.path if r.unit else "")
    cities = _city_rows(offices)
    total = Row(root, f"{root.name}合计", "合计")
    for office in offices:
        total.add(office)
    complete = {m for m in months if _month_end(m) <= min(end, today)}
    return Statistics(root, start, end, months, offices, cities, total, complete)


def _counts(user: Any, under: Q, start: date, end: date) -> dict[str, list[tuple[int, int]]]:
    def per_office(queryset: Any, **filters: Any) -> list[tuple[int, int]]:
        return list(
            queryset.filter(under, **filters)
            .values("office_id")
            .annotate(n=Count("pk"))
            .values_list("office_id", "n")
            .order_by()
        )

    period = {"day__gte": start, "day__lte": end}
    return {
        "logs": per_office(scope.logs_for(user), status=DailyLog.Status.SUBMITTED, **period),
        "inspections": per_office(scope.inspections_for(user), **period),
        "talks": per_office(scope.talks_for(user), **period),
        "individual_talks": per_office(scope.talks_for(user), kind=Talk.Kind.INDIVIDUAL, **period),
        "complaints": per_office(
            scope.complaints_for(user), received_on__gte=start, received_on__lte=end
        ),
        "problems": per_office(scope.problems_for(user), found_on__gte=start, found_on__lte=end),
        "rectified": per_office(
            scope.problems_for(user), rectified_on__gte=start, rectified_on__lte=end
        ),
        "leads": per_office(
            scope.problems_for(user), lead__isnull=False, found_on__gte=start, found_on__lte=end
        ),
    }


def _days_on_site(user: Any, under: Q, start: date, end: date) -> list[tuple[int, str, int]]:
    """(office, month, working days with a submitted log)."""
    days: dict[tuple[int, str], set[date]] = defaultdict(set)
    logs = (
        scope.logs_for(user)
        .filter(under, status=DailyLog.Status.SUBMITTED, day__gte=start, day__lte=end)
        .values_list("office_id", "day")
        .order_by()
    )
    for office_id, day in logs:
        if day.weekday() < 5:
            days[(office_id, f"{day:%Y-%m}")].add(day)
    return [(office, month, len(found)) for (office, month), found in days.items()]


def _month_end(key: str) -> date:
    year, month = (int(part) for part in key.split("-"))
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def _city_rows(offices: list[Row]) -> list[Row]:
    """A subtotal per 市院 above the offices (an office with no 市院 above it is left out
    of the subtotals, not of the total)."""
    ids = {int(part) for row in offices if row.unit for part in row.unit.path.strip("/").split("/")}
    cities = {u.pk: u for u in Unit.objects.filter(pk__in=ids, kind=Unit.Kind.CITY)}
    subtotals: dict[int, Row] = {}
    for office in offices:
        assert office.unit is not None
        path_ids = [int(part) for part in office.unit.path.strip("/").split("/")]
        city_id = next((pk for pk in path_ids if pk in cities), None)
        if city_id is None:
            continue
        city = cities[city_id]
        subtotal = subtotals.setdefault(city_id, Row(city, f"{city.name}小计", "市院小计"))
        subtotal.add(office)
        for month, days in office.days_on_site.items():
            subtotal.days_on_site[month] = subtotal.days_on_site.get(month, 0) + days
    return sorted(subtotals.values(), key=lambda r: r.unit.path if r.unit else "")


@dataclass(frozen=True)
class WeekStatus:
    monday: date
    individual_talks: int

    @property
    def met(self) -> bool:
        return self.individual_talks >= 1


def talk_weeks(user: Any, office: Unit, weeks: int, today: date) -> list[WeekStatus]:
    """The last ``weeks`` weeks (Monday to Sunday, this week first) and how many
    individual talks the office held in each."""
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    days = (
        scope.talks_for(user)
        .filter(office=office, kind=Talk.Kind.INDIVIDUAL, day__gte=first, day__lte=today)
        .values_list("day", flat=True)
        .order_by()
    )
    per_week: dict[date, int] = defaultdict(int)
    for day in days:
        per_week[day - timedelta(days=day.weekday())] += 1
    return [
        WeekStatus(monday, per_week.get(monday, 0))
        for monday in (this_monday - timedelta(weeks=i) for i in range(weeks))
    ]
