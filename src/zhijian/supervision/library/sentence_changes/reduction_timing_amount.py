"""减刑起始时间、间隔、幅度违规: every reduction ruled on by the as-of date, checked by
the legal kernel (``zhijian.law.rules``) against the judgment and the rulings before it.

SQL cannot hold the reduction tables of 法释〔2016〕23号 and 〔2019〕6号, so this model
is Python; it reads the warehouse through the same sandboxed connection and keeps the
yml, evidence and tests of every model. ``zhijian.supervision.kernel_input`` says how
the kernel's input is built from the data standard.

限制减刑 or 终身监禁 unknown (the source did not say): the reduction is checked under
every value the law leaves open, and it is a hit when any of them makes it a violation,
the evidence saying under which (a stricter rule the data cannot exclude is not passed
over in silence).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from zhijian.law.errors import LawInputError
from zhijian.law.rules import VIOLATION, check
from zhijian.supervision.kernel_input import (
    case_for,
    check_changes,
    restriction_evidence,
    restriction_variants,
)

PROPOSAL_TYPES = {"减刑", "死缓减为有期徒刑", "无期减为有期徒刑"}


def hits(
    con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    return check_changes(con, as_of, PROPOSAL_TYPES, _check_one)


def _check_one(
    judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any] | None:
    variants = restriction_variants(judgment)
    violating = []
    for variant in variants:
        try:
            result = check(case_for(judgment, earlier, change, restrictions=variant))
        except LawInputError:
            continue  # incomplete or inconsistent records: not a finding of this model
        violations = [f for f in result.findings if f.level == VIOLATION]
        if violations:
            violating.append((variant, result, violations))
    if not violating:
        return None
    _, result, violations = violating[0]
    restrictions = restriction_evidence(judgment, variants, [v for v, _, _ in violating])
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
            **restrictions,
        },
    }
