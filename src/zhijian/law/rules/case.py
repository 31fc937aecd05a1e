"""The facts a reduction or parole check works on, read from plain JSON-like data.

Everything here is a fact supplied by the caller: whether 确有悔改表现 holds, whether a
prisoner has the ability to pay, whether an offence was 有组织的暴力性犯罪 — the kernel
does not decide those, it applies the law to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zhijian.law.crimes import resolve_crime
from zhijian.law.errors import LawInputError
from zhijian.law.terms import parse_date

PENALTIES = ("有期徒刑", "无期徒刑", "死刑缓期二年执行")
BASES = ("悔改表现", "立功", "悔改表现并立功", "重大立功", "悔改表现并重大立功")
HISTORY_TYPES = ("减刑", "死缓减为无期徒刑", "死缓减为有期徒刑", "无期减为有期徒刑")
PROPOSAL_TYPES = ("减刑", "无期减为有期徒刑", "死缓减为有期徒刑", "假释")
CONVERSIONS_TO_FIXED = ("死缓减为有期徒刑", "无期减为有期徒刑")


@dataclass(frozen=True)
class Change:
    """A sentence change already ruled on (历次减刑裁定)."""

    type: str
    decision_date: date
    served_date: date
    proposal_date: date | None = None
    months: int | None = None  # 减刑: months taken off
    new_term_months: int | None = None  # 减为有期徒刑: the new fixed term
    basis: str | None = None
    served_date_assumed: bool = False  # served date missing: the decision date stands in


@dataclass(frozen=True)
class Proposal:
    """The proposal under review (本次提请)."""

    type: str
    proposal_date: date
    months: int | None = None
    new_term_months: int | None = None
    basis: str | None = None

    @property
    def is_parole(self) -> bool:
        return self.type == "假释"

    @property
    def major_merit(self) -> bool:
        """重大立功 is part of the basis."""
        return self.basis is not None and "重大立功" in self.basis


@dataclass(frozen=True)
class Case:
    """A prisoner's sentence, its history of changes and one proposal."""

    penalty: str
    term_months: int | None
    crimes: tuple[str, ...]  # current catalogue names
    crimes_as_written: tuple[str, ...]
    recidivist: bool
    limited_reduction: bool
    life_without_parole: bool
    judgment_effective_date: date
    execution_start_date: date
    pretrial_detention_days: int
    property_unpaid_with_ability: bool
    history: tuple[Change, ...]
    proposal: Proposal
    # Facts the rules need that no crime name carries:
    former_state_functionary: bool = False  # 原具有国家工作人员身份 (2019 补充规定)
    drug_ringleader_or_repeat: bool = False  # 毒品犯罪集团首要分子、毒品再犯 (第七条)
    organized_violence: bool = False  # 有组织的暴力性犯罪 (刑法第八十一条第二款)
    lenient_category: bool = False  # 第十九条、第二十条: 未成年、老病残可放宽三分之一
    crime_terms: Mapping[str, int] = field(default_factory=dict)  # 数罪并罚: each crime's months


def _require(data: Mapping[str, Any], key: str, label: str) -> Any:
    if key not in data or data[key] is None:
        raise LawInputError(f"缺少必填字段：{key}（{label}）")
    return data[key]


def _date(data: Mapping[str, Any], key: str, label: str) -> date:
    value = _require(data, key, label)
    if not isinstance(value, str):
        raise LawInputError(f"{key}（{label}）应为YYYY-MM-DD格式的日期字符串")
    return parse_date(value, f"{key}（{label}）")


def _optional_date(data: Mapping[str, Any], key: str, label: str) -> date | None:
    return _date(data, key, label) if data.get(key) is not None else None


def _bool(data: Mapping[str, Any], key: str, label: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise LawInputError(f"{key}（{label}）应为 true 或 false")
    return value


def _int(data: Mapping[str, Any], key: str, label: str, *, minimum: int = 0) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LawInputError(f"{key}（{label}）应为整数")
    if value < minimum:
        raise LawInputError(f"{key}（{label}）不能小于{minimum}")
    return value


def _choice(data: Mapping[str, Any], key: str, label: str, choices: tuple[str, ...]) -> str:
    value = _require(data, key, label)
    if value not in choices:
        raise LawInputError(f"{key}（{label}）的值“{value}”无效，应为：{'、'.join(choices)}")
    return str(value)


def _basis(data: Mapping[str, Any]) -> str | None:
    if data.get("basis") is None:
        return None
    return _choice(data, "basis", "减刑依据", BASES)


def _parse_change(data: Mapping[str, Any], index: int) -> Change:
    if not isinstance(data, Mapping):
        raise LawInputError(f"history 第{index}项应为对象")
    kind = _choice(data, "type", f"history 第{index}项的变更类型", HISTORY_TYPES)
    decision = _date(data, "decision_date", f"history 第{index}项的裁定日期")
    served = _optional_date(data, "served_date", f"history 第{index}项的送达日期")
    change = Change(
        type=kind,
        decision_date=decision,
        served_date=served or decision,
        proposal_date=_optional_date(data, "proposal_date", f"history 第{index}项的报请日期"),
        months=_int(data, "months", f"history 第{index}项的减刑月数", minimum=1),
        new_term_months=_int(data, "new_term_months", f"history 第{index}项的减为有期徒刑月数"),
        basis=_basis(data),
        served_date_assumed=served is None,
    )
    if kind == "减刑" and change.months is None:
        raise LawInputError(f"history 第{index}项为减刑，缺少 months（减刑月数）")
    if kind in CONVERSIONS_TO_FIXED and change.new_term_months is None:
        raise LawInputError(
            f"history 第{index}项为{kind}，缺少 new_term_months（减为有期徒刑月数）"
        )
    if change.served_date < change.decision_date:
        raise LawInputError(f"history 第{index}项的送达日期早于裁定日期")
    return change


def _parse_proposal(data: Any) -> Proposal:
    if not isinstance(data, Mapping):
        raise LawInputError("缺少必填字段：proposal（本次提请），应为对象")
    kind = _choice(data, "type", "提请类型", PROPOSAL_TYPES)
    proposal = Proposal(
        type=kind,
        proposal_date=_date(data, "proposal_date", "报请日期"),
        months=_int(data, "months", "减刑月数", minimum=1),
        new_term_months=_int(data, "new_term_months", "减为有期徒刑月数", minimum=1),
        basis=_basis(data),
    )
    if kind == "假释":
        if proposal.months is not None or proposal.basis is not None:
            raise LawInputError("假释提请不应填写 months 或 basis")
        return proposal
    if proposal.basis is None:
        raise LawInputError(f"{kind}提请缺少 basis（减刑依据）")
    if kind == "减刑" and proposal.months is None:
        raise LawInputError("减刑提请缺少 months（减刑月数）")
    if kind in CONVERSIONS_TO_FIXED and proposal.new_term_months is None:
        raise LawInputError(f"{kind}提请缺少 new_term_months（减为有期徒刑月数）")
    return proposal


def _parse_crimes(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise LawInputError("crimes（罪名）应为至少包含一个罪名的字符串列表")
    resolved = [resolve_crime(name) for name in value]
    return tuple(r.crime.name for r in resolved), tuple(value)


def _parse_crime_terms(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise LawInputError("crime_terms（各罪刑期）应为 {罪名: 月数} 对象")
    terms: dict[str, int] = {}
    for name, months in value.items():
        if isinstance(months, bool) or not isinstance(months, int) or months < 0:
            raise LawInputError(f"crime_terms 中“{name}”的刑期应为非负整数（月）")
        terms[resolve_crime(str(name)).crime.name] = months
    return terms


def parse_case(data: Any) -> Case:
    """Read a case from decoded JSON, raising LawInputError with a Chinese message."""
    if not isinstance(data, Mapping):
        raise LawInputError("输入应为 JSON 对象")
    penalty = _choice(data, "penalty", "刑种", PENALTIES)
    term_months = _int(data, "term_months", "刑期（月）", minimum=1)
    if penalty == "有期徒刑" and term_months is None:
        raise LawInputError("有期徒刑须填写 term_months（刑期，月）")
    if penalty != "有期徒刑" and term_months is not None:
        raise LawInputError(f"{penalty}不应填写 term_months")
    crimes, written = _parse_crimes(data.get("crimes"))
    history_data = data.get("history") or []
    if not isinstance(history_data, list):
        raise LawInputError("history（历次刑罚变更）应为列表")
    history = tuple(_parse_change(item, i + 1) for i, item in enumerate(history_data))
    case = Case(
        penalty=penalty,
        term_months=term_months,
        crimes=crimes,
        crimes_as_written=written,
        recidivist=_bool(data, "recidivist", "累犯"),
        limited_reduction=_bool(data, "limited_reduction", "限制减刑"),
        life_without_parole=_bool(data, "life_without_parole", "终身监禁"),
        judgment_effective_date=_date(data, "judgment_effective_date", "判决生效日期"),
        execution_start_date=_date(data, "execution_start_date", "交付执行日期"),
        pretrial_detention_days=_int(data, "pretrial_detention_days", "先行羁押日数") or 0,
        property_unpaid_with_ability=_bool(
            data, "property_unpaid_with_ability", "有履行能力而未履行财产性判项"
        ),
        history=tuple(sorted(history, key=lambda c: c.decision_date)),
        proposal=_parse_proposal(data.get("proposal")),
        former_state_functionary=_bool(data, "former_state_functionary", "原国家工作人员"),
        drug_ringleader_or_repeat=_bool(
            data, "drug_ringleader_or_repeat", "毒品集团首要分子或毒品再犯"
        ),
        organized_violence=_bool(data, "organized_violence", "有组织的暴力性犯罪"),
        lenient_category=_bool(data, "lenient_category", "未成年、老病残从宽"),
        crime_terms=_parse_crime_terms(data.get("crime_terms")),
    )
    _check_consistency(case)
    return case


def _check_consistency(case: Case) -> None:
    if case.execution_start_date < case.judgment_effective_date:
        raise LawInputError("交付执行日期早于判决生效日期")
    for change in case.history:
        if change.decision_date < case.judgment_effective_date:
            raise LawInputError("历次变更的裁定日期早于判决生效日期")
        if change.served_date > case.proposal.proposal_date:
            raise LawInputError("历次变更的送达日期晚于本次报请日期")
    if case.proposal.proposal_date < case.execution_start_date:
        raise LawInputError("报请日期早于交付执行日期")
    if case.life_without_parole and case.penalty != "死刑缓期二年执行":
        raise LawInputError("终身监禁只适用于判处死刑缓期执行的罪犯（刑法第三百八十三条第四款）")
    if case.limited_reduction and case.penalty != "死刑缓期二年执行":
        raise LawInputError("限制减刑只适用于判处死刑缓期执行的罪犯（刑法第五十条第二款）")
