"""Planted cases of the sentence-change and custody models: parole_prohibited,
parole_min_served, reduction_timing_amount, property_unpaid_reduction,
parole_eligible_not_proposed, overdue_release and detention_center_retention.
docs/synth.md states each criterion; the comments here say how a case meets it."""

from __future__ import annotations

from datetime import date, timedelta

from zhijian.law.terms import completed_on, corresponding_day, term_end
from zhijian.synth.anomalies.records import Plant, Prisoner, months_ago


def half_term(prisoner: Prisoner) -> date:
    """刑法第八十一条; 法释〔2016〕23号第二十三条第一款 (as the kernel counts)."""
    credit = (prisoner.delivery - prisoner.detention).days
    term = prisoner.term
    return completed_on(prisoner.delivery, term // 2, days=15 * (term % 2), credit_days=credit)


def parole(plant: Plant, prisoner: Prisoner, proposal: date) -> str:
    """A parole granted on ``proposal`` + 30 days, release, and the corrections case."""
    decision = proposal + timedelta(days=30)
    served = decision + timedelta(days=5)
    months = max(1, round((prisoner.term_end - served).days / 30.44))
    change = plant.change(
        prisoner, "假释", proposal, decision_date=decision, served_date=served,
        parole_months=months, property_status="无财产性判项",
    )  # fmt: skip
    plant.prison_record(prisoner, prisoner.term_end, served, "假释")
    plant.case(
        prisoner.person, "假释", served, prisoner.term_end,
        judgment_id=prisoner.judgment_id, change_id=change,
    )  # fmt: skip
    return change


def parole_prohibited(plant: Plant, index: int, near: bool) -> None:
    """刑法第八十一条第二款: a recidivist, or 故意杀人 with ten years or more, paroled
    (otherwise on time). Near-miss: 故意杀人, nine years eleven months."""
    if near:
        crime, term, recidivist, back = "故意杀人罪", 119, False, 90
    elif index % 2 == 0:
        crime, term, recidivist, back = "盗窃罪", 60, True, 50
    else:
        crime, term, recidivist, back = "故意杀人罪", 144, False, 100
    prisoner = plant.prisoner(
        plant.person(40), crime, term, months_ago(plant.as_of, back), recidivist=recidivist
    )
    change = parole(plant, prisoner, half_term(prisoner) + timedelta(days=30))
    what = "累犯" if recidivist else f"因{crime}被判处有期徒刑{term}个月"
    why = "（不满十年，依法可以假释）" if near else "（刑法第八十一条第二款不得假释）"
    plant.truth("parole_prohibited", prisoner.person, change, f"{what}，裁定假释{why}", near=near)


def parole_min_served(plant: Plant, index: int, near: bool) -> None:
    """Parole proposed 60 days before half the term is served. Near-miss: on the day."""
    prisoner = plant.prisoner(
        plant.person(35 + index % 20), "盗窃罪", 48, months_ago(plant.as_of, 40)
    )
    half = half_term(prisoner)
    proposal = half if near else half - timedelta(days=60 + index)
    change = parole(plant, prisoner, proposal)
    plant.truth(
        "parole_min_served", prisoner.person, change,
        f"有期徒刑48个月，报请假释日{proposal}，执行原判刑期二分之一之日为{half}",
        near=near,
    )  # fmt: skip


def reduction_timing_amount(plant: Plant, index: int, near: bool) -> None:
    """A general-tier prisoner (48 months; 法释〔2016〕23号第六条: first reduction after a
    year, a year apart, at most nine months for 悔改表现). Variants: too early, too much,
    too soon after the last. Near-miss: proposed on the earliest lawful day."""
    prisoner = plant.prisoner(
        plant.person(30 + index % 25), "盗窃罪", 48, months_ago(plant.as_of, 30)
    )
    earliest = completed_on(prisoner.delivery, 12)
    reductions = 0
    if near:
        key = _reduce(plant, prisoner, earliest, 6)
        reductions, what = 6, f"首次减刑报请日恰为最早可报请日{earliest}"
    elif index % 3 == 0:
        key = _reduce(plant, prisoner, earliest - timedelta(days=40 + index), 6)
        reductions, what = 6, f"首次减刑早于最早可报请日{earliest}（执行不满一年）"
    elif index % 3 == 1:
        key = _reduce(plant, prisoner, earliest + timedelta(days=30), 12)
        reductions, what = 12, "以悔改表现一次减刑12个月，超过9个月的上限"
    else:
        first = earliest + timedelta(days=20)
        _reduce(plant, prisoner, first, 6)
        served = first + timedelta(days=35)
        second = corresponding_day(served, 8)
        key = _reduce(plant, prisoner, second, 6, total=12)
        reductions, what = 12, f"两次减刑间隔不足一年（上次送达{served}，本次报请{second}）"
    plant.prison_record(prisoner, term_end(prisoner.term_start, prisoner.term - reductions))
    plant.truth("reduction_timing_amount", prisoner.person, key, what, near=near)


def _reduce(
    plant: Plant, prisoner: Prisoner, proposal: date, months: int, total: int | None = None
) -> str:
    """A 减刑 of ``months``; ``total``: all months taken off so far, this one included."""
    return plant.change(
        prisoner, "减刑", proposal, reduction_months=months, basis="悔改表现",
        new_term_end=term_end(prisoner.term_start, prisoner.term - (total or months)),
        property_status="无财产性判项",
    )  # fmt: skip


def property_unpaid_reduction(plant: Plant, index: int, near: bool) -> None:
    """Fine of 20,000 元 未执行; spends 1,200 元 a month in prison, and is reduced on
    time. Near-miss: spends 799 元 a month, balance 500 元."""
    prisoner = plant.prisoner(
        plant.person(38), "盗窃罪", 60, months_ago(plant.as_of, 40), fine=20_000
    )
    proposal = completed_on(prisoner.delivery, 18) + timedelta(days=20)
    change = plant.change(
        prisoner, "减刑", proposal, reduction_months=6, basis="悔改表现",
        new_term_end=term_end(prisoner.term_start, 54), property_status="未履行",
    )  # fmt: skip
    plant.prison_record(prisoner, term_end(prisoner.term_start, 54))
    spend, balance = (799, 500) if near else (1200 + index, 3000)
    plant.accounts(prisoner, plant.as_of, spend, balance)
    plant.truth(
        "property_unpaid_reduction", prisoner.person, change,
        f"罚金20000元未执行，报请减刑前六个月月均消费{spend}元、余额{balance}元",
        near=near,
    )  # fmt: skip


def parole_eligible_not_proposed(plant: Plant, index: int, near: bool) -> None:
    """Not barred, no property judgment, half the term served: a lawful reduction is
    proposed instead of parole (法释〔2016〕23号第二十六条第二款; 检例第195号). Near-miss:
    proposed the day before half the term is served."""
    prisoner = plant.prisoner(
        plant.person(33 + index % 20), "盗窃罪", 48, months_ago(plant.as_of, 34)
    )
    half = half_term(prisoner)
    proposal = half - timedelta(days=1) if near else half + timedelta(days=30 + index)
    change = _reduce(plant, prisoner, proposal, 6)
    plant.prison_record(prisoner, term_end(prisoner.term_start, 42))
    plant.truth(
        "parole_eligible_not_proposed", prisoner.person, change,
        f"报请减刑日{proposal}，已于{half}执行原判刑期二分之一，不属不得假释情形且无财产性判项",
        near=near,
    )  # fmt: skip


def overdue_release(plant: Plant, index: int, near: bool) -> None:
    """Still held after the term ended, or a current term end that is not the one the
    judgment and reductions give. Near-miss: the term ends on the as-of date."""
    if near:
        detention = corresponding_day(plant.as_of + timedelta(days=1), -36)
        prisoner = plant.prisoner(plant.person(45), "盗窃罪", 36, detention)
        plant.prison_record(prisoner, prisoner.term_end)
        what = f"刑期止日{prisoner.term_end}即截止日，仍在押"
    elif index % 2 == 0:
        prisoner = plant.prisoner(
            plant.person(45), "盗窃罪", 36, months_ago(plant.as_of, 37 + index % 5)
        )
        plant.prison_record(prisoner, prisoner.term_end)
        what = f"刑期已于{prisoner.term_end}届满，仍在押"
    else:
        prisoner = plant.prisoner(plant.person(45), "盗窃罪", 60, months_ago(plant.as_of, 30))
        wrong = prisoner.term_end + timedelta(days=31)
        plant.prison_record(prisoner, wrong)
        what = f"监狱记载的现刑期止日{wrong}与判决刑期止日{prisoner.term_end}不符"
    plant.truth("overdue_release", prisoner.person, prisoner.prison_record, what, near=near)


def detention_center_retention(plant: Plant, index: int, near: bool) -> None:
    """刑事诉讼法第二百六十四条第二款, 刑诉规则第六百二十五、六百五十九条: kept in the
    看守所 with more than three months left, or delivered more than 30 days after the
    notice. Near-miss: delivered on the 30th day."""
    person = plant.person(30 + index % 20)
    if not near and index % 2 == 0:
        detention = plant.as_of - timedelta(days=200)
        detention = detention.replace(day=min(detention.day, 28))
        prisoner = plant.prisoner(person, "盗窃罪", 12, detention, retained=True)
        what = f"余刑三个月以上（刑期止日{prisoner.term_end}）仍留所服刑"
    else:
        days = 30 if near else 45 + index
        prisoner = plant.prisoner(
            person, "盗窃罪", 36, months_ago(plant.as_of, 20), delivery_days=days
        )
        plant.prison_record(prisoner, prisoner.term_end)
        what = f"收到执行通知书{prisoner.notice}后第{days}日送交监狱"
    plant.truth("detention_center_retention", person, prisoner.centre_record, what, near=near)
