"""Which tier of the reduction rules applies to a prisoner, and the numbers of that tier.

法释〔2016〕23号 sets a general tier (第六、八、十条), a stricter tier for the offenders
listed in 第七、九、十一条, a tier for 限制减刑 (第十三、十四条); 法释〔2019〕6号 sets its
own for former state functionaries convicted of 贪污贿赂 after 刑法修正案（九）.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zhijian.law.citations import Citation
from zhijian.law.crimes import VIOLENT_PAROLE_BAR, crime_groups
from zhijian.law.rules.case import Case
from zhijian.law.rules.state import DEATH_SUSPENDED, FIXED, LIFE, State

SPC = "减刑假释规定"
SUPP = "减刑假释补充规定"
TEN_YEARS = 120
AMENDMENT_IX_IN_FORCE = date(2015, 11, 1)
SUPPLEMENT_IN_FORCE = date(2019, 6, 1)

# 第六条第二款: a single reduction of a fixed term, by basis.
GENERAL_CAPS = {
    "悔改表现": 9,
    "立功": 9,
    "悔改表现并立功": 12,
    "重大立功": 18,
    "悔改表现并重大立功": 24,
}
# 补充规定第二条第二款 (悔改表现并重大立功 is not listed: the 重大立功 cap applies).
SUPPLEMENT_CAPS = {
    "悔改表现": 6,
    "立功": 6,
    "悔改表现并立功": 9,
    "重大立功": 12,
    "悔改表现并重大立功": 12,
}
STRICT_CAP = 12  # 第七、九、十一条: 一次减刑不超过一年有期徒刑
# The shortest fixed term a life sentence may become, by basis (第八条; 补充规定第三条).
LIFE_MIN_TERMS = {
    "悔改表现": 264,
    "立功": 264,
    "悔改表现并立功": 252,
    "重大立功": 240,
    "悔改表现并重大立功": 228,
}
SUPPLEMENT_LIFE_MIN_TERMS = {
    "悔改表现": 276,
    "立功": 276,
    "悔改表现并立功": 264,
    "重大立功": 252,
    "悔改表现并重大立功": 252,
}
STRICT_LIFE_FLOOR = 240  # 第九条: 减刑后的刑期最低不得少于二十年有期徒刑
# The shortest fixed term after a death-suspended sentence became life (第十条; 补充规定第四条).
DEATH_MIN_TERMS = {
    "悔改表现": 300,
    "立功": 300,
    "悔改表现并立功": 288,
    "重大立功": 276,
    "悔改表现并重大立功": 264,
}
STRICT_DEATH_MIN_TERMS = {
    "悔改表现": 300,
    "立功": 276,
    "悔改表现并立功": 276,
    "重大立功": 276,
    "悔改表现并重大立功": 276,
}
SUPPLEMENT_DEATH_MIN_TERMS = {
    "悔改表现": 300,
    "立功": 300,
    "悔改表现并立功": 294,
    "重大立功": 288,
    "悔改表现并重大立功": 288,
}


@dataclass(frozen=True)
class Limits:
    """The numbers one reduction proposal is checked against."""

    tier: str  # Chinese description of the tier and why it applies
    start_months: int | None  # months served before the first reduction
    start_anchor: date | None  # from when they are counted
    start_citation: Citation | None
    interval_months: int | None  # months between two reductions
    interval_citation: Citation | None
    cap_months: int | None  # most months one reduction may take off a fixed term
    cap_citation: Citation | None
    min_new_term: int | None  # shortest fixed term a life sentence may be reduced to
    min_new_term_citation: Citation | None
    major_merit_exempt: (
        Citation | None
    )  # 重大立功 exempts start and interval (where the text says so)
    major_merit_may_shorten: Citation | None  # 重大立功 may shorten the interval (第十四条)


def supplement_applies(case: Case) -> bool:
    """法释〔2019〕6号: 刑法修正案（九）施行后依照第八章贪污贿赂罪判处刑罚的原国家工作人员,
    for proposals from its entry into force."""
    return (
        case.former_state_functionary
        and any("corruption_bribery" in crime_groups(c) for c in case.crimes)
        and case.judgment_effective_date >= AMENDMENT_IX_IN_FORCE
        and case.proposal.proposal_date >= SUPPLEMENT_IN_FORCE
    )


def strict_reasons(case: Case) -> list[str]:
    """The offender kinds listed in 第七条第一款 (and 第九、十一条) that apply."""
    groups = set().union(*(crime_groups(c) for c in case.crimes))
    reasons = [
        label
        for group, label in (
            ("duty", "职务犯罪"),
            ("financial", "破坏金融管理秩序和金融诈骗犯罪"),
            ("gang", "黑社会性质组织犯罪"),
            ("state_security", "危害国家安全犯罪"),
            ("terrorism", "恐怖活动犯罪"),
        )
        if group in groups
    ]
    if case.drug_ringleader_or_repeat:
        reasons.append("毒品犯罪集团的首要分子或毒品再犯")
    if case.recidivist:
        reasons.append("累犯")
    if case.property_unpaid_with_ability:
        reasons.append("确有履行能力而不履行财产性判项")
    return reasons


def violent_crimes(case: Case) -> list[str]:
    """The crimes of 刑法第八十一条第二款 in the case, plus 有组织的暴力性犯罪 when stated."""
    found = [c for c in case.crimes if c in VIOLENT_PAROLE_BAR]
    if case.organized_violence:
        found.append("有组织的暴力性犯罪")
    return found


def violent_term_months(case: Case) -> int | None:
    """The sentence the violent crime itself drew: from ``crime_terms`` when given, else
    the executed fixed term (None for life and death-suspended sentences)."""
    named = [case.crime_terms[c] for c in violent_crimes(case) if c in case.crime_terms]
    if named:
        return max(named)
    return case.term_months


def violent_long_sentence(case: Case) -> bool:
    """因八类暴力犯罪被判处十年以上有期徒刑、无期徒刑（或死缓）."""
    if not violent_crimes(case):
        return False
    if case.penalty in (LIFE, DEATH_SUSPENDED):
        return True
    months = violent_term_months(case)
    return months is not None and months >= TEN_YEARS


def two_crimes_over_ten_years(case: Case) -> bool:
    """第七条第二款: 数罪并罚且其中两罪以上被判处十年以上有期徒刑."""
    return sum(1 for months in case.crime_terms.values() if months >= TEN_YEARS) >= 2


def _c(article: int, paragraph: int | None = None, quote: str | None = None) -> Citation:
    return Citation(SPC, article, paragraph, quote=quote)


def _s(article: int, paragraph: int | None = None, quote: str | None = None) -> Citation:
    return Citation(SUPP, article, paragraph, quote=quote)


SUPPLEMENT_START_LONG = _s(2, 1, "被判处十年以上有期徒刑，符合减刑条件的，执行三年以上方可减刑")
SUPPLEMENT_START = _s(2, 1, "被判处不满十年有期徒刑，符合减刑条件的，执行二年以上方可减刑")


def limits_for(case: Case, state: State) -> Limits:
    """The limits for the proposal in ``case`` given the sentence as it stands."""
    if state.form == FIXED:
        if case.penalty == FIXED:
            return _fixed_original(case)
        if case.penalty == LIFE:
            return _fixed_after_life(case)
        return _fixed_after_death(case)
    if state.form == LIFE and case.penalty == LIFE:
        return _life_conversion(case, state)
    return _death_life_conversion(case, state)


def _general_fixed_start(term: int) -> tuple[int, int]:
    """第六条: start and interval by the original term."""
    if term < 60:
        return 12, 12
    if term < TEN_YEARS:
        return 18, 12
    return 24, 18


def _fixed_original(case: Case) -> Limits:
    term = case.term_months or 0
    start = case.execution_start_date
    basis = case.proposal.basis or "悔改表现"
    if supplement_applies(case):
        long = term >= TEN_YEARS
        return Limits(
            tier="法释〔2019〕6号（贪污贿赂罪原国家工作人员）",
            start_months=36 if long else 24,
            start_anchor=start,
            start_citation=SUPPLEMENT_START_LONG if long else SUPPLEMENT_START,
            interval_months=24 if long else 18,
            interval_citation=_s(2, 3),
            cap_months=SUPPLEMENT_CAPS[basis],
            cap_citation=_s(2, 2),
            min_new_term=None,
            min_new_term_citation=None,
            major_merit_exempt=_s(5),
            major_merit_may_shorten=None,
        )
    reasons = strict_reasons(case)
    long_strict = (reasons and term >= TEN_YEARS) or violent_long_sentence(case)
    if long_strict or two_crimes_over_ten_years(case):
        why = "、".join(reasons + violent_crimes(case)) or "数罪并罚两罪以上被判处十年以上"
        return Limits(
            tier=f"从严（第七条第二款：{why}，十年以上）",
            start_months=24,
            start_anchor=start,
            start_citation=_c(7, 2, "执行二年以上方可减刑"),
            interval_months=18,
            interval_citation=_c(7, 2, "两次减刑之间应当间隔一年六个月以上"),
            cap_months=min(GENERAL_CAPS[basis], STRICT_CAP),
            cap_citation=_c(7, 2, "一次减刑不超过一年有期徒刑"),
            min_new_term=None,
            min_new_term_citation=None,
            major_merit_exempt=_c(7, 3),
            major_merit_may_shorten=None,
        )
    if reasons:
        return Limits(
            tier=f"从严（第七条第一款：{'、'.join(reasons)}）",
            start_months=24,
            start_anchor=start,
            start_citation=_c(7, 1, "执行二年以上方可减刑"),
            interval_months=12,
            interval_citation=_c(7, 1, "两次减刑之间应当间隔一年以上"),
            cap_months=min(GENERAL_CAPS[basis], STRICT_CAP),
            cap_citation=_c(7, 1, "一次减刑不超过一年有期徒刑"),
            min_new_term=None,
            min_new_term_citation=None,
            major_merit_exempt=_c(7, 3),
            major_merit_may_shorten=None,
        )
    start_months, interval = _general_fixed_start(term)
    return Limits(
        tier="一般（第六条）",
        start_months=start_months,
        start_anchor=start,
        start_citation=_c(6, 1),
        interval_months=interval,
        interval_citation=_c(6, 3),
        cap_months=GENERAL_CAPS[basis],
        cap_citation=_c(6, 2),
        min_new_term=None,
        min_new_term_citation=None,
        major_merit_exempt=_c(6, 4),
        major_merit_may_shorten=None,
    )


def _strict_life_or_death(case: Case) -> list[str]:
    """第九条、第十一条: the 第七条 kinds plus the violent crimes and 数罪并罚."""
    reasons = strict_reasons(case) + violent_crimes(case)
    if len(case.crimes) > 1:
        reasons.append("数罪并罚")
    return reasons


def _fixed_after_life(case: Case) -> Limits:
    basis = case.proposal.basis or "悔改表现"
    if supplement_applies(case):
        return _after_conversion(
            "法释〔2019〕6号（无期减为有期后）", SUPPLEMENT_CAPS[basis], _s(3, 3), _s(3, 3), _s(5)
        )
    reasons = _strict_life_or_death(case)
    if reasons:
        return _after_conversion(
            f"从严（第九条：{'、'.join(reasons)}）",
            min(GENERAL_CAPS[basis], STRICT_CAP),
            _c(9, 1),
            _c(9, 1),
            _c(9, 2),
        )
    return _after_conversion("一般（第八条）", GENERAL_CAPS[basis], _c(8, 1), _c(8, 1), _c(8, 2))


def _fixed_after_death(case: Case) -> Limits:
    basis = case.proposal.basis or "悔改表现"
    if case.limited_reduction:
        cap = 12 if case.proposal.major_merit else 6
        limits = _after_conversion("限制减刑（第十四条）", cap, _c(14), _c(14), None)
        from dataclasses import replace

        return replace(limits, major_merit_may_shorten=_c(14, quote="间隔时间可以适当缩短"))
    if supplement_applies(case):
        return _after_conversion(
            "法释〔2019〕6号（死缓减为有期后）", SUPPLEMENT_CAPS[basis], _s(4, 3), _s(4, 3), _s(5)
        )
    reasons = _strict_life_or_death(case)
    if reasons:
        return _after_conversion(
            f"从严（第十一条：{'、'.join(reasons)}）",
            min(GENERAL_CAPS[basis], STRICT_CAP),
            _c(11),
            _c(11),
            None,
        )
    return _after_conversion(
        "一般（第十条第二款，比照第八条）", GENERAL_CAPS[basis], _c(10, 2), _c(8, 1), _c(8, 2)
    )


def _after_conversion(
    tier: str,
    cap: int,
    cap_citation: Citation,
    interval_citation: Citation,
    exempt: Citation | None,
) -> Limits:
    """A fixed term that came from a life or death-suspended sentence: every tier sets a
    two-year interval (第八、九、十一、十四条; 补充规定第三、四条)."""
    return Limits(
        tier=tier,
        start_months=None,
        start_anchor=None,
        start_citation=None,
        interval_months=24,
        interval_citation=interval_citation,
        cap_months=cap,
        cap_citation=cap_citation,
        min_new_term=None,
        min_new_term_citation=None,
        major_merit_exempt=exempt,
        major_merit_may_shorten=None,
    )


def _conversion(
    tier: str,
    start_months: int,
    anchor: date | None,
    start_citation: Citation,
    min_term: int,
    min_term_citation: Citation,
    exempt: Citation | None,
) -> Limits:
    return Limits(
        tier=tier,
        start_months=start_months,
        start_anchor=anchor,
        start_citation=start_citation,
        interval_months=None,
        interval_citation=None,
        cap_months=None,
        cap_citation=None,
        min_new_term=min_term,
        min_new_term_citation=min_term_citation,
        major_merit_exempt=exempt,
        major_merit_may_shorten=None,
    )


def _life_conversion(case: Case, state: State) -> Limits:
    """无期徒刑减为有期徒刑 (第八、九条; 补充规定第三条), counted from delivery (第四十条)."""
    basis = case.proposal.basis or "悔改表现"
    anchor = state.life_start
    if supplement_applies(case):
        return _conversion(
            "法释〔2019〕6号（无期徒刑）",
            48,
            anchor,
            _s(3, 1),
            SUPPLEMENT_LIFE_MIN_TERMS[basis],
            _s(3, 2),
            _s(5),
        )
    reasons = _strict_life_or_death(case)
    if reasons:
        return _conversion(
            f"从严（第九条：{'、'.join(reasons)}）",
            36,
            anchor,
            _c(9, 1, "执行三年以上方可减刑"),
            max(LIFE_MIN_TERMS[basis], STRICT_LIFE_FLOOR),
            _c(9, 1, "减刑后的刑期最低不得少于二十年有期徒刑"),
            _c(9, 2),
        )
    return _conversion(
        "一般（第八条）",
        24,
        anchor,
        _c(8, 1, "执行二年以上，可以减刑"),
        LIFE_MIN_TERMS[basis],
        _c(8, 1),
        _c(8, 2),
    )


def _death_life_conversion(case: Case, state: State) -> Limits:
    """A death-suspended sentence, now life, reduced to a fixed term (第十、十一、十三条;
    补充规定第四条), counted from the end of the suspension."""
    basis = case.proposal.basis or "悔改表现"
    anchor = state.life_start
    if case.limited_reduction:
        return _conversion(
            "限制减刑（第十三条）",
            60,
            anchor,
            _c(13, quote="执行五年以上方可减刑"),
            STRICT_DEATH_MIN_TERMS[basis],
            _c(11),
            None,
        )
    if supplement_applies(case):
        return _conversion(
            "法释〔2019〕6号（死刑缓期执行）",
            48,
            anchor,
            _s(4, 1),
            SUPPLEMENT_DEATH_MIN_TERMS[basis],
            _s(4, 2),
            _s(5),
        )
    reasons = _strict_life_or_death(case)
    if reasons:
        return _conversion(
            f"从严（第十一条：{'、'.join(reasons)}）",
            36,
            anchor,
            _c(11, quote="执行三年以上方可减刑"),
            STRICT_DEATH_MIN_TERMS[basis],
            _c(11, quote="一般减为二十五年有期徒刑"),
            None,
        )
    return _conversion(
        "一般（第十条）",
        36,
        anchor,
        _c(10, 1, "执行三年以上方可减刑"),
        DEATH_MIN_TERMS[basis],
        _c(10, 1),
        None,
    )
