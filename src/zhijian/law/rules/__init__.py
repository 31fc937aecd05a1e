"""Reduction and parole rules: check one proposal against the law.

``check(data)`` takes the decoded JSON of ``zhijian law check`` and returns a
``CheckResult``; every finding names its rule id and citation (docs/law.md lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from zhijian.law.rules.case import Case, parse_case
from zhijian.law.rules.findings import NOTICE, VIOLATION, Finding
from zhijian.law.rules.limits import SUPPLEMENT_IN_FORCE, limits_for, supplement_applies
from zhijian.law.rules.parole import check_parole, earliest_parole_date
from zhijian.law.rules.reduction import check_reduction, earliest_reduction_date
from zhijian.law.rules.state import Options, build_state
from zhijian.law.terms import MONTH_END_LABELS, REDUCTION_METHOD_LABELS

__all__ = ["NOTICE", "VIOLATION", "CheckResult", "Finding", "Options", "check", "check_case"]

SPC_IN_FORCE = date(2017, 1, 1)


@dataclass(frozen=True)
class CheckResult:
    """The outcome: ``compliant`` is False when any finding is a violation (违规);
    notices (提示) point at discretion the court has and never hide a shortfall."""

    findings: tuple[Finding, ...]
    earliest_reduction_date: date | None
    earliest_parole_date: date | None
    tier: str
    notes: tuple[str, ...]
    options: Options

    @property
    def compliant(self) -> bool:
        return all(f.level != VIOLATION for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "findings": [f.to_json() for f in self.findings],
            "earliest_reduction_date": _iso(self.earliest_reduction_date),
            "earliest_parole_date": _iso(self.earliest_parole_date),
            "tier": self.tier,
            "notes": list(self.notes),
            "conventions": {
                "month_end": self.options.month_end.value,
                "month_end_label": MONTH_END_LABELS[self.options.month_end],
                "reduction_method": self.options.reduction_method.value,
                "reduction_method_label": REDUCTION_METHOD_LABELS[self.options.reduction_method],
            },
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def check_case(case: Case, options: Options | None = None) -> CheckResult:
    """Check the proposal in ``case``; LawInputError if the history does not fit."""
    options = options or Options()
    state = build_state(case, options)
    limits = limits_for(case, state)
    if case.proposal.is_parole:
        findings = check_parole(case, state)
    else:
        findings = check_reduction(case, state, limits)
    return CheckResult(
        findings=tuple(findings),
        earliest_reduction_date=earliest_reduction_date(case, state, limits),
        earliest_parole_date=earliest_parole_date(case, state),
        tier=limits.tier,
        notes=tuple(_notes(case)),
        options=options,
    )


def check(data: Any, options: Options | None = None) -> CheckResult:
    """Parse decoded JSON and check it."""
    return check_case(parse_case(data), options)


def _notes(case: Case) -> list[str]:
    notes = []
    if case.proposal.proposal_date < SPC_IN_FORCE:
        notes.append(
            "报请日期早于法释〔2016〕23号施行日（2017-01-01），当时适用的规定与本内核所依据的不同，结果仅供参考"
        )
    if case.proposal.proposal_date < SUPPLEMENT_IN_FORCE and case.former_state_functionary:
        notes.append("报请日期早于法释〔2019〕6号施行日（2019-06-01），未适用该补充规定")
    if supplement_applies(case) and case.proposal.is_parole:
        notes.append(
            "贪污贿赂罪原国家工作人员适用假释应当从严掌握（法释〔2019〕6号第六条），内核不量化此项"
        )
    if len(case.crimes) > 1 and not case.crime_terms:
        notes.append(
            "数罪并罚而未提供各罪刑期（crime_terms），涉及暴力犯罪“十年以上”的判断按决定执行的刑期计算"
        )
    for change in case.history:
        if change.served_date_assumed:
            notes.append(
                f"{change.decision_date}的{change.type}裁定缺少送达日期，按裁定日期计算间隔"
            )
    notes.append("是否确有悔改表现、立功、没有再犯罪的危险等事实由输入提供，内核不作认定")
    return notes
