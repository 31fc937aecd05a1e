"""假释 rules from 刑法第八十一条 and 法释〔2016〕23号 第十五、二十三、二十五、二十七、二十八条."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.law.test_rules_reduction import prisoner, reduction, rules_hit
from zhijian.law.rules import check
from zhijian.law.terms import term_end

DELIVERED = date(2015, 3, 1)


def parole(on: date) -> dict[str, Any]:
    return {"type": "假释", "proposal_date": on.isoformat()}


def fixed(**overrides: Any) -> dict[str, Any]:
    data = prisoner(
        term_months=120,
        judgment_effective_date="2015-02-10",
        execution_start_date=DELIVERED.isoformat(),
        pretrial_detention_days=200,
    )
    data.update(overrides)
    return data


def test_half_the_original_term_counted_from_delivery_with_detention_credited() -> None:
    # 第二十三条第一款：执行原判刑期二分之一的时间，应当从判决执行之日起计算，判决执行以前
    # 先行羁押的，羁押一日折抵刑期一日。
    half_served = term_end(DELIVERED, 60) - timedelta(days=200)
    assert half_served == date(2019, 8, 13)
    on_time = check(fixed(proposal=parole(half_served)))
    early = check(fixed(proposal=parole(half_served - timedelta(1))))
    assert on_time.findings == ()
    assert rules_hit(early) == [("parole.min_served", "违规")]
    assert "刑法》第八十一条第一款" in early.findings[0].citation
    assert on_time.earliest_parole_date == half_served


def test_half_of_an_odd_number_of_months_counts_half_a_month_as_fifteen_days() -> None:
    # 41 months: half is 20 months and 15 days (docs/law.md).
    half_served = term_end(DELIVERED, 20) + timedelta(days=15)
    result = check(fixed(term_months=41, pretrial_detention_days=0, proposal=parole(half_served)))
    assert result.findings == ()
    assert result.earliest_parole_date == half_served


def life(**overrides: Any) -> dict[str, Any]:
    data = fixed(penalty="无期徒刑", pretrial_detention_days=300)
    data.pop("term_months")
    data.update(overrides)
    return data


def test_life_sentence_thirteen_years_from_effective_date_without_credit() -> None:
    # 第二十三条第二款：实际执行刑期不得少于十三年的时间，应当从判决生效之日起计算。
    # 判决生效以前先行羁押的时间不予折抵。
    served = term_end(date(2015, 2, 10), 156)
    assert check(life(proposal=parole(served))).findings == ()
    assert rules_hit(check(life(proposal=parole(served - timedelta(1))))) == [
        ("parole.min_served", "违规")
    ]


def test_death_suspended_fifteen_years_from_end_of_suspension() -> None:
    # 第二十三条第三款：实际执行十五年以上，方可假释，该实际执行时间应当从死刑缓期执行
    # 期满之日起计算。
    data = life(
        penalty="死刑缓期二年执行",
        crimes=["贩卖毒品罪"],
        history=[{"type": "死缓减为无期徒刑", "decision_date": "2017-03-01"}],
    )
    served = term_end(date(2017, 2, 10), 180)
    assert check({**data, "proposal": parole(served)}).findings == ()
    early = check({**data, "proposal": parole(served - timedelta(1))})
    assert rules_hit(early) == [("parole.min_served", "违规")]
    assert "第二十三条第三款" in early.findings[0].citation


def test_recidivist_may_not_be_paroled() -> None:
    # 刑法第八十一条第二款：对累犯……不得假释。
    result = check(fixed(recidivist=True, proposal=parole(date(2021, 1, 1))))
    assert rules_hit(result) == [("parole.prohibited", "违规")]
    assert result.earliest_parole_date is None


@pytest.mark.parametrize(
    ("crime", "term_months", "barred"),
    [
        ("故意杀人罪", 120, True),  # 十年以上：包括本数（刑法第九十九条）
        ("故意杀人罪", 119, False),  # 九年十一个月：不在禁止之列
        ("强奸罪", 144, True),
        ("抢劫罪", 120, True),
        ("绑架罪", 180, True),
        ("放火罪", 120, True),
        ("爆炸罪", 120, True),
        ("投放危险物质罪", 120, True),
        ("故意伤害罪", 180, False),  # 故意伤害 is not among the eight
        ("盗窃罪", 180, False),
    ],
)
def test_violent_crimes_with_ten_years_or_more_may_not_be_paroled(
    crime: str, term_months: int, barred: bool
) -> None:
    # 刑法第八十一条第二款：因故意杀人、强奸、抢劫、绑架、放火、爆炸、投放危险物质或者有组织的
    # 暴力性犯罪被判处十年以上有期徒刑、无期徒刑的犯罪分子，不得假释。
    result = check(
        fixed(crimes=[crime], term_months=term_months, proposal=parole(date(2024, 1, 1)))
    )
    assert (("parole.prohibited", "违规") in rules_hit(result)) is barred


def test_organized_violence_is_a_stated_fact() -> None:
    result = check(
        fixed(crimes=["故意伤害罪"], organized_violence=True, proposal=parole(date(2024, 1, 1)))
    )
    assert rules_hit(result) == [("parole.prohibited", "违规")]


def test_violent_life_sentence_may_not_be_paroled() -> None:
    result = check(life(crimes=["抢劫罪"], proposal=parole(date(2030, 1, 1))))
    assert rules_hit(result) == [("parole.prohibited", "违规")]


def test_cumulative_sentence_uses_the_violent_crimes_own_term() -> None:
    # 数罪并罚：故意杀人罪 8 years, 盗窃罪 6 years, 决定执行 13 years: the bar needs the
    # violent crime itself to carry ten years or more.
    data = fixed(
        crimes=["故意杀人罪", "盗窃罪"],
        term_months=156,
        crime_terms={"故意杀人罪": 96, "盗窃罪": 72},
    )
    result = check({**data, "proposal": parole(date(2024, 1, 1))})
    assert result.findings == ()
    without_terms = check(
        {
            **fixed(crimes=["故意杀人罪", "盗窃罪"], term_months=156),
            "proposal": parole(date(2024, 1, 1)),
        }
    )
    assert rules_hit(without_terms) == [("parole.prohibited", "违规")]
    assert any("crime_terms" in note for note in without_terms.notes)


def test_life_imprisonment_may_not_be_paroled() -> None:
    data = life(penalty="死刑缓期二年执行", crimes=["受贿罪"], life_without_parole=True)
    result = check({**data, "proposal": parole(date(2040, 1, 1))})
    assert ("parole.prohibited", "违规") in rules_hit(result)
    assert "第十五条" in result.findings[0].citation


def test_unpaid_property_with_ability_bars_parole() -> None:
    # 第二十七条：对于生效裁判中有财产性判项，罪犯确有履行能力而不履行或者不全部履行的，不予假释。
    result = check(fixed(property_unpaid_with_ability=True, proposal=parole(date(2024, 1, 1))))
    assert rules_hit(result) == [("parole.property", "违规")]
    assert "第二十七条" in result.findings[0].citation


def test_interval_after_a_reduction() -> None:
    # 第二十八条第一款：罪犯减刑后又假释的，间隔时间不得少于一年；对一次减去一年以上有期徒刑后，
    # 决定假释的，间隔时间不得少于一年六个月。
    served = date(2019, 4, 25)
    nine = fixed(history=[reduction(served, 9)])
    assert check({**nine, "proposal": parole(term_end(served, 12))}).findings == ()
    early = check({**nine, "proposal": parole(term_end(served, 12) - timedelta(1))})
    assert rules_hit(early) == [("parole.interval_after_reduction", "违规")]
    twelve = fixed(history=[reduction(served, 12, "悔改表现并立功")])
    early = check({**twelve, "proposal": parole(term_end(served, 18) - timedelta(1))})
    assert rules_hit(early) == [("parole.interval_after_reduction", "违规")]
    assert check({**twelve, "proposal": parole(term_end(served, 18))}).findings == ()
    assert check({**twelve, "proposal": parole(date(2021, 1, 1))}).earliest_parole_date == term_end(
        served, 18
    )


def test_interval_may_be_shortened_when_less_than_two_years_remain() -> None:
    # 第二十八条第二款：罪犯减刑后余刑不足二年，决定假释的，可以适当缩短间隔时间。
    # Reported as a notice, never hidden.
    served = date(2023, 6, 1)
    data = fixed(term_months=84, history=[reduction(served, 9)])  # about 11 months left then
    data["execution_start_date"] = "2018-09-01"
    result = check({**data, "proposal": parole(served + timedelta(days=90))})
    assert rules_hit(result) == [("parole.interval_after_reduction", "提示")]
    assert result.compliant
    assert "余刑" in result.findings[0].message
