"""What the resident pages read from the warehouse: a facility's population and changes
on one day (to pre-fill the log), and an inmate found by ID number or inmate number.

Every value is bound as a parameter. Nothing here knows about users: the caller checks
that the user may see the facility. When the warehouse has no rows for the facility
the answers are empty, never an error: a log is written whether or not data exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from zhijian.warehouse.compute import connect

# release_reason → the log's count (data standard, custody_records.release_reason).
RELEASE_COUNTS: dict[str, str] = {
    "刑满释放": "released",
    "假释": "released",
    "释放": "released",
    "送交监狱": "transferred_out",
    "移押": "transferred_out",
    "死亡": "deaths",
    "脱逃": "escapes",
    "暂予监外执行": "temporary_release",
}

# One row: population at the end of the day, admissions split into transfers in (the
# person left another facility by 移押 on or before the day of admission, within a week)
# and new admissions, and releases by reason; 所外就医 from custody_events.
DAY_SQL = """
with
records as (
    select id_number, admission_date, release_date, release_reason
    from custody_records
    where facility_code = $facility
),
arrivals as (
    select
        r.id_number,
        exists (
            select 1 from custody_records other
            where other.id_number = r.id_number
              and other.facility_code <> $facility
              and other.release_reason = '移押'
              and other.release_date between r.admission_date - 7 and r.admission_date
        ) as is_transfer
    from records r
    where r.admission_date = $day
),
final as (
    select
        (select count(*) from records
         where admission_date <= $day and (release_date is null or release_date > $day))
            as population,
        (select count(*) from arrivals where not is_transfer) as admitted,
        (select count(*) from arrivals where is_transfer) as transferred_in,
        (select count(*) from records) as known_rows
)
select * from final
"""
RELEASES_SQL = """
select release_reason, count(*) as people
from custody_records
where facility_code = $facility and release_date = $day
group by release_reason
"""
MEDICAL_SQL = """
select count(*) from custody_events
where facility_code = $facility and event_type = '出所就医' and cast(start_time as date) = $day
"""
INMATE_SQL = """
select id_number, name, inmate_number, custody_type, admission_date, release_date, status
from custody_records
where facility_code = $facility and (id_number = $key or inmate_number = $key)
order by admission_date desc
limit 1
"""


@dataclass(frozen=True)
class Inmate:
    id_number: str
    name: str
    inmate_number: str
    custody_type: str
    admission_date: date | None
    release_date: date | None
    status: str


def day_counts(facility_code: str, day: date) -> dict[str, int]:
    """The log's counts for the facility and day from the warehouse, or ``{}`` when the
    warehouse holds no custody rows for the facility."""
    return counts_for_days(facility_code, [day]).get(day, {})


def counts_for_days(facility_code: str, days: list[date]) -> dict[date, dict[str, int]]:
    """``day_counts`` for several days on one warehouse connection; ``{}`` when the
    warehouse holds no custody rows for the facility."""
    snapshot = connect()
    try:
        return {
            day: counts
            for day in days
            if (counts := _counts(snapshot.connection, facility_code, day))
        }
    finally:
        snapshot.connection.close()


def _counts(con: Any, facility_code: str, day: date) -> dict[str, int]:
    params: dict[str, Any] = {"facility": facility_code, "day": day}
    cursor = con.execute(DAY_SQL, params)
    columns = [d[0] for d in cursor.description]
    row = dict(zip(columns, cursor.fetchone() or (), strict=True))
    if not row.get("known_rows"):
        return {}
    counts = {name: int(row[name]) for name in ("population", "admitted", "transferred_in")}
    counts |= dict.fromkeys(("released", "transferred_out", "deaths", "escapes"), 0)
    counts["temporary_release"] = 0
    for reason, people in con.execute(RELEASES_SQL, params).fetchall():
        field = RELEASE_COUNTS.get(reason)
        if field:
            counts[field] += int(people)
    medical = con.execute(MEDICAL_SQL, params).fetchone()
    counts["outside_medical"] = int(medical[0]) if medical else 0
    return counts


HELD_SQL = """
select id_number, name, inmate_number
from custody_records
where facility_code = $facility
  and admission_date <= $day and (release_date is null or release_date > $day)
order by record_id
limit $limit
"""


def held_on(facility_code: str, day: date, limit: int = 200) -> list[tuple[str, str, str]]:
    """(ID number, name, inmate number) of up to ``limit`` people held at the facility
    at the end of ``day``."""
    snapshot = connect()
    try:
        rows = snapshot.connection.execute(
            HELD_SQL, {"facility": facility_code, "day": day, "limit": limit}
        ).fetchall()
    finally:
        snapshot.connection.close()
    return [(str(a), str(b or ""), str(c or "")) for a, b, c in rows]


def find_inmate(facility_code: str, key: str) -> Inmate | None:
    """The latest custody row at the facility whose ID number or inmate number is
    ``key``, or None."""
    key = key.strip().upper()
    if not key:
        return None
    snapshot = connect()
    try:
        row = snapshot.connection.execute(
            INMATE_SQL, {"facility": facility_code, "key": key}
        ).fetchone()
    finally:
        snapshot.connection.close()
    if row is None:
        return None
    return Inmate(
        id_number=str(row[0]),
        name=str(row[1] or ""),
        inmate_number=str(row[2] or ""),
        custody_type=str(row[3] or ""),
        admission_date=row[4],
        release_date=row[5],
        status=str(row[6] or ""),
    )
