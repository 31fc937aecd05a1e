"""减刑起始时间、间隔、幅度违规: every reduction ruled on by the as-of date, checked by
the legal kernel (``zhijian.law.rules``) against the judgment and the rulings before it.

SQL cannot hold the reduction tables of 法释〔2016〕23号 and 〔2019〕6号, so this model
is Python; it reads the warehouse through the same sandboxed connection and keeps the
yml, evidence and tests of every model.

How the kernel's input is built from the data standard:
- 交付执行日期: the earliest admission to a prison (监狱、未成年犯管教所) for the judgment.
- 先行羁押日数: from the judgment's 先行羁押日期 to that admission.
- history: the changes of the judgment decided before this one, by decision date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from zhijian.law.errors import LawInputError
from zhijian.law.rules import VIOLATION, check
from zhijian.law.rules.case import HISTORY_TYPES

CHANGES = """
select c.change_id, c.id_number, c.name, c.judgment_id, c.facility_code, c.change_type,
       c.proposal_date, c.decision_date, c.served_date, c.reduction_months,
       c.new_term_months, c.basis
from sentence_changes c
where c.change_type in ('减刑', '死缓减为无期徒刑', '死缓减为有期徒刑', '无期减为有期徒刑')
  and c.decision_date <= $as_of
order by c.judgment_id, c.decision_date, c.change_id
"""

JUDGMENTS = """
select j.judgment_id, j.principal_penalty, j.term_months, j.crimes, j.recidivist,
       j.limited_reduction, j.life_without_parole, j.effective_date,
       j.pretrial_detention_date, min(r.admission_date) as delivered
from judgments j
join custody_records r on r.judgment_id = j.judgment_id and r.custody_type = '服刑'
join facilities f on f.facility_code = r.facility_code
  and f.facility_type in ('监狱', '未成年犯管教所')
where j.principal_penalty in ('有期徒刑', '无期徒刑', '死刑缓期二年执行')
group by all
"""

PROPOSAL_TYPES = {"减刑", "死缓减为有期徒刑", "无期减为有期徒刑"}


def hits(
    con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    judgments = {row["judgment_id"]: row for row in _rows(con, JUDGMENTS, {})}
    changes = _rows(con, CHANGES, {"as_of": as_of})
    found = []
    for index, change in enumerate(changes):
        judgment = judgments.get(change["judgment_id"])
        if judgment is None or change["change_type"] not in PROPOSAL_TYPES:
            continue
        earlier = [c for c in changes[:index] if c["judgment_id"] == change["judgment_id"]]
        hit = _check_one(judgment, earlier, change)
        if hit is not None:
            found.append(hit)
    return found


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    result = con.execute(sql, parameters)
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _check_one(
    judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any] | None:
    try:
        result = check(_case(judgment, earlier, change))
    except LawInputError:
        return None  # incomplete or inconsistent records: not a finding of this model
    violations = [f for f in result.findings if f.level == VIOLATION]
    if not violations:
        return None
    return {
        "id_number": change["id_number"],
        "name": change["name"],
        "facility_code": change["facility_code"],
        "evidence": {
            "change_id": change["change_id"],
            "judgment_id": change["judgment_id"],
            "change_type": change["change_type"],
            "proposal_date": change["proposal_date"],
            "decision_date": change["decision_date"],
            "reduction_months": change["reduction_months"],
            "basis": change["basis"],
            "tier": result.tier,
            "rules": [f.rule for f in violations],
            "findings": "；".join(f.message for f in violations),
            "citations": "；".join(dict.fromkeys(f.citation for f in violations)),
        },
    }


def _case(
    judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any]:
    delivered: date = judgment["delivered"]
    detained: date | None = judgment["pretrial_detention_date"]
    return {
        "penalty": judgment["principal_penalty"],
        "term_months": judgment["term_months"]
        if judgment["principal_penalty"] == "有期徒刑"
        else None,
        "crimes": list(judgment["crimes"] or []),
        "recidivist": bool(judgment["recidivist"]),
        "limited_reduction": bool(judgment["limited_reduction"]),
        "life_without_parole": bool(judgment["life_without_parole"]),
        "judgment_effective_date": judgment["effective_date"].isoformat(),
        "execution_start_date": delivered.isoformat(),
        "pretrial_detention_days": max((delivered - detained).days, 0) if detained else 0,
        "history": [_history(c) for c in earlier if c["change_type"] in HISTORY_TYPES],
        "proposal": {
            "type": change["change_type"],
            "proposal_date": (change["proposal_date"] or change["decision_date"]).isoformat(),
            "months": change["reduction_months"],
            "new_term_months": change["new_term_months"],
            "basis": change["basis"] or "悔改表现",
        },
    }


def _history(change: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": change["change_type"],
        "decision_date": change["decision_date"].isoformat(),
        "served_date": (change["served_date"] or change["decision_date"]).isoformat(),
        "months": change["reduction_months"],
        "new_term_months": change["new_term_months"],
        "basis": change["basis"],
    }
