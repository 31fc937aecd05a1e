"""假释时未达法定执行刑期: every parole ruled on by the as-of date whose proposal came
before the prisoner had served what 刑法第八十一条第一款 and 法释〔2016〕23号第二十三条
require, computed by the legal kernel (``zhijian.law.rules.parole``).

限制减刑 or 终身监禁 unknown (the source did not say): the date is computed under every
value the law leaves open, and it is a hit when any of them puts the proposal too early,
the evidence saying under which."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from zhijian.law.errors import LawInputError
from zhijian.law.rules.case import parse_case
from zhijian.law.rules.parole import min_served_date
from zhijian.law.rules.state import Options, build_state
from zhijian.supervision.kernel_input import (
    case_for,
    check_changes,
    restriction_evidence,
    restriction_variants,
)


def hits(
    con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    return check_changes(con, as_of, {"假释"}, _check_one)


def _check_one(
    judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any] | None:
    variants = restriction_variants(judgment)
    early = []
    for variant in variants:
        try:
            case = parse_case(case_for(judgment, earlier, change, restrictions=variant))
            served, requirement, citations = min_served_date(case, build_state(case, Options()))
        except LawInputError:
            continue
        if case.proposal.proposal_date < served:
            early.append((variant, case, served, requirement, citations))
    if not early:
        return None
    _, case, served, requirement, citations = early[0]
    restrictions = restriction_evidence(judgment, variants, [item[0] for item in early])
    return {
        "id_number": change["id_number"],
        "name": change["name"],
        "facility_code": change["facility_code"],
        "evidence": {
            "change_id": change["change_id"],
            "judgment_id": change["judgment_id"],
            "principal_penalty": judgment["principal_penalty"],
            "term_months": judgment["term_months"],
            "execution_start_date": judgment["delivered"],
            "proposal_date": case.proposal.proposal_date,
            "decision_date": change["decision_date"],
            "earliest_date": served,
            "requirement": requirement,
            "citations": "；".join(str(c) for c in citations),
            **restrictions,
        },
    }
