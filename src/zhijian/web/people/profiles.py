"""A person as a user may see them: ``get_person_for_user`` (404 outside the user's
scope) and ``search_people`` (only people in scope).

A person is in a user's scope when one of their leads is (``access.leads_for``) or one
of their warehouse rows names a facility the user supervises
(``access.visible_facility_codes``); a user who sees every facility sees everyone.
Everything about a person in scope is then shown: the whole record is the point.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from django.db.models import Count
from django.http import Http404

from zhijian.law.idnumber import check_id_number
from zhijian.warehouse.compute import connect
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts import access
from zhijian.web.accounts.models import SupervisedFacility
from zhijian.web.leads.models import Lead
from zhijian.web.people import keyindex, records

# A search box holding 15 digits, or 17 digits and a digit or X, holds an ID number.
ID_NUMBER_LIKE = re.compile(r"\d{15}|\d{17}[\dX]")


@contextmanager
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only DuckDB connection over the workspace's warehouse, closed afterwards."""
    snapshot = connect(Workspace.from_environment(), memory_limit="1GB")
    try:
        yield snapshot.connection
    finally:
        snapshot.connection.close()


@dataclass
class Person:
    id_number: str
    key: str
    name: str
    leads: list[Lead]
    timeline: records.Timeline
    payments: list[records.MonthlyPayment]
    facilities: dict[str, SupervisedFacility] = field(default_factory=dict)


def get_person_for_user(user: Any, key: str) -> Person:
    """The person behind the key with their record, or 404 when the key is unknown or the
    person is outside the user's scope."""
    id_number = keyindex.resolve(key)
    if id_number is None:
        raise Http404("人员不存在或无权查看")
    leads = list(access.leads_for(user).filter(id_number=id_number).order_by("-created_at", "-pk"))
    with warehouse() as con:
        if not leads and not _sees_in_warehouse(user, con, id_number):
            raise Http404("人员不存在或无权查看")
        name = records.name_of(con, id_number)
        timeline = records.timeline(con, id_number)
        payments = records.monthly_payments(con, id_number)
    codes = {str(f.value) for e in timeline.events for f in e.facts if f.is_facility}
    codes |= {lead.facility_code for lead in leads if lead.facility_code}
    facilities = SupervisedFacility.objects.in_bulk(sorted(codes), field_name="facility_code")
    timeline.events = [_with_facility_names(event, facilities) for event in timeline.events]
    return Person(
        id_number=id_number,
        key=key,
        name=name or next((lead.name for lead in leads if lead.name), ""),
        leads=leads,
        timeline=timeline,
        payments=payments,
        facilities=facilities,
    )


def _with_facility_names(
    event: records.Event, facilities: dict[str, SupervisedFacility]
) -> records.Event:
    """The event with each facility code written as 名称（编码） where the name is known."""
    facts = tuple(
        replace(fact, value=str(facilities[fact.value]))
        if fact.is_facility and fact.value in facilities
        else fact
        for fact in event.facts
    )
    return replace(event, facts=facts)


def _sees_in_warehouse(user: Any, con: duckdb.DuckDBPyConnection, id_number: str) -> bool:
    visible = access.visible_facility_codes(user)
    if visible is None:
        return records.name_of(con, id_number) is not None
    return bool(records.facility_codes(con, id_number) & visible)


@dataclass(frozen=True)
class SearchResult:
    key: str
    name: str
    shown_id: str  # whole or masked, as the user's role allows
    lead_count: int


def normalize_query(text: str) -> tuple[str, bool]:
    """The query, and whether it is an ID number (then upper-cased, a valid 15-digit
    number upgraded to 18)."""
    query = text.strip().replace(" ", "").upper() if text else ""
    if not ID_NUMBER_LIKE.fullmatch(query):
        return text.strip(), False
    checked = check_id_number(query)
    return (checked.normalized if checked.valid and checked.normalized else query), True


def search_people(user: Any, text: str) -> list[SearchResult]:
    """The people in the user's scope with this ID number or exactly this name, by ID
    number; their keys are indexed so that the results can link to them."""
    query, is_id_number = normalize_query(text)
    if not query:
        return []
    leads = access.leads_for(user)
    leads = leads.filter(id_number=query) if is_id_number else leads.filter(name=query)
    lead_people = dict(
        leads.order_by("id_number").values_list("id_number", "name")[: records.SEARCH_LIMIT]
    )
    with warehouse() as con:
        found = _search_warehouse(user, con, query, is_id_number)
    names = {**found, **{n: name for n, name in lead_people.items() if n not in found}}
    numbers = sorted(names)[: records.SEARCH_LIMIT]
    keys = keyindex.remember(numbers)
    lead_counts = _lead_counts(user, numbers)
    return [
        SearchResult(keys[n], names[n], access.display_id(user, n), lead_counts.get(n, 0))
        for n in numbers
    ]


def _search_warehouse(
    user: Any, con: duckdb.DuckDBPyConnection, query: str, is_id_number: bool
) -> dict[str, str]:
    """number → name of the people in the warehouse the user may see."""
    if is_id_number:
        name = records.name_of(con, query)
        if name is None or not _sees_in_warehouse(user, con, query):
            return {}
        return {query: name}
    visible = access.visible_facility_codes(user)
    return {f.id_number: f.name for f in records.find_by_name(con, query, visible)}


def _lead_counts(user: Any, numbers: list[str]) -> dict[str, int]:
    rows = (
        access.leads_for(user)
        .filter(id_number__in=numbers)
        .values("id_number")
        .annotate(count=Count("pk"))
        .values_list("id_number", "count")
    )
    return dict(rows)
