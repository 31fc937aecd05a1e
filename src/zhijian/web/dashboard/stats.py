"""The figures of the dashboard, each one GROUP BY over the leads the user may see.

Five queries whatever the number of leads: by category and status (which also gives
the headline numbers), by facility (mapped to its city with one more query over the
facilities), by month of creation, and the models with the most confirmed leads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Count, Max
from django.db.models.functions import TruncMonth

from zhijian.supervision.spec import CATEGORIES
from zhijian.web.accounts import access
from zhijian.web.accounts.models import SupervisedFacility
from zhijian.web.leads.models import Lead

Status = Lead.Status
# 属实 and every status a confirmed lead moves on to.
CONFIRMED_STATUSES = (
    Status.CONFIRMED,
    Status.SUPERVISING,
    Status.AWAITING_REPLY,
    Status.RECTIFIED,
    Status.OVERDUE,
    Status.CLOSED,
)
TOP_MODELS = 10
UNKNOWN_CITY = "未登记场所"


@cache
def cities() -> tuple[tuple[str, str], ...]:
    """(code, name) of the 16 cities of Shandong."""
    from zhijian.synth.people import cities as synth_cities  # loads numpy: only when used

    return synth_cities()


@dataclass(frozen=True)
class Headline:
    total: int
    to_assign: int
    confirmed: int
    overdue: int


@dataclass(frozen=True)
class Overview:
    headline: Headline
    charts: dict[str, Any]  # what the page's charts draw, passed through json_script


def overview(user: Any) -> Overview:
    leads = access.leads_for(user).order_by()
    by_status = _by_category_and_status(leads)
    statuses = Counter[str]()
    for (_, status), count in by_status.items():
        statuses[status] += count
    headline = Headline(
        total=sum(statuses.values()),
        to_assign=statuses[Status.TO_ASSIGN],
        confirmed=sum(statuses[s] for s in CONFIRMED_STATUSES),
        overdue=statuses[Status.OVERDUE],
    )
    charts = {
        "category_status": _category_status_chart(by_status),
        "city": _by_city(leads),
        "month": _by_month(leads),
        "top_models": _top_models(leads),
    }
    return Overview(headline, charts)


def _by_category_and_status(leads: Any) -> dict[tuple[str, str], int]:
    rows = leads.values_list("category", "status").annotate(count=Count("pk"))
    return {(category, status): count for category, status, count in rows}


def _category_status_chart(by_status: dict[tuple[str, str], int]) -> dict[str, Any]:
    seen = {category for category, _ in by_status}
    categories = [c for c in CATEGORIES if c in seen] + sorted(seen - set(CATEGORIES))
    statuses = [s.value for s in Status if any(key[1] == s for key in by_status)]
    return {
        "categories": categories,
        "series": [
            {"name": status, "data": [by_status.get((c, status), 0) for c in categories]}
            for status in statuses
        ],
    }


def _by_city(leads: Any) -> dict[str, Any]:
    by_facility = dict(leads.values_list("facility_code").annotate(count=Count("pk")))
    city_of = dict(
        SupervisedFacility.objects.filter(facility_code__in=sorted(by_facility)).values_list(
            "facility_code", "city_code"
        )
    )
    counts = Counter[str]()
    for facility, count in by_facility.items():
        counts[city_of.get(facility) or UNKNOWN_CITY] += count
    names = [name for _, name in cities()]
    values = [counts[code] for code, _ in cities()]
    if counts[UNKNOWN_CITY]:
        names.append(UNKNOWN_CITY)
        values.append(counts[UNKNOWN_CITY])
    return {"names": names, "values": values}


def _by_month(leads: Any) -> dict[str, Any]:
    rows = (
        leads.annotate(month=TruncMonth("created_at"))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    )
    months: list[tuple[datetime, int]] = list(rows)
    return {
        "months": [month.strftime("%Y-%m") for month, _ in months],
        "values": [count for _, count in months],
    }


def _top_models(leads: Any) -> dict[str, Any]:
    rows = (
        leads.filter(status__in=CONFIRMED_STATUSES)
        .values("model_id")
        .annotate(count=Count("pk"), name=Max("model_name"))
        .order_by("-count", "model_id")[:TOP_MODELS]
    )
    return {
        "models": [row["name"] for row in rows],
        "model_ids": [row["model_id"] for row in rows],
        "values": [row["count"] for row in rows],
    }
