"""The crimes the generator uses: how often each occurs, the sentences courts hand down
for it, and the statutory range those sentences must stay inside.

Frequencies are rough shares of first-instance convictions (theft, dangerous driving and
fraud lead every year's court statistics; the eight violent crimes are rare). A band is
(主刑, lowest months, highest months, weight); 无期徒刑 and 死缓 have no months. Every
band lies inside the crime's range in the 刑法 article cited, and inside the general
limits: 管制 three months to two years (第三十八条), 拘役 one to six months (第四十二条),
有期徒刑 six months to fifteen years for one crime (第四十五条).
"""

from __future__ import annotations

from dataclasses import dataclass

FIXED = "有期徒刑"
LIFE = "无期徒刑"
DEATH_SUSPENDED = "死刑缓期二年执行"
DETENTION = "拘役"
SURVEILLANCE = "管制"
PENALTIES = (SURVEILLANCE, DETENTION, FIXED, LIFE, DEATH_SUSPENDED)

Band = tuple[str, int, int, float]


@dataclass(frozen=True)
class CrimeRule:
    name: str  # the catalogue's current name
    article: str  # where its penalties are
    weight: float
    bands: tuple[Band, ...]
    penalties: frozenset[str]  # the 主刑 the article allows
    fixed_range: tuple[int, int]  # 有期徒刑 months the article allows (one crime)
    fined: bool = False  # the article provides 并处罚金 or 单处罚金
    restitution: bool = False  # property crimes: 追缴、责令退赔
    civil: bool = False  # injury: 附带民事赔偿

    @property
    def violent(self) -> bool:
        """One of the crimes 刑法第八十一条第二款 names."""
        return self.name in ("故意杀人罪", "强奸罪", "抢劫罪")


_ALL = frozenset(PENALTIES)
_SHORT = frozenset({SURVEILLANCE, DETENTION, FIXED})
_NO_SURVEILLANCE = frozenset({DETENTION, FIXED})
_UP_TO_LIFE = frozenset({SURVEILLANCE, DETENTION, FIXED, LIFE})

CRIMES: tuple[CrimeRule, ...] = (
    CrimeRule(
        "盗窃罪",
        "刑法第二百六十四条",
        20,
        ((DETENTION, 1, 6, 25), (SURVEILLANCE, 3, 12, 3), (FIXED, 6, 36, 52),
         (FIXED, 37, 119, 15), (FIXED, 120, 180, 4), (LIFE, 0, 0, 1)),
        _UP_TO_LIFE, (6, 180), fined=True, restitution=True,
    ),
    CrimeRule(
        "诈骗罪",
        "刑法第二百六十六条",
        12,
        ((DETENTION, 1, 6, 10), (FIXED, 6, 36, 50), (FIXED, 37, 119, 30),
         (FIXED, 120, 180, 8), (LIFE, 0, 0, 2)),
        _UP_TO_LIFE, (6, 180), fined=True, restitution=True,
    ),
    CrimeRule(
        "危险驾驶罪", "刑法第一百三十三条之一", 18, ((DETENTION, 1, 6, 1),),
        frozenset({DETENTION}), (0, 0), fined=True,
    ),
    CrimeRule(
        "故意伤害罪",
        "刑法第二百三十四条",
        7,
        ((DETENTION, 3, 6, 10), (SURVEILLANCE, 6, 18, 2), (FIXED, 6, 36, 60),
         (FIXED, 37, 119, 23), (FIXED, 120, 180, 4), (LIFE, 0, 0, 1)),
        _ALL, (6, 180), civil=True,
    ),
    CrimeRule(
        "走私、贩卖、运输、制造毒品罪",
        "刑法第三百四十七条",
        6,
        ((DETENTION, 3, 6, 5), (FIXED, 6, 36, 45), (FIXED, 37, 83, 10), (FIXED, 84, 180, 30),
         (LIFE, 0, 0, 6), (DEATH_SUSPENDED, 0, 0, 4)),
        _ALL, (6, 180), fined=True,
    ),
    CrimeRule(
        "寻衅滋事罪", "刑法第二百九十三条", 5,
        ((DETENTION, 3, 6, 15), (FIXED, 6, 60, 80), (FIXED, 61, 120, 5)),
        _SHORT, (6, 120),
    ),
    CrimeRule(
        "开设赌场罪", "刑法第三百零三条第二款", 4,
        ((DETENTION, 3, 6, 10), (FIXED, 6, 60, 75), (FIXED, 61, 120, 15)),
        _SHORT, (6, 120), fined=True,
    ),
    CrimeRule(
        "帮助信息网络犯罪活动罪", "刑法第二百八十七条之二", 6,
        ((DETENTION, 2, 6, 30), (FIXED, 6, 36, 70)),
        _NO_SURVEILLANCE, (6, 36), fined=True,
    ),
    CrimeRule(
        "交通肇事罪", "刑法第一百三十三条", 5,
        ((DETENTION, 3, 6, 20), (FIXED, 6, 36, 70), (FIXED, 37, 84, 8), (FIXED, 85, 180, 2)),
        _NO_SURVEILLANCE, (6, 180), civil=True,
    ),
    CrimeRule(
        "抢劫罪", "刑法第二百六十三条", 2,
        ((FIXED, 36, 119, 65), (FIXED, 120, 180, 30), (LIFE, 0, 0, 3),
         (DEATH_SUSPENDED, 0, 0, 2)),
        frozenset({FIXED, LIFE, DEATH_SUSPENDED}), (36, 180), fined=True, civil=True,
    ),
    CrimeRule(
        "强奸罪", "刑法第二百三十六条", 1.5,
        ((FIXED, 36, 119, 70), (FIXED, 120, 180, 27), (LIFE, 0, 0, 3)),
        frozenset({FIXED, LIFE, DEATH_SUSPENDED}), (36, 180), civil=True,
    ),
    CrimeRule(
        "故意杀人罪", "刑法第二百三十二条", 1,
        ((FIXED, 36, 119, 30), (FIXED, 120, 180, 40), (LIFE, 0, 0, 20),
         (DEATH_SUSPENDED, 0, 0, 10)),
        frozenset({FIXED, LIFE, DEATH_SUSPENDED}), (36, 180), civil=True,
    ),
    CrimeRule(
        "受贿罪", "刑法第三百八十六条、第三百八十三条", 1,
        ((FIXED, 6, 36, 40), (FIXED, 37, 119, 45), (FIXED, 120, 180, 13), (LIFE, 0, 0, 2)),
        frozenset({DETENTION, FIXED, LIFE, DEATH_SUSPENDED}), (6, 180), fined=True,
    ),
    CrimeRule(
        "贪污罪", "刑法第三百八十三条", 1,
        ((FIXED, 6, 36, 40), (FIXED, 37, 119, 45), (FIXED, 120, 180, 13), (LIFE, 0, 0, 2)),
        frozenset({DETENTION, FIXED, LIFE, DEATH_SUSPENDED}), (6, 180), fined=True,
    ),
    CrimeRule(
        "组织卖淫罪", "刑法第三百五十八条第一款", 0.5,
        ((FIXED, 60, 119, 80), (FIXED, 120, 180, 20)),
        frozenset({FIXED, LIFE}), (60, 180), fined=True,
    ),
    CrimeRule(
        "掩饰、隐瞒犯罪所得、犯罪所得收益罪", "刑法第三百一十二条", 3,
        ((DETENTION, 2, 6, 20), (FIXED, 6, 36, 70), (FIXED, 37, 84, 10)),
        _SHORT, (6, 84), fined=True, restitution=True,
    ),
    CrimeRule(
        "非法吸收公众存款罪", "刑法第一百七十六条", 2,
        ((FIXED, 6, 36, 50), (FIXED, 37, 119, 45), (FIXED, 120, 180, 5)),
        _NO_SURVEILLANCE, (6, 180), fined=True, restitution=True,
    ),
    CrimeRule(
        "信用卡诈骗罪", "刑法第一百九十六条", 2,
        ((DETENTION, 2, 6, 10), (FIXED, 6, 60, 70), (FIXED, 61, 119, 17), (FIXED, 120, 180, 3)),
        frozenset({DETENTION, FIXED, LIFE}), (6, 180), fined=True, restitution=True,
    ),
    CrimeRule(
        "聚众斗殴罪", "刑法第二百九十二条第一款", 1,
        ((DETENTION, 3, 6, 10), (FIXED, 6, 36, 70), (FIXED, 37, 120, 20)),
        _SHORT, (6, 120),
    ),
    CrimeRule(
        "合同诈骗罪", "刑法第二百二十四条", 1.5,
        ((DETENTION, 3, 6, 5), (FIXED, 6, 36, 55), (FIXED, 37, 119, 35), (FIXED, 120, 180, 5)),
        frozenset({DETENTION, FIXED, LIFE}), (6, 180), fined=True, restitution=True,
    ),
    CrimeRule(
        "敲诈勒索罪", "刑法第二百七十四条", 1,
        ((DETENTION, 2, 6, 10), (FIXED, 6, 36, 70), (FIXED, 37, 119, 20)),
        _SHORT, (6, 180), fined=True, restitution=True,
    ),
)  # fmt: skip

CRIME_INDEX = {crime.name: index for index, crime in enumerate(CRIMES)}
# 法释〔2016〕23号第七条: 职务犯罪、破坏金融管理秩序和金融诈骗犯罪 are reduced more strictly.
STRICT_CRIMES = frozenset({"受贿罪", "贪污罪", "非法吸收公众存款罪", "信用卡诈骗罪"})
# 法释〔2019〕6号: 贪污贿赂罪 of former state functionaries, stricter still.
CORRUPTION_CRIMES = frozenset({"受贿罪", "贪污罪"})
VIOLENT_CRIMES = frozenset({"故意杀人罪", "强奸罪", "抢劫罪"})
