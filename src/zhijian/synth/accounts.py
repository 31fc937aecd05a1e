"""Months in prison: the prisoner's account (spending and balance) and the monthly
assessment score.

Prisoners who still owe on a property judgment (``Offenders.unpaid``) spend little (at
most 700 元 a month) and keep a balance of at most half of what they owe, so that no
background prisoner shows the ability to pay that 法释〔2024〕5号第三、六条 looks for
(``parole_unpaid_reduction`` in docs/synth.md: 800 元 a month, or a balance covering the
debt).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from zhijian.synth.custody import Custody
from zhijian.synth.dates import day, month_text
from zhijian.synth.facilities import prisons
from zhijian.synth.people import Population
from zhijian.synth.sentences import Offenders
from zhijian.synth.tables import Tables, money


def add_accounts(
    tables: Tables,
    rng: np.random.Generator,
    offenders: Offenders,
    custody: Custody,
    population: Population,
    as_of: date,
) -> None:
    rows = np.flatnonzero(custody.prison >= 0)
    first = custody.delivery[rows].astype("datetime64[M]")
    last_day = np.where(np.isnat(custody.release[rows]), day(as_of), custody.release[rows])
    last = last_day.astype("datetime64[M]")
    count = (last - first).astype(np.int64) + 1
    who = np.repeat(rows, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    month = np.repeat(first, count) + offset.astype("timedelta64[M]")
    months = month_text(month.astype("datetime64[D]"))
    owes = offenders.unpaid[who]
    n = len(who)
    spend = np.where(owes > 0, rng.integers(100, 701, n), rng.integers(100, 1501, n)) * 100
    spend += rng.integers(0, 100, n)
    balance_cap = np.where(owes > 0, np.minimum(300_000, owes // 2), 800_000)
    balance = (rng.random(n) * balance_cap).astype(np.int64)
    people = pa.array(offenders.person[who])
    codes = pa.array([p.code for p in prisons()]).take(pa.array(custody.prison[who]))
    ids = population.id_number.take(people)
    names = population.name.take(people)
    tables.add(
        "prison_accounts",
        {
            "id_number": ids,
            "name": names,
            "facility_code": codes,
            "month": months,
            "spend_yuan": money(spend),
            "balance_yuan": money(balance),
            "source_system": ["监狱"] * n,
        },
    )
    draw = rng.random(n)
    award = np.select([draw < 0.04, draw < 0.06], ["表扬", "物质奖励"], "")
    punishment = np.where(rng.random(n) < 0.01, "警告", "")
    tables.add(
        "assessments",
        {
            "id_number": ids,
            "name": names,
            "facility_code": codes,
            "month": months,
            "score": rng.integers(110, 201, n) / 2,
            "award": pa.array(award, mask=award == ""),
            "punishment": pa.array(punishment, mask=punishment == ""),
            "source_system": ["监狱"] * n,
        },
    )
