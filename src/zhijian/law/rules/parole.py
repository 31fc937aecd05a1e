"""假释: 刑法第八十一条 and 法释〔2016〕23号 第二十二至三十一条."""

from __future__ import annotations

from datetime import date

from zhijian.law.citations import Citation
from zhijian.law.rules.case import Case
from zhijian.law.rules.findings import NOTICE, Finding, months_text
from zhijian.law.rules.limits import (
    SPC,
    SUPP,
    supplement_applies,
    violent_crimes,
    violent_long_sentence,
)
from zhijian.law.rules.state import FIXED, LIFE, State
from zhijian.law.terms import completed_on, remaining_term

BAR_STATUTE = Citation("刑法", 81, 2, quote="不得假释")
BAR_SPC = Citation(SPC, 25, 1, quote="不得假释")
BAR_DEATH = Citation(SPC, 25, 2, quote="也不得假释")
BAR_LIFE_IMPRISONMENT = Citation(SPC, 15, quote="不得再减刑或者假释")
SERVED_STATUTE = Citation("刑法", 81, 1, quote="执行原判刑期二分之一以上")
SERVED_FIXED = Citation(SPC, 23, 1, quote="羁押一日折抵刑期一日")
SERVED_LIFE = Citation(SPC, 23, 2, quote="应当从判决生效之日起计算")
SERVED_DEATH = Citation(SPC, 23, 3, quote="实际执行十五年以上，方可假释")
PROPERTY = Citation(SPC, 27, quote="确有履行能力而不履行或者不全部履行的，不予假释")
PROPERTY_2024 = Citation("财产性判项规定", 4, 2, quote="一般不予减刑、假释")
INTERVAL = Citation(SPC, 28, 1)
INTERVAL_SHORTENED = Citation(SPC, 28, 2, quote="可以适当缩短间隔时间")
REDUCTION_KINDS = ("减刑", "无期减为有期徒刑", "死缓减为有期徒刑")


def prohibition(case: Case) -> Finding | None:
    """The cases in which the law forbids parole outright."""
    if case.life_without_parole:
        return Finding("parole.prohibited", "终身监禁，不得假释", (BAR_LIFE_IMPRISONMENT,))
    if case.recidivist:
        return Finding("parole.prohibited", "累犯不得假释", (BAR_STATUTE, BAR_SPC))
    if violent_long_sentence(case):
        crimes = "、".join(violent_crimes(case))
        if case.penalty == FIXED:
            sentence = f"有期徒刑{months_text(_violent_months(case))}"
        else:
            sentence = case.penalty
        citations = (
            (BAR_STATUTE, BAR_SPC)
            if case.penalty != "死刑缓期二年执行"
            else (BAR_STATUTE, BAR_SPC, BAR_DEATH)
        )
        return Finding(
            "parole.prohibited",
            f"因{crimes}被判处{sentence}（十年以上有期徒刑、无期徒刑或死缓），不得假释",
            citations,
        )
    return None


def _violent_months(case: Case) -> int:
    named = [case.crime_terms[c] for c in violent_crimes(case) if c in case.crime_terms]
    return max(named) if named else case.term_months or 0


def min_served_date(case: Case, state: State) -> tuple[date, str, tuple[Citation, ...]]:
    """The first date on which the time-served condition of parole is met."""
    month_end = state.options.month_end
    if case.penalty == FIXED:
        term = case.term_months or 0
        served = completed_on(
            case.execution_start_date,
            term // 2,
            days=15 * (term % 2),
            credit_days=case.pretrial_detention_days,
            month_end=month_end,
        )
        return (
            served,
            f"执行原判刑期{months_text(term)}的二分之一（先行羁押"
            f"{case.pretrial_detention_days}日折抵；半个月按十五日计）",
            (SERVED_STATUTE, SERVED_FIXED),
        )
    if case.penalty == LIFE:
        served = completed_on(case.judgment_effective_date, 156, month_end=month_end)
        return (
            served,
            "无期徒刑自判决生效之日起实际执行十三年",
            (Citation("刑法", 81, 1, quote="实际执行十三年以上"), SERVED_LIFE),
        )
    assert state.suspension_end is not None
    served = completed_on(state.suspension_end, 180, month_end=month_end)
    return served, "死刑缓期执行期满之日起实际执行十五年", (SERVED_DEATH,)


def _last_reduction(case: Case) -> tuple[int, date] | None:
    changes = [c for c in case.history if c.type in REDUCTION_KINDS]
    if not changes:
        return None
    last = changes[-1]
    return (last.months or 0) if last.type == "减刑" else 0, last.served_date


def interval_date(case: Case, state: State) -> tuple[date, int] | None:
    """第二十八条: the first date parole may follow the last reduction, and the interval."""
    last = _last_reduction(case)
    if last is None:
        return None
    months_off, served = last
    interval = 18 if months_off >= 12 else 12
    return completed_on(served, interval, month_end=state.options.month_end), interval


def check_parole(case: Case, state: State) -> list[Finding]:
    """Every rule a parole proposal must satisfy; an empty list when it complies."""
    findings = []
    barred = prohibition(case)
    if barred:
        findings.append(barred)
    proposed = case.proposal.proposal_date
    served, what, citations = min_served_date(case, state)
    if proposed < served:
        findings.append(
            Finding("parole.min_served", f"报请日期{proposed}未满{what}，最早为{served}", citations)
        )
    if case.property_unpaid_with_ability:
        extra = (Citation(SUPP, 1, quote="不予假释"),) if supplement_applies(case) else ()
        findings.append(
            Finding(
                "parole.property",
                "生效裁判中有财产性判项，罪犯确有履行能力而不履行或者不全部履行，不予假释",
                (PROPERTY, PROPERTY_2024, *extra),
            )
        )
    findings += _check_interval(case, state)
    return findings


def _check_interval(case: Case, state: State) -> list[Finding]:
    due = interval_date(case, state)
    if due is None or case.proposal.proposal_date >= due[0]:
        return []
    earliest, interval = due
    last = _last_reduction(case)
    assert last is not None
    message = (
        f"报请日期{case.proposal.proposal_date}距上次减刑裁定送达之日{last[1]}不足"
        f"{months_text(interval)}，最早为{earliest}"
    )
    end = state.term_end()
    left = remaining_term(end, last[1], state.options.month_end) if end else None
    if left is not None and left.months < 24:
        return [
            Finding(
                "parole.interval_after_reduction",
                message + f"；减刑后余刑{left}不足二年，法院可以适当缩短间隔时间，须审查缩短理由",
                (INTERVAL, INTERVAL_SHORTENED),
                NOTICE,
            )
        ]
    return [Finding("parole.interval_after_reduction", message, (INTERVAL,))]


def earliest_parole_date(case: Case, state: State) -> date | None:
    """The earliest proposal date on time served and interval; None where the law bars
    parole outright. Property judgments and the other conditions are not dates."""
    if prohibition(case) is not None:
        return None
    served, _, _ = min_served_date(case, state)
    due = interval_date(case, state)
    return max(served, due[0]) if due else served
