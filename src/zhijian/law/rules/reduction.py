"""减刑: start time, interval, amount, the floor of time actually served, property
judgments — 法释〔2016〕23号 第六至二十一条, 法释〔2019〕6号, 刑法第七十八条."""

from __future__ import annotations

from datetime import date

from zhijian.law.citations import Citation
from zhijian.law.errors import LawInputError
from zhijian.law.rules.case import Case
from zhijian.law.rules.findings import NOTICE, VIOLATION, Finding, months_text
from zhijian.law.rules.limits import SPC, SUPP, Limits, supplement_applies
from zhijian.law.rules.state import DEATH_SUSPENDED, FIXED, LIFE, State
from zhijian.law.terms import completed_on, term_end

LIFE_IMPRISONMENT = (
    Citation(SPC, 15, quote="不得再减刑或者假释"),
    Citation("刑法", 383, 4, quote="终身监禁，不得减刑、假释"),
)
LENIENCY = (Citation(SPC, 19, 2), Citation(SPC, 20, 2))
SHORT_REMAINDER = Citation(SPC, 16, quote="减刑起始时间可以适当缩短")
FLOOR_FIXED = Citation("刑法", 78, 2, quote="不能少于原判刑期的二分之一")
FLOOR_LIFE = Citation("刑法", 78, 2, quote="判处无期徒刑的，不能少于十三年")
FLOOR_LIMITED = Citation("刑法", 78, 2, quote="缓期执行期满后依法减为无期徒刑的，不能少于二十五年")
FLOOR_DEATH = Citation(SPC, 12, 1, quote="其实际执行的刑期不得少于十五年")
MAJOR_MERIT_DIRECT = Citation(
    "刑法", 50, 1, quote="如果确有重大立功表现，二年期满以后，减为二十五年有期徒刑"
)


def check_reduction(case: Case, state: State, limits: Limits) -> list[Finding]:
    """Every rule a reduction proposal must satisfy; an empty list when it complies."""
    if case.life_without_parole:
        return [
            Finding(
                "reduction.prohibited",
                "终身监禁罪犯在死刑缓期执行期满减为无期徒刑后，不得再减刑",
                LIFE_IMPRISONMENT,
            )
        ]
    _require_form(case, state)
    if case.proposal.type == "死缓减为有期徒刑":
        return _check_direct_to_fixed(case, state)
    findings = [
        *_check_start(case, state, limits),
        *_check_interval(case, state, limits),
        *_check_amount(case, limits),
        *_check_min_served(case, state),
        *_check_property(case),
    ]
    return findings


def _require_form(case: Case, state: State) -> None:
    wanted = {"减刑": FIXED, "无期减为有期徒刑": LIFE, "死缓减为有期徒刑": DEATH_SUSPENDED}
    form = wanted[case.proposal.type]
    if state.form != form:
        raise LawInputError(
            f"提请类型“{case.proposal.type}”与现刑罚不符：罪犯现为{state.form}"
            + ("，应提请“无期减为有期徒刑”并写明 new_term_months" if state.form == LIFE else "")
        )


def _check_direct_to_fixed(case: Case, state: State) -> list[Finding]:
    """刑法第五十条: 死缓期间确有重大立功表现，二年期满以后，减为二十五年有期徒刑."""
    findings = []
    if not case.proposal.major_merit:
        findings.append(
            Finding(
                "reduction.amount",
                "死刑缓期执行直接减为有期徒刑须有重大立功表现",
                (MAJOR_MERIT_DIRECT,),
            )
        )
    if case.proposal.new_term_months != 300:
        findings.append(
            Finding(
                "reduction.amount",
                f"死刑缓期执行期满因重大立功减为有期徒刑的，应为二十五年，提请为"
                f"{months_text(case.proposal.new_term_months or 0)}",
                (MAJOR_MERIT_DIRECT,),
            )
        )
    return findings


def _relaxed(months: int) -> int:
    """第十九、二十条: times may be shortened by at most a third."""
    return months - months // 3


def _timing(
    rule: str,
    case: Case,
    earliest: date,
    relaxed_earliest: date,
    what: str,
    citations: tuple[Citation, ...],
    exempt: Citation | None,
    may_shorten: tuple[Citation, ...] = (),
) -> list[Finding]:
    """A proposal made before ``earliest``; softened where the law lets the court decide."""
    proposed = case.proposal.proposal_date
    if proposed >= earliest:
        return []
    message = f"报请日期{proposed}早于最早可报请日期{earliest}（{what}）"
    if case.proposal.major_merit and exempt is not None:
        return []
    if case.proposal.major_merit and may_shorten:
        return [
            Finding(
                rule,
                message + "；有重大立功表现的，间隔时间可以适当缩短，须审查缩短理由",
                citations + may_shorten,
                NOTICE,
            )
        ]
    if case.lenient_category and proposed >= relaxed_earliest:
        return [
            Finding(
                rule,
                message + f"；属可放宽情形，缩短后最早为{relaxed_earliest}（不超过三分之一）",
                citations + LENIENCY,
                NOTICE,
            )
        ]
    return [Finding(rule, message, citations)]


def _check_start(case: Case, state: State, limits: Limits) -> list[Finding]:
    first_of_its_kind = state.last_change is None or state.form == LIFE
    if limits.start_months is None or limits.start_anchor is None or not first_of_its_kind:
        return []
    assert limits.start_citation is not None
    month_end = state.options.month_end
    earliest = completed_on(limits.start_anchor, limits.start_months, month_end=month_end)
    relaxed = completed_on(limits.start_anchor, _relaxed(limits.start_months), month_end=month_end)
    what = f"{limits.tier}：自{limits.start_anchor}起执行{months_text(limits.start_months)}以上"
    findings = _timing(
        "reduction.start_time",
        case,
        earliest,
        relaxed,
        what,
        (limits.start_citation,),
        limits.major_merit_exempt,
    )
    if findings and findings[0].level == VIOLATION and _short_remainder(case, state):
        return [
            Finding(
                "reduction.start_time",
                findings[0].message + "；判决生效后剩余刑期不满二年，起始时间可以适当缩短",
                (limits.start_citation, SHORT_REMAINDER),
                NOTICE,
            )
        ]
    return findings


def _short_remainder(case: Case, state: State) -> bool:
    """第十六条: 判决生效后剩余刑期不满二年."""
    if case.penalty != FIXED:
        return False
    end = state.term_end()
    limit = term_end(case.judgment_effective_date, 24, month_end=state.options.month_end)
    return end is not None and end < limit


def _check_interval(case: Case, state: State, limits: Limits) -> list[Finding]:
    last = state.last_change
    if state.form != FIXED or last is None or limits.interval_months is None:
        return []
    assert limits.interval_citation is not None
    month_end = state.options.month_end
    findings = []
    earliest = completed_on(last.served_date, limits.interval_months, month_end=month_end)
    relaxed = completed_on(last.served_date, _relaxed(limits.interval_months), month_end=month_end)
    what = (
        f"{limits.tier}：自上次减刑裁定送达之日{last.served_date}起间隔"
        f"{months_text(limits.interval_months)}以上"
    )
    findings += _timing(
        "reduction.interval",
        case,
        earliest,
        relaxed,
        what,
        (limits.interval_citation, Citation(SPC, 40, 2)),
        limits.major_merit_exempt,
        _may_shorten(limits),
    )
    if last.type == "减刑" and last.months and last.months > limits.interval_months:
        earliest = completed_on(last.served_date, last.months, month_end=month_end)
        relaxed = completed_on(last.served_date, _relaxed(last.months), month_end=month_end)
        what = f"减刑间隔不得低于上次减刑减去的刑期（{months_text(last.months)}）"
        findings += _timing(
            "reduction.interval",
            case,
            earliest,
            relaxed,
            what,
            (Citation(SPC, 6, 3, quote="减刑间隔时间不得低于上次减刑减去的刑期"),),
            limits.major_merit_exempt,
            _may_shorten(limits),
        )
    return findings


def _may_shorten(limits: Limits) -> tuple[Citation, ...]:
    return (limits.major_merit_may_shorten,) if limits.major_merit_may_shorten else ()


def _check_amount(case: Case, limits: Limits) -> list[Finding]:
    proposal = case.proposal
    if limits.cap_months is not None and proposal.months is not None:
        assert limits.cap_citation is not None
        if proposal.months <= limits.cap_months:
            return []
        message = (
            f"{limits.tier}：以“{proposal.basis}”一次减刑不超过{months_text(limits.cap_months)}，"
            f"提请减刑{months_text(proposal.months)}"
        )
        relaxed_cap = limits.cap_months + limits.cap_months // 3
        if case.lenient_category and proposal.months <= relaxed_cap:
            return [
                Finding(
                    "reduction.amount",
                    message + f"；属可放宽情形，放宽后不超过{months_text(relaxed_cap)}",
                    (limits.cap_citation, *LENIENCY),
                    NOTICE,
                )
            ]
        return [Finding("reduction.amount", message, (limits.cap_citation,))]
    if limits.min_new_term is not None and proposal.new_term_months is not None:
        assert limits.min_new_term_citation is not None
        if proposal.new_term_months >= limits.min_new_term:
            return []
        return [
            Finding(
                "reduction.amount",
                f"{limits.tier}：以“{proposal.basis}”减为有期徒刑不得少于{months_text(limits.min_new_term)}，"
                f"提请减为{months_text(proposal.new_term_months)}",
                (limits.min_new_term_citation,),
            )
        ]
    return []


def release_after_proposal(case: Case, state: State) -> date | None:
    """The term end if the proposal is granted (a conversion is taken as ruled on the
    proposal date, 刑法第八十条)."""
    proposal = case.proposal
    if proposal.type == "减刑":
        return state.term_end(extra_reduction=proposal.months or 0)
    if proposal.new_term_months is not None:
        return term_end(
            proposal.proposal_date, proposal.new_term_months, month_end=state.options.month_end
        )
    return None


def _check_min_served(case: Case, state: State) -> list[Finding]:
    """刑法第七十八条第二款 and 第十二条: the floor of time actually served."""
    proposal = case.proposal
    if case.penalty == FIXED:
        total = sum(state.reductions) + (proposal.months or 0)
        term = case.term_months or 0
        if 2 * total <= term:
            return []
        return [
            Finding(
                "reduction.min_served",
                f"原判有期徒刑{months_text(term)}，累计减刑将达{months_text(total)}，"
                f"实际执行将少于原判刑期的二分之一",
                (FLOOR_FIXED,),
            )
        ]
    release = release_after_proposal(case, state)
    if release is None:
        return []
    floor, citation, label = _life_floor(case, state)
    if release >= floor:
        return []
    return [
        Finding(
            "reduction.min_served",
            f"减刑后刑期止日{release}早于实际执行{label}的最早日期{floor}",
            (citation,),
        )
    ]


def _life_floor(case: Case, state: State) -> tuple[date, Citation, str]:
    month_end = state.options.month_end
    if case.penalty == LIFE:
        return (
            completed_on(case.judgment_effective_date, 156, month_end=month_end),
            FLOOR_LIFE,
            "十三年（自判决生效之日起）",
        )
    assert state.suspension_end is not None
    if case.limited_reduction:
        direct = state.converted_by is not None and state.converted_by.type == "死缓减为有期徒刑"
        years = 20 if direct else 25
        return (
            completed_on(state.suspension_end, years * 12, month_end=month_end),
            FLOOR_LIMITED if not direct else Citation("刑法", 78, 2, quote="不能少于二十年"),
            f"{years}年（自死缓期满之日起，限制减刑）",
        )
    return (
        completed_on(state.suspension_end, 180, month_end=month_end),
        FLOOR_DEATH,
        "十五年（自死缓期满之日起）",
    )


def _check_property(case: Case) -> list[Finding]:
    """财产性判项规定第四条; 补充规定第一条."""
    if not case.property_unpaid_with_ability or case.proposal.major_merit:
        return []
    citations: tuple[Citation, ...] = (
        Citation("财产性判项规定", 4, 2, quote="一般不予减刑、假释"),
    )
    if supplement_applies(case):
        citations += (Citation(SUPP, 1, quote="不予假释，一般不予减刑"),)
    return [
        Finding(
            "reduction.property",
            "确有履行能力而不履行或者不全部履行财产性判项，不认定确有悔改表现，一般不予减刑",
            citations,
        )
    ]


def earliest_reduction_date(case: Case, state: State, limits: Limits) -> date | None:
    """The earliest date the next reduction may be proposed on start time and interval
    alone (no 重大立功, no shortening); None for 终身监禁."""
    month_end = state.options.month_end
    if state.form == DEATH_SUSPENDED:
        return state.suspension_end  # 刑法第五十条：二年期满以后减为无期徒刑
    if case.life_without_parole:
        return None
    if state.form == LIFE or (state.last_change is None and limits.start_months):
        assert limits.start_anchor is not None and limits.start_months is not None
        return completed_on(limits.start_anchor, limits.start_months, month_end=month_end)
    last = state.last_change
    assert last is not None and limits.interval_months is not None
    previous = (last.months or 0) if last.type == "减刑" else 0
    required = max(limits.interval_months, previous)
    return completed_on(last.served_date, required, month_end=month_end)
