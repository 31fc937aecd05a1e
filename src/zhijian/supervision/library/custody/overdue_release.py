"""刑期届满未释放、刑期止日计算错误: for each prisoner still held on a fixed-term
judgment, the term end is recomputed from the judgment's 刑期起日 and its length less
every reduction ruled on by the as-of date (``zhijian.law.terms``, default counting
conventions: docs/law.md). A recomputed end before the as-of date while still held, or
a facility's 现刑期止日 that differs from it, is a hit."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from zhijian.law.errors import LawInputError
from zhijian.law.terms import apply_reductions
from zhijian.supervision.kernel_input import rows

HELD = """
select r.record_id, r.id_number, r.name, r.facility_code, r.judgment_id,
       r.current_term_end, r.admission_date,
       j.term_start, j.term_months, j.term_end as judgment_term_end
from custody_records r
join judgments j on j.judgment_id = r.judgment_id
where r.status = '在押'
  and r.custody_type in ('服刑', '留所服刑')
  and j.principal_penalty = '有期徒刑'
  and j.term_start is not null
  and j.term_months is not null
  and r.admission_date <= $as_of
"""

REDUCTIONS = """
select judgment_id, list(reduction_months order by decision_date) as months
from sentence_changes
where change_type = '减刑' and decision_date <= $as_of and reduction_months is not null
group by judgment_id
"""

CONVERSIONS = """
select distinct judgment_id from sentence_changes
where change_type in ('假释', '暂予监外执行', '无期减为有期徒刑', '死缓减为有期徒刑')
  and decision_date <= $as_of
"""


def hits(
    con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    reductions = {r["judgment_id"]: r["months"] for r in rows(con, REDUCTIONS, {"as_of": as_of})}
    changed = {r["judgment_id"] for r in rows(con, CONVERSIONS, {"as_of": as_of})}
    found = []
    for record in rows(con, HELD, {"as_of": as_of}):
        if record["judgment_id"] in changed:
            continue  # released on parole or outside prison: other models' business
        hit = _check(record, list(reductions.get(record["judgment_id"]) or []), as_of)
        if hit is not None:
            found.append(hit)
    return found


def _check(record: dict[str, Any], months: list[int], as_of: date) -> dict[str, Any] | None:
    try:
        end = apply_reductions(record["term_start"], record["term_months"], months)
    except LawInputError:
        return None
    problems = []
    if end < as_of:
        problems.append(f"刑期已于{end.isoformat()}届满，至{as_of.isoformat()}仍在押")
    if record["current_term_end"] is not None and record["current_term_end"] != end:
        problems.append(
            f"场所登记的现刑期止日{record['current_term_end'].isoformat()}与重新计算的{end.isoformat()}不一致"
        )
    if not problems:
        return None
    return {
        "id_number": record["id_number"],
        "name": record["name"],
        "facility_code": record["facility_code"],
        "evidence": {
            "record_id": record["record_id"],
            "judgment_id": record["judgment_id"],
            "term_start": record["term_start"],
            "term_months": record["term_months"],
            "reduction_months": sum(months),
            "recomputed_term_end": end,
            "current_term_end": record["current_term_end"],
            "problem": "；".join(problems),
        },
    }
