"""The figures of the dashboard, from two GROUP BY queries over the leads the user may
see, whatever their number: one by category, status, facility and model (which gives
the headline numbers, the category and status chart, the cities through the facilities
and the models with the most confirmed leads), one by month of creation.

Over a million leads the two take about a second for the 省院, and the dashboard is
every user's first page: each server process keeps a scope's figures for a minute
(``FIGURES_SECONDS``), and the page says when they were counted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from zhijian.supervision.spec import CATEGORIES
from zhijian.web.accounts import access
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
FIGURES_SECONDS = 60
# Per server process: a scope (the visible facility codes; None: every facility) →
# (monotonic time counted, its figures).
_FIGURES: dict[frozenset[str] | None, tuple[float, Overview]] = {}
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every scope's figures (tests)."""
    with _LOCK:
        _FIGURES.clear()


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
    counted_at: datetime


def overview(user: Any) -> Overview:
    """The figures of the user's scope, counted at most ``FIGURES_SECONDS`` ago."""
    scope = access.visible_facility_codes(user)
    now = time.monotonic()
    found = _FIGURES.get(scope)
    if found is not None and now - found[0] < FIGURES_SECONDS:
        return found[1]
    figures = count_figures(user)
    with _LOCK:
        _FIGURES[scope] = (now, figures)
    return figures


def count_figures(user: Any) -> Overview:
    leads = access.leads_for(user).order_by()
    groups = list(
        leads.values_list("category", "status", "facility_code", "model_id").annotate(
            count=Count("pk"), name=Max("model_name")
        )
    )
    by_status = Counter[tuple[str, str]]()
    for category, status, _, _, count, _ in groups:
        by_status[category, status] += count
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
        "city": _by_city(user, groups),
        "month": _by_month(leads),
        "top_models": _top_models(groups),
    }
    return Overview(headline, charts, timezone.now())


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


def _by_city(user: Any, groups: list[tuple[Any, ...]]) -> dict[str, Any]:
    facilities = access.facilities_by_code(user)
    counts = Counter[str]()
    for _, _, code, _, count, _ in groups:
        facility = facilities.get(code)
        counts[(facility.city_code if facility else "") or UNKNOWN_CITY] += count
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


def _top_models(groups: list[tuple[Any, ...]]) -> dict[str, Any]:
    confirmed = Counter[str]()
    names: dict[str, str] = {}
    for _, status, _, model_id, count, name in groups:
        if status in CONFIRMED_STATUSES:
            confirmed[model_id] += count
            names[model_id] = max(names.get(model_id, name), name)
    top = sorted(confirmed.items(), key=lambda item: (-item[1], item[0]))[:TOP_MODELS]
    return {
        "models": [names[model_id] for model_id, _ in top],
        "model_ids": [model_id for model_id, _ in top],
        "values": [count for _, count in top],
    }
