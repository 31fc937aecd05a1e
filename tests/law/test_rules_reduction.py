"""减刑 rules, each test built from the wording of the article it names.

Dates: "执行一年以上" is met on the last day of a one-year term begun on the delivery
date (刑法第九十九条：以上包括本数); the day before is one day short.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.cli.test_law_cli import ISSUE_EXAMPLE
from zhijian.law.errors import LawInputError
from zhijian.law.rules import CheckResult, check
from zhijian.law.terms import term_end

DELIVERED = date(2020, 3, 1)


def prisoner(**overrides: Any) -> dict[str, Any]:
    """A fixed-term theft convict delivered to prison on 2020-03-01, with no history."""
    data: dict[str, Any] = {
        "penalty": "有期徒刑",
        "term_months": 36,
        "crimes": ["盗窃罪"],
        "recidivist": False,
        "limited_reduction": False,
        "judgment_effective_date": "2020-02-10",
        "execution_start_date": DELIVERED.isoformat(),
        "pretrial_detention_days": 0,
        "property_unpaid_with_ability": False,
        "history": [],
        "proposal": {
            "type": "减刑",
            "proposal_date": "2022-06-01",
            "months": 6,
            "basis": "悔改表现",
        },
    }
    data.update(overrides)
    return data


def proposal(on: date, months: int = 6, basis: str = "悔改表现") -> dict[str, Any]:
    return {"type": "减刑", "proposal_date": on.isoformat(), "months": months, "basis": basis}


def reduction(served: date, months: int, basis: str = "悔改表现") -> dict[str, Any]:
    decided = served - timedelta(days=5)
    return {
        "type": "减刑",
        "decision_date": decided.isoformat(),
        "served_date": served.isoformat(),
        "months": months,
        "basis": basis,
    }


def rules_hit(result: CheckResult) -> list[tuple[str, str]]:
    return [(f.rule, f.level) for f in result.findings]


# 第六条第一款 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term_months", "start_months"),
    [
        (36, 12),  # 不满五年有期徒刑的，应当执行一年以上方可减刑
        (59, 12),
        (60, 18),  # 五年以上不满十年有期徒刑的，应当执行一年六个月以上方可减刑
        (119, 18),
        (120, 24),  # 十年以上有期徒刑的，应当执行二年以上方可减刑
        (180, 24),
    ],
)
def test_start_time_by_original_term(term_months: int, start_months: int) -> None:
    earliest = term_end(DELIVERED, start_months)
    on_time = check(prisoner(term_months=term_months, proposal=proposal(earliest)))
    early = check(prisoner(term_months=term_months, proposal=proposal(earliest - timedelta(1))))
    assert on_time.compliant and on_time.findings == ()
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    assert (
        "办理减刑、假释案件具体应用法律的规定》（法释〔2016〕23号）第六条第一款"
        in early.findings[0].citation
    )
    assert on_time.earliest_reduction_date == earliest


def test_start_time_counts_from_delivery_not_from_detention() -> None:
    # 第六条：有期徒刑减刑的起始时间自判决执行之日起计算；第四十条：判决执行之日是指
    # 罪犯实际送交刑罚执行机关之日. Pre-trial detention does not bring it forward.
    result = check(prisoner(pretrial_detention_days=300, proposal=proposal(date(2021, 2, 27))))
    assert rules_hit(result) == [("reduction.start_time", "违规")]


def test_major_merit_is_not_bound_by_start_time() -> None:
    # 第六条第四款：罪犯有重大立功表现的，可以不受上述减刑起始时间和间隔时间的限制。
    result = check(prisoner(proposal=proposal(date(2020, 6, 1), months=12, basis="重大立功")))
    assert result.findings == ()


# 第六条第二款 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("basis", "cap"),
    [
        ("悔改表现", 9),  # 确有悔改表现或者有立功表现的，一次减刑不超过九个月有期徒刑
        ("立功", 9),
        ("悔改表现并立功", 12),  # 确有悔改表现并有立功表现的，一次减刑不超过一年有期徒刑
        ("重大立功", 18),  # 有重大立功表现的，一次减刑不超过一年六个月有期徒刑
        ("悔改表现并重大立功", 24),  # 确有悔改表现并有重大立功表现的，一次减刑不超过二年
    ],
)
def test_amount_by_basis(basis: str, cap: int) -> None:
    on = date(2023, 6, 1)
    at_cap = check(prisoner(term_months=120, proposal=proposal(on, cap, basis)))
    over = check(prisoner(term_months=120, proposal=proposal(on, cap + 1, basis)))
    assert at_cap.findings == ()
    assert rules_hit(over) == [("reduction.amount", "违规")]


# 第六条第三款 ------------------------------------------------------------------


@pytest.mark.parametrize(("term_months", "interval"), [(119, 12), (120, 18)])
def test_interval_by_original_term(term_months: int, interval: int) -> None:
    # 被判处不满十年有期徒刑的罪犯，两次减刑间隔时间不得少于一年；被判处十年以上有期徒刑
    # 的罪犯，两次减刑间隔时间不得少于一年六个月。
    # 间隔自上次裁定送达之日起至本次报请之日止（第四十条）。
    served = date(2022, 4, 25)
    history = [reduction(served, 6)]
    due = term_end(served, interval)
    on_time = check(prisoner(term_months=term_months, history=history, proposal=proposal(due)))
    early = check(
        prisoner(term_months=term_months, history=history, proposal=proposal(due - timedelta(1)))
    )
    assert on_time.findings == ()
    assert rules_hit(early) == [("reduction.interval", "违规")]
    assert on_time.earliest_reduction_date == due


def test_interval_not_shorter_than_previous_reduction() -> None:
    # 第六条第三款：减刑间隔时间不得低于上次减刑减去的刑期。
    served = date(2022, 4, 25)
    history = [reduction(served, 24, "悔改表现并重大立功")]
    after_18 = term_end(served, 18)
    after_24 = term_end(served, 24)
    early = check(prisoner(term_months=180, history=history, proposal=proposal(after_18)))
    on_time = check(prisoner(term_months=180, history=history, proposal=proposal(after_24)))
    assert rules_hit(early) == [("reduction.interval", "违规")]
    assert "上次减刑减去的刑期" in early.findings[0].message
    assert on_time.findings == ()
    assert on_time.earliest_reduction_date == after_24


# 第七条 ------------------------------------------------------------------------


def test_duty_crime_under_ten_years_is_strict() -> None:
    # 第七条第一款：职务犯罪罪犯……被判处十年以下有期徒刑的，执行二年以上方可减刑，
    # 一次减刑不超过一年有期徒刑，两次减刑之间应当间隔一年以上。
    base = {"crimes": ["受贿罪"], "term_months": 96}
    general_start = term_end(DELIVERED, 18)
    strict_start = term_end(DELIVERED, 24)
    early = check(prisoner(**base, proposal=proposal(general_start)))
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    assert "第七条第一款" in early.findings[0].citation
    assert check(prisoner(**base, proposal=proposal(strict_start))).findings == ()
    capped = check(prisoner(**base, proposal=proposal(strict_start, 13, "重大立功")))
    assert rules_hit(capped) == [("reduction.amount", "违规")]
    assert "职务犯罪" in capped.tier


def test_recidivist_is_strict() -> None:
    result = check(prisoner(recidivist=True, proposal=proposal(term_end(DELIVERED, 12))))
    assert rules_hit(result) == [("reduction.start_time", "违规")]
    assert "累犯" in result.tier


def test_violent_crime_ten_years_is_strict_with_longer_interval() -> None:
    # 第七条第二款：因故意杀人……被判处十年以上有期徒刑的罪犯，执行二年以上方可减刑，
    # 一次减刑不超过一年有期徒刑，两次减刑之间应当间隔一年六个月以上。
    served = date(2022, 4, 25)
    base = {"crimes": ["故意杀人罪"], "term_months": 120, "history": [reduction(served, 9)]}
    early = check(prisoner(**base, proposal=proposal(term_end(served, 18) - timedelta(1))))
    assert rules_hit(early) == [("reduction.interval", "违规")]
    assert "第七条第二款" in early.findings[0].citation
    over = check(prisoner(**base, proposal=proposal(term_end(served, 18), 13, "重大立功")))
    assert rules_hit(over) == [("reduction.amount", "违规")]


def test_strict_offender_sentenced_to_exactly_ten_years_gets_the_longer_interval() -> None:
    # 第七条第一款 says 十年以下, 第二款 十年以上; 刑法第九十九条 puts ten years in both.
    # The kernel applies the stricter second paragraph (docs/law.md).
    served = date(2022, 4, 25)
    result = check(
        prisoner(
            crimes=["受贿罪"],
            term_months=120,
            history=[reduction(served, 6)],
            proposal=proposal(term_end(served, 12)),
        )
    )
    assert rules_hit(result) == [("reduction.interval", "违规")]
    assert "第七条第二款" in result.tier


def test_issue_example_is_compliant() -> None:
    # The example of the check command's documentation (docs/law.md).
    result = check(ISSUE_EXAMPLE)
    assert result.compliant
    assert result.earliest_reduction_date == date(2018, 10, 24)
    assert result.earliest_parole_date is None  # 故意杀人、十年：不得假释


# 法释〔2019〕6号 ------------------------------------------------------------------


def corrupt_official(**overrides: Any) -> dict[str, Any]:
    data = prisoner(
        crimes=["受贿罪"],
        former_state_functionary=True,
        judgment_effective_date="2018-02-10",
        execution_start_date="2018-03-01",
    )
    data.update(overrides)
    return data


def test_supplement_start_interval_and_amount_for_ten_years_or_more() -> None:
    # 补充规定第二条：被判处十年以上有期徒刑……执行三年以上方可减刑；确有悔改表现……一次减刑
    # 不超过六个月；……两次减刑之间应当间隔二年以上。
    delivered = date(2018, 3, 1)
    early = check(
        corrupt_official(
            term_months=144, proposal=proposal(term_end(delivered, 36) - timedelta(1), 6)
        )
    )
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    assert "法释〔2019〕6号" in early.findings[0].citation
    two_years = check(
        corrupt_official(term_months=144, proposal=proposal(term_end(delivered, 24), 6))
    )
    assert rules_hit(two_years) == [("reduction.start_time", "违规")]
    too_much = check(
        corrupt_official(term_months=144, proposal=proposal(term_end(delivered, 36), 7))
    )
    assert rules_hit(too_much) == [("reduction.amount", "违规")]
    served = date(2021, 8, 1)
    interval = check(
        corrupt_official(
            term_months=144,
            history=[reduction(served, 6)],
            proposal=proposal(term_end(served, 24) - timedelta(1)),
        )
    )
    assert rules_hit(interval) == [("reduction.interval", "违规")]


def test_supplement_does_not_apply_before_it_took_effect() -> None:
    result = check(
        corrupt_official(
            term_months=96,
            judgment_effective_date="2017-02-10",
            execution_start_date="2017-03-01",
            proposal=proposal(date(2019, 5, 31), 12, "悔改表现并立功"),
        )
    )
    assert "第七条" in result.tier
    assert result.findings == ()


# 无期徒刑 (第八、九条) --------------------------------------------------------------


def lifer(**overrides: Any) -> dict[str, Any]:
    data = prisoner(penalty="无期徒刑")
    data.pop("term_months")
    data.update(overrides)
    return data


def conversion(on: date, new_term: int, basis: str = "悔改表现") -> dict[str, Any]:
    return {
        "type": "无期减为有期徒刑",
        "proposal_date": on.isoformat(),
        "new_term_months": new_term,
        "basis": basis,
    }


def test_life_sentence_reduced_after_two_years_to_twenty_two_years() -> None:
    # 第八条：执行二年以上，可以减刑。确有悔改表现或者有立功表现的，可以减为二十二年有期徒刑；
    # 有重大立功表现的，可以减为二十年以上二十一年以下有期徒刑。
    due = term_end(DELIVERED, 24)
    assert check(lifer(proposal=conversion(due, 264))).findings == ()
    early = check(lifer(proposal=conversion(due - timedelta(1), 264)))
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    too_short = check(lifer(proposal=conversion(due, 252)))
    assert rules_hit(too_short) == [("reduction.amount", "违规")]
    assert check(lifer(proposal=conversion(due, 240, "重大立功"))).findings == ()


def test_violent_life_sentence_is_strict() -> None:
    # 第九条：……因故意杀人……的罪犯……执行三年以上方可减刑，……减刑后的刑期最低不得少于二十年。
    due = term_end(DELIVERED, 36)
    assert check(lifer(crimes=["故意杀人罪"], proposal=conversion(due, 264))).findings == ()
    early = check(lifer(crimes=["故意杀人罪"], proposal=conversion(term_end(DELIVERED, 24), 264)))
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    floor = check(lifer(crimes=["故意杀人罪"], proposal=conversion(due, 228, "悔改表现并重大立功")))
    assert rules_hit(floor) == [("reduction.amount", "违规")]


def test_after_life_conversion_interval_is_two_years() -> None:
    # 第八条：两次减刑间隔时间不得少于二年。
    served = date(2022, 6, 10)
    history = [
        {
            "type": "无期减为有期徒刑",
            "decision_date": "2022-06-05",
            "served_date": served.isoformat(),
            "new_term_months": 264,
            "basis": "悔改表现",
        }
    ]
    on_time = check(lifer(history=history, proposal=proposal(term_end(served, 24), 9)))
    early = check(lifer(history=history, proposal=proposal(term_end(served, 24) - timedelta(1), 9)))
    assert on_time.findings == ()
    assert rules_hit(early) == [("reduction.interval", "违规")]


def test_monthly_reduction_proposed_for_a_life_sentence_is_bad_input() -> None:
    with pytest.raises(LawInputError, match="无期减为有期徒刑"):
        check(lifer(proposal=proposal(date(2023, 1, 1))))


# 死刑缓期执行 (第十至十五条) ---------------------------------------------------------


def death_suspended(**overrides: Any) -> dict[str, Any]:
    data = lifer(
        penalty="死刑缓期二年执行",
        crimes=["贩卖毒品罪"],
        judgment_effective_date="2010-05-10",
        execution_start_date="2010-06-01",
        history=[
            {"type": "死缓减为无期徒刑", "decision_date": "2012-06-20", "served_date": "2012-06-25"}
        ],
    )
    data.update(overrides)
    return data


SUSPENSION_END = date(2012, 5, 10)


def test_death_suspended_then_life_reduced_after_three_years_to_twenty_five() -> None:
    # 第十条：减为无期徒刑后……执行三年以上方可减刑。确有悔改表现……可以减为二十五年有期徒刑。
    due = term_end(SUSPENSION_END, 36)
    assert check(death_suspended(proposal=conversion(due, 300))).findings == ()
    early = check(death_suspended(proposal=conversion(due - timedelta(1), 300)))
    assert rules_hit(early) == [("reduction.start_time", "违规")]
    short = check(death_suspended(proposal=conversion(due, 288)))
    assert rules_hit(short) == [("reduction.amount", "违规")]


def test_limited_reduction_waits_five_years() -> None:
    # 第十三条：被限制减刑的死刑缓期执行罪犯，减为无期徒刑后……执行五年以上方可减刑。
    due = term_end(SUSPENSION_END, 60)
    result = check(
        death_suspended(
            limited_reduction=True, proposal=conversion(term_end(SUSPENSION_END, 36), 300)
        )
    )
    assert rules_hit(result) == [("reduction.start_time", "违规")]
    assert (
        check(death_suspended(limited_reduction=True, proposal=conversion(due, 300))).findings == ()
    )


def test_limited_reduction_after_fixed_term_six_months_two_years() -> None:
    # 第十四条：减为有期徒刑后再减刑时，一次减刑不超过六个月有期徒刑，两次减刑间隔时间不得少于二年。
    # 有重大立功表现的，间隔时间可以适当缩短，但一次减刑不超过一年有期徒刑。
    history = [
        {"type": "死缓减为无期徒刑", "decision_date": "2012-06-20", "served_date": "2012-06-25"},
        {
            "type": "无期减为有期徒刑",
            "decision_date": "2017-07-01",
            "served_date": "2017-07-05",
            "new_term_months": 300,
            "basis": "悔改表现",
        },
    ]
    due = term_end(date(2017, 7, 5), 24)
    base = death_suspended(limited_reduction=True, history=history)
    assert check({**base, "proposal": proposal(due, 6)}).findings == ()
    assert rules_hit(check({**base, "proposal": proposal(due, 7)})) == [
        ("reduction.amount", "违规")
    ]
    shortened = check({**base, "proposal": proposal(due - timedelta(30), 12, "重大立功")})
    assert rules_hit(shortened) == [("reduction.interval", "提示")]
    assert shortened.compliant


def test_life_imprisonment_is_never_reduced() -> None:
    # 第十五条：对被判处终身监禁的罪犯……不得再减刑或者假释。
    result = check(
        death_suspended(
            crimes=["贪污罪"], life_without_parole=True, proposal=conversion(date(2020, 1, 1), 300)
        )
    )
    assert rules_hit(result) == [("reduction.prohibited", "违规")]
    assert result.earliest_reduction_date is None
    assert result.earliest_parole_date is None


# 刑法第七十八条第二款 ------------------------------------------------------------------


def test_floor_of_half_the_original_fixed_term() -> None:
    # 刑法第七十八条第二款：减刑以后实际执行的刑期不能少于……原判刑期的二分之一。
    history = [reduction(date(2021, 4, 1), 9), reduction(date(2022, 4, 1), 9)]
    exact = check(prisoner(history=history, proposal=proposal(date(2023, 4, 1), 0 + 1)))
    assert rules_hit(exact) == [("reduction.min_served", "违规")]
    history = [reduction(date(2021, 4, 1), 9), reduction(date(2022, 4, 1), 8)]
    assert check(prisoner(history=history, proposal=proposal(date(2023, 4, 1), 1))).findings == ()


def test_floor_of_thirteen_years_for_life() -> None:
    # 刑法第七十八条第二款：判处无期徒刑的，不能少于十三年。
    history = [
        {
            "type": "无期减为有期徒刑",
            "decision_date": "2022-03-01",
            "served_date": "2022-03-05",
            "new_term_months": 228,
            "basis": "悔改表现并重大立功",
        }
    ]
    result = check(lifer(history=history, proposal=proposal(date(2024, 3, 10), 120, "重大立功")))
    assert ("reduction.min_served", "违规") in rules_hit(result)


# Property judgments and the 1/3 leniency ------------------------------------------------


def test_unpaid_property_with_ability_blocks_reduction_unless_major_merit() -> None:
    # 法释〔2024〕5号第四条：罪犯确有履行能力而不履行的……一般不予减刑、假释。
    # 罪犯因重大立功减刑的……一般不受财产性判项履行情况的影响。
    on = term_end(DELIVERED, 24)
    blocked = check(prisoner(property_unpaid_with_ability=True, proposal=proposal(on)))
    assert rules_hit(blocked) == [("reduction.property", "违规")]
    merit = check(
        prisoner(property_unpaid_with_ability=True, proposal=proposal(on, 12, "重大立功"))
    )
    assert merit.findings == ()


def test_minor_or_elderly_may_have_times_shortened_by_a_third() -> None:
    # 第十九、二十条：缩短的时间不得超过本规定中相应……时间的三分之一。
    within = check(prisoner(lenient_category=True, proposal=proposal(term_end(DELIVERED, 8))))
    beyond = check(
        prisoner(lenient_category=True, proposal=proposal(term_end(DELIVERED, 8) - timedelta(1)))
    )
    assert rules_hit(within) == [("reduction.start_time", "提示")]
    assert within.compliant
    assert rules_hit(beyond) == [("reduction.start_time", "违规")]


def test_short_remaining_term_may_shorten_the_start_time() -> None:
    # 第十六条：判决生效后剩余刑期不满二年有期徒刑的罪犯……减刑起始时间可以适当缩短。
    result = check(
        prisoner(
            term_months=30, pretrial_detention_days=400, proposal=proposal(date(2020, 12, 1), 3)
        )
    )
    assert rules_hit(result) == [("reduction.start_time", "提示")]
