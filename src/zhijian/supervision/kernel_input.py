"""The legal kernel's input built from warehouse records, for the models that check
sentence changes through ``zhijian.law.rules``.

- 交付执行日期: the earliest admission to a prison (监狱、未成年犯管教所) for the judgment.
- 先行羁押日数: from the judgment's 先行羁押日期 to that admission.
- history: the reductions of the judgment decided before the change under review.
- 限制减刑、终身监禁: as recorded; null means the source did not say (a court export
  without the column, ``docs/data-standard.md``). ``restriction_variants`` gives every
  value the law leaves open for an unknown one, so a model can tell a finding that holds
  whatever the truth is from one that holds only under one value, and say which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import duckdb

from zhijian.law.rules.case import HISTORY_TYPES
from zhijian.law.sentence import DEATH_SUSPENDED

UNKNOWN = "未知（来源数据无此项）"
NOT_APPLICABLE = "否（来源数据无此项，依法不适用）"
RESTRICTIONS = {"limited_reduction": "限制减刑", "life_without_parole": "终身监禁"}
# 刑法第三百八十三条第四款 (贪污), applied to 受贿 by 第三百八十六条.
LIFE_IMPRISONMENT_CRIMES = ("贪污罪", "受贿罪")

CHANGES = """
select c.change_id, c.id_number, c.name, c.judgment_id, c.facility_code, c.change_type,
       c.proposal_date, c.decision_date, c.served_date, c.reduction_months,
       c.new_term_months, c.basis, c.parole_months
from sentence_changes c
where c.decision_date <= $as_of
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


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    result = con.execute(sql, parameters)
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def load(
    con: duckdb.DuckDBPyConnection, as_of: date
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Judgments served in prison (by id) and every change decided by ``as_of``, ordered
    by judgment and decision date."""
    judgments = {row["judgment_id"]: row for row in rows(con, JUDGMENTS, {})}
    return judgments, rows(con, CHANGES, {"as_of": as_of})


def earlier_changes(changes: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """The changes of the same judgment before ``changes[index]``."""
    judgment_id = changes[index]["judgment_id"]
    return [c for c in changes[:index] if c["judgment_id"] == judgment_id]


Record = dict[str, Any]
Checker = Callable[[Record, list[Record], Record], Record | None]


def changes_of_type(
    con: duckdb.DuckDBPyConnection, as_of: date, kinds: set[str]
) -> Iterator[tuple[Record, list[Record], Record]]:
    """(judgment, earlier changes, change) for every change of ``kinds`` decided by
    ``as_of`` whose judgment was served in prison."""
    judgments, changes = load(con, as_of)
    for index, change in enumerate(changes):
        judgment = judgments.get(change["judgment_id"])
        if judgment is not None and change["change_type"] in kinds:
            yield judgment, earlier_changes(changes, index), change


def check_changes(
    con: duckdb.DuckDBPyConnection, as_of: date, kinds: set[str], checker: Checker
) -> list[Record]:
    """The hits ``checker`` returns for the changes of ``kinds``."""
    found = (checker(*item) for item in changes_of_type(con, as_of, kinds))
    return [hit for hit in found if hit is not None]


def restriction_text(value: bool | None) -> str:
    """A 限制减刑/终身监禁 value as evidence shows it: 是, 否 or 未知（来源数据无此项）."""
    return UNKNOWN if value is None else "是" if value else "否"


def restriction_variants(judgment: dict[str, Any]) -> list[dict[str, bool]]:
    """The values of 限制减刑 and 终身监禁 the law leaves open for ``judgment``: the
    recorded one where known; for an unknown one 否 unless the judgment is a 死缓 (only
    a 死缓 can carry either: 刑法第五十条第二款、第三百八十三条第四款), and 终身监禁 only
    for 贪污罪 or 受贿罪; otherwise both. The first variant restricts least."""
    suspended = judgment["principal_penalty"] == DEATH_SUSPENDED
    crimes = list(judgment.get("crimes") or [])
    open_values: dict[str, tuple[bool, ...]] = {}
    for name in RESTRICTIONS:
        value = judgment.get(name)
        possible = suspended and (
            name != "life_without_parole" or any(c in crimes for c in LIFE_IMPRISONMENT_CRIMES)
        )
        open_values[name] = (bool(value),) if value is not None or not possible else (False, True)
    return [
        {"limited_reduction": limited, "life_without_parole": for_life}
        for limited in open_values["limited_reduction"]
        for for_life in open_values["life_without_parole"]
    ]


def restriction_evidence(
    judgment: dict[str, Any], all_variants: list[dict[str, bool]], hit: list[dict[str, bool]]
) -> dict[str, str | None]:
    """Evidence fields: each flag as recorded, and ``restriction_note`` when the finding
    holds only under some values of an unknown flag (None when it holds under all)."""
    evidence: dict[str, str | None] = {}
    notes = []
    for name, label in RESTRICTIONS.items():
        possible = {variant[name] for variant in all_variants}
        recorded = judgment.get(name)
        evidence[name] = (
            NOT_APPLICABLE
            if recorded is None and possible == {False}
            else restriction_text(recorded)
        )
        found = {variant[name] for variant in hit}
        if len(possible) > 1 and len(found) == 1:
            value = "是" if found.pop() else "否"
            notes.append(f"{label}{UNKNOWN}，仅在{label}为“{value}”时成立，须核实判决")
    evidence["restriction_note"] = "；".join(notes) or None
    return evidence


def case_for(
    judgment: dict[str, Any],
    earlier: list[dict[str, Any]],
    proposal: dict[str, Any],
    *,
    property_unpaid_with_ability: bool = False,
    restrictions: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """The kernel's JSON case for ``proposal`` (a sentence_changes row), with the flags
    of ``restrictions`` (one of ``restriction_variants``; default: the first)."""
    restrictions = restrictions or restriction_variants(judgment)[0]
    delivered: date = judgment["delivered"]
    detained: date | None = judgment["pretrial_detention_date"]
    fixed = judgment["principal_penalty"] == "有期徒刑"
    return {
        "penalty": judgment["principal_penalty"],
        "term_months": judgment["term_months"] if fixed else None,
        "crimes": list(judgment["crimes"] or []),
        "recidivist": bool(judgment["recidivist"]),
        "limited_reduction": restrictions["limited_reduction"],
        "life_without_parole": restrictions["life_without_parole"],
        "judgment_effective_date": judgment["effective_date"].isoformat(),
        "execution_start_date": delivered.isoformat(),
        "pretrial_detention_days": max((delivered - detained).days, 0) if detained else 0,
        "property_unpaid_with_ability": property_unpaid_with_ability,
        "history": [_history(c) for c in earlier if c["change_type"] in HISTORY_TYPES],
        "proposal": _proposal(proposal),
    }


def _proposal(change: dict[str, Any]) -> dict[str, Any]:
    proposed = (change["proposal_date"] or change["decision_date"]).isoformat()
    if change["change_type"] == "假释":
        return {"type": "假释", "proposal_date": proposed}
    return {
        "type": change["change_type"],
        "proposal_date": proposed,
        "months": change["reduction_months"],
        "new_term_months": change["new_term_months"],
        "basis": change["basis"] or "悔改表现",
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
