"""The reduction models decided by the legal kernel: each sentence change is rebuilt as a
``zhijian law check`` case from the generated records and checked."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from zhijian.law.rules import VIOLATION, check

TIMING_RULES = frozenset(
    {"reduction.start_time", "reduction.interval", "reduction.amount", "reduction.min_served"}
)
VIOLENT = frozenset(
    {"故意杀人罪", "强奸罪", "抢劫罪", "绑架罪", "放火罪", "爆炸罪", "投放危险物质罪"}
)
HISTORY = ("减刑", "死缓减为无期徒刑", "无期减为有期徒刑")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    result = con.execute(sql)
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def cases(con: duckdb.DuckDBPyConnection) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(change, kernel case with the change as its proposal) for every reduction."""
    judgments = {r["judgment_id"]: r for r in _rows(con, "select * from judgments")}
    delivered = {
        r["judgment_id"]: r["admission_date"]
        for r in _rows(
            con,
            "select judgment_id, min(admission_date) as admission_date from custody_records "
            "where custody_type = '服刑' group by judgment_id",
        )
    }
    changes = _rows(con, "select * from sentence_changes order by decision_date, change_id")
    found = []
    for change in changes:
        if change["change_type"] not in ("减刑", "无期减为有期徒刑"):
            continue
        judgment = judgments[change["judgment_id"]]
        history = [
            c
            for c in changes
            if c["judgment_id"] == change["judgment_id"]
            and c["change_type"] in HISTORY
            and c["decision_date"] < change["decision_date"]
        ]
        found.append((change, _case(judgment, delivered[change["judgment_id"]], history, change)))
    return found


def _case(
    judgment: dict[str, Any], delivery: date, history: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any]:
    detention = judgment["pretrial_detention_date"]
    crimes = judgment["crimes"].split("；")
    proposal: dict[str, Any] = {
        "type": change["change_type"],
        "proposal_date": change["proposal_date"].isoformat(),
        "basis": change["basis"],
    }
    if change["change_type"] == "减刑":
        proposal["months"] = change["reduction_months"]
    else:
        proposal["new_term_months"] = change["new_term_months"]
    fixed = judgment["principal_penalty"] == "有期徒刑"
    return {
        "penalty": judgment["principal_penalty"],
        "term_months": judgment["term_months"] if fixed else None,
        "crimes": crimes,
        "recidivist": judgment["recidivist"],
        "judgment_effective_date": judgment["effective_date"].isoformat(),
        "execution_start_date": delivery.isoformat(),
        "pretrial_detention_days": (delivery - detention).days if detention and fixed else 0,
        "former_state_functionary": any(c in ("受贿罪", "贪污罪") for c in crimes),
        "history": [
            {
                "type": c["change_type"],
                "decision_date": c["decision_date"].isoformat(),
                "served_date": c["served_date"].isoformat(),
                "months": c["reduction_months"],
                "new_term_months": c["new_term_months"],
                "basis": c["basis"],
            }
            for c in history
        ],
        "proposal": proposal,
    }


def kernel_hits(con: duckdb.DuckDBPyConnection, model: str) -> set[str]:
    unpaid = {
        r[0]
        for r in con.execute(
            "select judgment_id from property_judgments where status in ('未执行', '部分执行')"
        ).fetchall()
    }
    hits = set()
    for change, case in cases(con):
        result = check(case)
        violations = {f.rule for f in result.findings if f.level == VIOLATION}
        if model == "reduction_timing_amount":
            if violations & TIMING_RULES:
                hits.add(change["change_id"])
            continue
        if change["change_type"] != "减刑" or violations or change["judgment_id"] in unpaid:
            continue
        if case["recidivist"] or (set(case["crimes"]) & VIOLENT and case["term_months"] >= 120):
            continue
        parole = dict(
            case, proposal={"type": "假释", "proposal_date": case["proposal"]["proposal_date"]}
        )
        earliest = check(parole).earliest_parole_date
        if earliest is not None and earliest <= change["proposal_date"]:
            hits.add(change["change_id"])
    return hits
