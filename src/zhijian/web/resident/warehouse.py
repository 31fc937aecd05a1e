"""What the resident pages read from the warehouse: a facility's population and changes
on one day (to pre-fill the log), an inmate found by ID number or inmate number, and
the facility's 假释 and 暂予监外执行 for the registers (``release_changes``).

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


# 假释 and 暂予监外执行 proposed by the facility (报请场所) for the registers: those proposed
# in the period (by proposal_date, or decision_date when the proposal date is not known)
# and those that took effect in it (decision_date). The place of execution is the
# county of the person's community-corrections case: the case of the change, else the
# person's case of the same kind closest to the decision.
RELEASE_CHANGES_SQL = """
with changes as (
    select
        sc.change_id, sc.id_number, sc.name, sc.change_type, sc.proposal_date,
        sc.decision_date, sc.decided_by, sc.parole_months, sc.medical_reason,
        (
            select cc.agency_region_code
            from community_corrections cc
            where cc.change_id = sc.change_id
               or (cc.id_number = sc.id_number and cc.correction_type = sc.change_type)
            order by
                (cc.change_id is not distinct from sc.change_id) desc,
                abs(cc.decision_effective_date - sc.decision_date),
                cc.case_id
            limit 1
        ) as agency_region_code
    from sentence_changes sc
    where sc.facility_code = $facility
      and sc.change_type in ('假释', '暂予监外执行')
      and (coalesce(sc.proposal_date, sc.decision_date) between $start and $end
           or sc.decision_date between $start and $end)
)
select
    c.*,
    (
        select min(f.name) from facilities f
        where f.facility_type = '社区矫正机构' and f.region_code = c.agency_region_code
    ) as agency_name
from changes c
order by coalesce(c.proposal_date, c.decision_date), c.decision_date, c.change_id
"""


@dataclass(frozen=True)
class ReleaseChange:
    """One 假释 or 暂予监外执行 the facility proposed, as the registers show it."""

    change_id: str
    id_number: str
    name: str
    change_type: str
    proposal_date: date | None
    decision_date: date | None
    decided_by: str
    parole_months: int | None
    medical_reason: str
    place: str  # 执行地: county of the community-corrections case, or ""

    @property
    def reported_on(self) -> date | None:
        """The date that places the change in a period: proposed, else decided."""
        return self.proposal_date or self.decision_date


def release_changes(facility_code: str, start: date, end: date) -> list[ReleaseChange]:
    """The facility's 假释 and 暂予监外执行 proposed or taking effect between ``start``
    and ``end`` (inclusive); empty when the warehouse holds none."""
    snapshot = connect()
    try:
        cursor = snapshot.connection.execute(
            RELEASE_CHANGES_SQL, {"facility": facility_code, "start": start, "end": end}
        )
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        snapshot.connection.close()
    return [
        ReleaseChange(
            change_id=str(row["change_id"]),
            id_number=str(row["id_number"]),
            name=str(row["name"] or ""),
            change_type=str(row["change_type"]),
            proposal_date=row["proposal_date"],
            decision_date=row["decision_date"],
            decided_by=str(row["decided_by"] or ""),
            parole_months=row["parole_months"],
            medical_reason=str(row["medical_reason"] or ""),
            place=_place(row["agency_region_code"], row["agency_name"]),
        )
        for row in rows
    ]


def _place(region_code: str | None, agency_name: str | None) -> str:
    """A county code as 市 and 县 (济南市历下区), else the corrections agency's name, else
    the code itself."""
    if not region_code:
        return ""
    from zhijian.synth.people import counties  # loads numpy: only when used

    names = {county.code: county.full_name for county in counties()}
    return names.get(region_code) or agency_name or region_code
