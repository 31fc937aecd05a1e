"""One person's rows in the warehouse, read through DuckDB: the timeline of events across
the datasets that carry an ``id_number``, benefit payments summarised by month, the
facilities the person's rows name (for the access check), and a search by name.

Every value is bound as a parameter; only column and table names from the constants
below are written into the SQL. Nothing here knows about users: scoping is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from zhijian.warehouse.standard import get_dataset

# At most this many rows of one kind of event on a page; the rest is counted, not shown.
EVENT_LIMIT = 300
# A search by name returns at most this many people.
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Source:
    """One kind of event: the rows of ``dataset`` that have a value in ``date_column``."""

    dataset: str
    date_column: str
    heading: str  # what the timeline calls the event, e.g. 收押
    title_columns: tuple[str, ...]
    detail_columns: tuple[str, ...] = ()
    condition: str = ""  # an extra filter, written here, never from input


SOURCES: tuple[Source, ...] = (
    Source(
        "judgments",
        "effective_date",
        "裁判生效",
        ("principal_penalty",),
        (
            "case_number",
            "court_name",
            "crimes",
            "term_months",
            "probation_months",
            "term_start",
            "term_end",
            "fine_yuan",
            "judgment_date",
        ),
    ),
    Source(
        "custody_records",
        "admission_date",
        "收押",
        ("custody_type",),
        ("facility_code", "inmate_number", "current_term_end", "status"),
    ),
    Source("custody_records", "release_date", "出所", ("release_reason",), ("facility_code",)),
    Source(
        "sentence_changes",
        "decision_date",
        "刑罚变更",
        ("change_type",),
        (
            "decided_by",
            "facility_code",
            "proposal_date",
            "reduction_months",
            "new_term_months",
            "new_term_end",
            "parole_months",
            "basis",
            "medical_reason",
            "property_status",
        ),
    ),
    Source(
        "property_judgments",
        "updated_on",
        "财产性判项",
        ("item_type", "status"),
        ("judgment_id", "amount_due_yuan", "amount_paid_yuan"),
    ),
    Source(
        "medical_reviews",
        "review_date",
        "病情复查",
        ("conclusion",),
        ("hospital", "designated_hospital"),
    ),
    Source(
        "community_corrections",
        "decision_effective_date",
        "社区矫正",
        ("correction_type",),
        ("agency_region_code", "registration_date", "start_date", "end_date"),
    ),
    Source(
        "community_corrections",
        "status_date",
        "矫正状态变更",
        ("status",),
        ("agency_region_code",),
    ),
    Source(
        "correction_events",
        "event_date",
        "矫正事件",
        ("event_type",),
        ("end_date", "destination_region_code", "note"),
    ),
    Source(
        "enforcement_measures",
        "start_date",
        "强制措施与处罚",
        ("measure_type",),
        ("agency", "facility_code", "end_date", "offence", "case_number"),
    ),
    Source(
        "detention_stages",
        "stage_start",
        "羁押阶段",
        ("stage",),
        ("case_number", "handling_agency", "facility_code", "deadline", "stage_end"),
    ),
    Source(
        "assessments",
        "month",
        "考核奖惩",
        ("award", "punishment"),
        ("facility_code", "score"),
        condition="(award is not null or punishment is not null)",
    ),
    Source(
        "custody_events",
        "start_time",
        "监管事件",
        ("event_type",),
        ("facility_code", "area_type", "end_time", "note"),
    ),
    Source(
        "travel_records", "event_time", "出行与住宿", ("record_type",), ("region_code", "detail")
    ),
    Source("deaths", "death_date", "死亡登记", ("source",), ("place",)),
)

# The datasets whose rows name a facility: a person is in a user's scope when one of
# their rows here names a facility the user supervises.
FACILITY_DATASETS = (
    "custody_records",
    "sentence_changes",
    "prison_accounts",
    "assessments",
    "enforcement_measures",
    "detention_stages",
    "custody_events",
)
# The datasets searched by name (every one with both id_number and name).
NAMED_DATASETS = (
    "judgments",
    "custody_records",
    "sentence_changes",
    "property_judgments",
    "prison_accounts",
    "assessments",
    "medical_reviews",
    "community_corrections",
    "enforcement_measures",
    "travel_records",
    "detention_stages",
    "deaths",
    "benefit_payments",
    "custody_events",
)


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    is_facility: bool = False


@dataclass(frozen=True)
class Event:
    at: datetime
    heading: str
    dataset_label: str
    title: str
    facts: tuple[Fact, ...]
    has_time: bool = False


@dataclass(frozen=True)
class MonthlyPayment:
    month: str
    payments: int
    total_yuan: Decimal
    benefit_types: str
    regions: str


@dataclass
class Timeline:
    events: list[Event] = field(default_factory=list)
    # heading → rows not shown because of EVENT_LIMIT
    left_off: dict[str, int] = field(default_factory=dict)


def timeline(con: duckdb.DuckDBPyConnection, id_number: str) -> Timeline:
    """Every event of the person, oldest first (same day: in the order of SOURCES)."""
    result = Timeline()
    for source in SOURCES:
        rows, total = _source_rows(con, source, id_number)
        result.events.extend(_event(source, row) for row in rows)
        if total > len(rows):
            result.left_off[source.heading] = total - len(rows)
    order = {source.heading: index for index, source in enumerate(SOURCES)}
    result.events.sort(key=lambda e: (e.at, order[e.heading]))
    return result


def _source_rows(
    con: duckdb.DuckDBPyConnection, source: Source, id_number: str
) -> tuple[list[dict[str, Any]], int]:
    on = _date_sql(source)
    where = f"id_number = $id_number and {source.date_column} is not null"
    if source.condition:
        where += f" and {source.condition}"
    columns = ", ".join(dict.fromkeys((*source.title_columns, *source.detail_columns)))
    sql = (
        f"select {on} as _at, {columns}, count(*) over () as _total "
        f"from {source.dataset} where {where} order by _at limit {EVENT_LIMIT}"
    )
    cursor = con.execute(sql, {"id_number": id_number})
    names = [d[0] for d in cursor.description or []]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    total = int(rows[0]["_total"]) if rows else 0
    return rows, total


def _date_sql(source: Source) -> str:
    if source.date_column == "month":  # 'YYYY-MM' text
        return "strptime(month || '-01', '%Y-%m-%d')"
    return f"cast({source.date_column} as timestamp)"


def _event(source: Source, row: dict[str, Any]) -> Event:
    dataset = get_dataset(source.dataset)
    title = " · ".join(display(row[c]) for c in source.title_columns if row[c] is not None)
    facts = tuple(
        Fact(dataset.column(c).label, display(row[c]), is_facility=c == "facility_code")
        for c in source.detail_columns
        if row[c] is not None and row[c] != []
    )
    at: datetime = row["_at"]
    return Event(
        at=at,
        heading=source.heading,
        dataset_label=dataset.label,
        title=title,
        facts=facts,
        has_time=source.date_column.endswith("_time"),
    )


def display(value: Any) -> Any:
    """A warehouse value as the page shows it."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time() else value.date()
    if isinstance(value, date | Decimal):
        return value
    return value


def monthly_payments(con: duckdb.DuckDBPyConnection, id_number: str) -> list[MonthlyPayment]:
    """The person's benefit payments, one line per month, oldest first."""
    rows = con.execute(
        """
        select
            month,
            count(*) as payments,
            sum(amount_yuan) as total_yuan,
            string_agg(distinct benefit_type, '、' order by benefit_type) as benefit_types,
            string_agg(distinct paying_region_code, '、' order by paying_region_code) as regions
        from benefit_payments
        where id_number = $id_number
        group by month
        order by month
        """,
        {"id_number": id_number},
    ).fetchall()
    return [MonthlyPayment(*row) for row in rows]


def facility_codes(con: duckdb.DuckDBPyConnection, id_number: str) -> set[str]:
    """The facilities the person's rows name."""
    union = " union ".join(
        f"select facility_code from {name} where id_number = $id_number"
        for name in FACILITY_DATASETS
    )
    rows = con.execute(
        f"select facility_code from ({union}) where facility_code is not null",
        {"id_number": id_number},
    ).fetchall()
    return {row[0] for row in rows}


@dataclass(frozen=True)
class Found:
    id_number: str
    name: str
    facility_codes: frozenset[str]


def find_by_name(
    con: duckdb.DuckDBPyConnection, name: str, visible_codes: frozenset[str] | None
) -> list[Found]:
    """People with exactly this name in any dataset, at most SEARCH_LIMIT of them, with
    the facilities their rows name. With ``visible_codes`` only the people one of whose
    rows names one of those facilities (``None``: everyone)."""
    parts = [
        f"select id_number, name, "
        f"{'facility_code' if dataset in FACILITY_DATASETS else 'null'} as facility_code "
        f"from {dataset} where name = $name"
        for dataset in NAMED_DATASETS
    ]
    scoped = "" if visible_codes is None else "having list_has_any(codes, $visible)"
    parameters: dict[str, Any] = {"name": name}
    if visible_codes is not None:
        parameters["visible"] = sorted(visible_codes)
    rows = con.execute(
        f"""
        select
            id_number,
            min(name) as name,
            coalesce(list(distinct facility_code) filter (facility_code is not null), [])
                as codes
        from ({" union all ".join(parts)})
        group by id_number
        {scoped}
        order by id_number
        limit {SEARCH_LIMIT}
        """,
        parameters,
    ).fetchall()
    return [Found(row[0], row[1], frozenset(row[2])) for row in rows]


def name_of(con: duckdb.DuckDBPyConnection, id_number: str) -> str | None:
    """The person's name as the warehouse has it (the judgment's first), or None when no
    dataset has the number."""
    parts = [
        f"select {rank} as rank, name from {dataset} where id_number = $id_number"
        for rank, dataset in enumerate(NAMED_DATASETS)
    ]
    row = con.execute(
        f"select name from ({' union all '.join(parts)}) order by rank, name limit 1",
        {"id_number": id_number},
    ).fetchone()
    return None if row is None else str(row[0] or "")
