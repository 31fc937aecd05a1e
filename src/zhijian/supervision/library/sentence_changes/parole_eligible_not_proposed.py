"""同时符合减刑、假释条件而仅提请减刑: a lawful reduction proposed on a date when the
prisoner also met every parole condition the data can show — time served, no bar, the
interval after the last reduction, no unpaid property with the ability to pay — so the
prison could have proposed parole first (法释〔2016〕23号第二十六条第二款; 检例第195号).
Both checks come from the legal kernel.

限制减刑 or 终身监禁 unknown (the source did not say): a hit only when the prisoner met
the parole conditions under every value the law leaves open. This lead says the prison
should have proposed parole; were the unknown a 终身监禁, parole would be barred, so an
unknown never makes one."""

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

UNPAID_PROPERTY = """
select distinct judgment_id from property_judgments
where status in ('未执行', '部分执行')
"""


def hits(
    con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    # Whether a prisoner with unpaid property items could pay is not in the data: those
    # reductions are not this model's call.
    unpaid = {row[0] for row in con.execute(UNPAID_PROPERTY).fetchall()}

    def check_paid_up(
        judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
    ) -> dict[str, Any] | None:
        if change["judgment_id"] in unpaid:
            return None
        return _check_one(judgment, earlier, change)

    return check_changes(con, as_of, {"减刑"}, check_paid_up)


def _lawful(case: dict[str, Any]) -> tuple[bool, Any]:
    result = check(case)
    return all(f.level != VIOLATION for f in result.findings), result


def _check_one(
    judgment: dict[str, Any], earlier: list[dict[str, Any]], change: dict[str, Any]
) -> dict[str, Any] | None:
    variants = restriction_variants(judgment)
    parole = None
    for variant in variants:
        try:
            reduction_ok, _ = _lawful(case_for(judgment, earlier, change, restrictions=variant))
            as_parole = dict(change, change_type="假释")
            parole_ok, result = _lawful(
                case_for(judgment, earlier, as_parole, restrictions=variant)
            )
        except LawInputError:
            return None
        if not (reduction_ok and parole_ok):
            return None
        parole = parole or result
    assert parole is not None
    return {
        "id_number": change["id_number"],
        "name": change["name"],
        "facility_code": change["facility_code"],
        "evidence": {
            "change_id": change["change_id"],
            "judgment_id": change["judgment_id"],
            "principal_penalty": judgment["principal_penalty"],
            "term_months": judgment["term_months"],
            "proposal_date": change["proposal_date"] or change["decision_date"],
            "reduction_months": change["reduction_months"],
            "earliest_parole_date": parole.earliest_parole_date,
            **restriction_evidence(judgment, variants, variants),
        },
    }
