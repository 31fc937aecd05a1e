"""The crime catalogue: current 罪名, historical names, and the groups the rules need.

The catalogue is ``data/crime-names.csv`` (see the README there). Judgments write names
the catalogue does not list verbatim: a 选择性罪名 in the part that applies (贩卖毒品罪 for
走私、贩卖、运输、制造毒品罪), or a name that was renamed later (偷税罪 → 逃税罪).
``resolve_crime`` maps every such spelling to one current crime and keeps what was written.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

from zhijian.law.errors import LawInputError

CURRENT = "现行"

# 刑法第八十一条第二款：对累犯以及因故意杀人、强奸、抢劫、绑架、放火、爆炸、投放危险物质或者
# 有组织的暴力性犯罪被判处十年以上有期徒刑、无期徒刑的犯罪分子，不得假释。
# Only the named crimes are listed. 有组织的暴力性犯罪 and 累犯 are facts of the case, not
# 罪名, so callers must check them separately. (法释〔2016〕23号第七条第二款 repeats the list.)
VIOLENT_PAROLE_BAR: frozenset[str] = frozenset(
    {"故意杀人罪", "强奸罪", "抢劫罪", "绑架罪", "放火罪", "爆炸罪", "投放危险物质罪"}
)

# 司法工作人员相关职务犯罪: 刑事诉讼法第十九条第二款 lets the procuratorate investigate them;
# the 14 names follow 最高人民检察院《关于人民检察院立案侦查司法工作人员相关职务犯罪案件若干问题的
# 规定》(2018), as listed in shared/docs/domain.md §5.2. They count only when a 司法工作人员 used
# the powers of office, which is a fact of the case.
JUDICIAL_STAFF_CRIMES: frozenset[str] = frozenset(
    {
        "非法拘禁罪",
        "非法搜查罪",
        "刑讯逼供罪",
        "暴力取证罪",
        "虐待被监管人罪",
        "滥用职权罪",
        "玩忽职守罪",
        "徇私枉法罪",
        "民事、行政枉法裁判罪",
        "执行判决、裁定失职罪",
        "执行判决、裁定滥用职权罪",
        "私放在押人员罪",
        "失职致使在押人员脱逃罪",
        "徇私舞弊减刑、假释、暂予监外执行罪",
    }
)

# 法释〔2016〕23号第七条：组织、领导、参加、包庇、纵容黑社会性质组织犯罪罪犯 (刑法第二百九十四条
# 第一款、第三款). 入境发展黑社会组织罪 (第二款) is not in that list.
GANG_CRIMES: frozenset[str] = frozenset(
    {"组织、领导、参加黑社会性质组织罪", "包庇、纵容黑社会性质组织罪"}
)

# Chapter and section headings exactly as the CSV writes them (from criminal-law.md).
STATE_SECURITY_CHAPTER = "第一章 危害国家安全罪"
ECONOMIC_ORDER_CHAPTER = "第三章 破坏社会主义市场经济秩序罪"
FINANCIAL_SECTIONS: frozenset[str] = frozenset({"第四节 破坏金融管理秩序罪", "第五节 金融诈骗罪"})
SOCIAL_ORDER_CHAPTER = "第六章 妨害社会管理秩序罪"
DRUG_SECTION = "第七节 走私、贩卖、运输、制造毒品罪"
CORRUPTION_BRIBERY_CHAPTER = "第八章 贪污贿赂罪"
MALFEASANCE_CHAPTER = "第九章 渎职罪"
TERRORISM_ARTICLE = 120  # 第一百二十条 and 之一…之六 share article_number 120.
# A 单行刑法 offence outside the 刑法 chapters; textbooks place it in 第三章第四节.
FOREIGN_EXCHANGE_FRAUD = "骗购外汇罪"

Resolution = Literal["exact", "normalized", "historical", "selective"]


@dataclass(frozen=True)
class Crime:
    """One row of the catalogue."""

    name: str
    article: str  # as the CSV writes it, e.g. 第二百三十二条, 第一百二十条之一
    article_number: int | None  # first article listed, 之一 dropped; None for 骗购外汇罪
    paragraph: str | None  # 款 of that article, several separated by ";", e.g. "1;2"
    chapter: str | None  # e.g. 第四章 侵犯公民人身权利、民主权利罪; None for 骗购外汇罪
    section: str | None  # e.g. 第五节 金融诈骗罪; None in chapters without 节
    status: str  # 现行, 已修改：…, 已取消（并入：…）or 已取消
    current_successor: str | None  # for historical names: current name(s), "；"-separated

    @property
    def is_current(self) -> bool:
        return self.status == CURRENT

    @property
    def successors(self) -> tuple[str, ...]:
        """The current names a historical name leads to; empty for current or abolished."""
        return tuple(self.current_successor.split("；")) if self.current_successor else ()


@dataclass(frozen=True)
class ResolvedCrime:
    """A crime name as a judgment wrote it, and the current crime it means.

    ``how`` says how it was reached: ``exact`` (a current name as written), ``normalized``
    (a current name after removing spaces, fixing brackets or adding 罪), ``historical`` (a
    renamed or merged name, possibly written in part) or ``selective`` (part of a current
    选择性罪名).
    """

    written: str
    crime: Crime
    how: Resolution


def all_crimes() -> list[Crime]:
    """Every row of the catalogue: the current names first, in article order, then the rest."""
    return list(_catalogue())


def current_crimes() -> list[Crime]:
    """The current 罪名, in article order."""
    return [crime for crime in _catalogue() if crime.is_current]


def normalize_crime_name(name: str) -> str:
    """Remove whitespace, use full-width brackets as the catalogue does, and end with 罪."""
    text = re.sub(r"\s+", "", name).translate(str.maketrans("()", "（）"))
    if not text:
        raise LawInputError("罪名不能为空")
    return text if text.endswith("罪") else f"{text}罪"


def resolve_crime(name: str) -> ResolvedCrime:
    """The current crime a written name means.

    Tried in order: a current name; a historical name (→ its current successor); part of
    one current 选择性罪名; part of a historical one. Raises ``LawInputError`` when nothing
    matches, when several current crimes match, or when an abolished name has no successor.
    """
    normalized = normalize_crime_name(name)
    crime, how = _resolve_normalized(normalized)
    if how == "exact" and normalized != name:
        how = "normalized"
    return ResolvedCrime(written=name, crime=crime, how=how)


def is_violent_parole_bar(crime: Crime | str) -> bool:
    """One of the 罪名 刑法第八十一条第二款 names (see ``VIOLENT_PAROLE_BAR``)."""
    return _as_current(crime).name in VIOLENT_PAROLE_BAR


def is_duty_crime(crime: Crime | str) -> bool:
    """职务犯罪 as 法释〔2016〕23号第七条 uses it: 刑法分则第八章 贪污贿赂罪 and 第九章 渎职罪.

    The judicial-staff crimes of 第四章 (非法拘禁罪 and others) are duty crimes only when a
    司法工作人员 used the powers of office; that is a fact of the case, see
    ``is_judicial_staff_crime``.
    """
    return _as_current(crime).chapter in {CORRUPTION_BRIBERY_CHAPTER, MALFEASANCE_CHAPTER}


def is_corruption_bribery(crime: Crime | str) -> bool:
    """贪污贿赂罪 (刑法分则第八章), the 罪犯 法释〔2019〕6号 treats more strictly."""
    return _as_current(crime).chapter == CORRUPTION_BRIBERY_CHAPTER


def is_financial_crime(crime: Crime | str) -> bool:
    """破坏金融管理秩序和金融诈骗犯罪 (法释〔2016〕23号第七条): 刑法第三章第四节、第五节.

    Includes 骗购外汇罪, the 1998 单行刑法 offence that sits outside the 刑法 chapters and is
    conventionally placed in 第三章第四节 破坏金融管理秩序罪.
    """
    current = _as_current(crime)
    if current.name == FOREIGN_EXCHANGE_FRAUD:
        return True
    return current.chapter == ECONOMIC_ORDER_CHAPTER and current.section in FINANCIAL_SECTIONS


def is_gang_crime(crime: Crime | str) -> bool:
    """黑社会性质组织犯罪 as 法释〔2016〕23号第七条 lists it (see ``GANG_CRIMES``)."""
    return _as_current(crime).name in GANG_CRIMES


def is_state_security_crime(crime: Crime | str) -> bool:
    """危害国家安全犯罪 (法释〔2016〕23号第七条): 刑法分则第一章."""
    return _as_current(crime).chapter == STATE_SECURITY_CHAPTER


def is_terrorism_crime(crime: Crime | str) -> bool:
    """恐怖活动犯罪 (法释〔2016〕23号第七条): 刑法第一百二十条 and 第一百二十条之一至之六."""
    return _as_current(crime).article_number == TERRORISM_ARTICLE


def is_drug_crime(crime: Crime | str) -> bool:
    """毒品犯罪: 刑法第六章第七节 走私、贩卖、运输、制造毒品罪.

    法释〔2016〕23号第七条 is stricter only for 毒品犯罪集团的首要分子 and 毒品再犯; those
    are facts of the case.
    """
    current = _as_current(crime)
    return current.chapter == SOCIAL_ORDER_CHAPTER and current.section == DRUG_SECTION


def is_judicial_staff_crime(crime: Crime | str) -> bool:
    """One of the 14 judicial-staff duty crimes (see ``JUDICIAL_STAFF_CRIMES``)."""
    return _as_current(crime).name in JUDICIAL_STAFF_CRIMES


_GROUPS: dict[str, Callable[[Crime | str], bool]] = {
    "violent_parole_bar": is_violent_parole_bar,
    "duty": is_duty_crime,
    "corruption_bribery": is_corruption_bribery,
    "financial": is_financial_crime,
    "gang": is_gang_crime,
    "state_security": is_state_security_crime,
    "terrorism": is_terrorism_crime,
    "drug": is_drug_crime,
    "judicial_staff": is_judicial_staff_crime,
}
GROUP_IDS: tuple[str, ...] = tuple(_GROUPS)


def crime_groups(crime: Crime | str) -> frozenset[str]:
    """The ids of the groups (``GROUP_IDS``) the crime belongs to; a name is resolved first."""
    current = _as_current(crime)
    return frozenset(group for group, belongs in _GROUPS.items() if belongs(current))


def crimes_in_group(group: str) -> frozenset[str]:
    """The current names in one group."""
    belongs = _GROUPS.get(group)
    if belongs is None:
        raise LawInputError(f"未知的罪名分组：{group}")
    return frozenset(crime.name for crime in current_crimes() if belongs(crime))


def _as_current(crime: Crime | str) -> Crime:
    if isinstance(crime, Crime) and crime.is_current:
        return crime
    return resolve_crime(crime if isinstance(crime, str) else crime.name).crime


@functools.cache
def _resolve_normalized(name: str) -> tuple[Crime, Resolution]:
    current = _current_by_name()
    if name in current:
        return current[name], "exact"
    historical = _historical_by_name().get(name)
    if historical is not None:
        return _successor(historical), "historical"
    partial_of = [crime for crime in current.values() if _is_partial_form(name, crime.name)]
    if partial_of:
        return _only(name, partial_of), "selective"
    old_partial_of = [
        successor
        for old in _historical_by_name().values()
        if old.successors and _is_partial_form(name, old.name)
        for successor in old.successors
    ]
    if old_partial_of:
        return _only(name, [current[s] for s in dict.fromkeys(old_partial_of)]), "historical"
    raise LawInputError(_unknown_message(name))


def _successor(historical: Crime) -> Crime:
    successors = historical.successors
    if not successors:
        raise LawInputError(f"罪名{historical.name}{historical.status}，没有对应的现行罪名")
    if len(successors) > 1:
        listed = "；".join(successors)
        raise LawInputError(
            f"旧罪名{historical.name}对应多个现行罪名：{listed}。请按案情写明其中之一"
        )
    return _current_by_name()[successors[0]]


def _only(name: str, candidates: list[Crime]) -> Crime:
    if len(candidates) > 1:
        listed = "；".join(crime.name for crime in candidates)
        raise LawInputError(f"罪名{name}可能是以下罪名之一：{listed}。请写明完整罪名")
    return candidates[0]


def _unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, list(_current_by_name()), n=3, cutoff=0.4)
    if not close:
        return f"未知罪名：{name}。未找到相近罪名"
    return f"未知罪名：{name}。最接近的罪名：{'；'.join(close)}"


def _is_partial_form(written: str, full: str) -> bool:
    """Whether ``written`` is the 选择性罪名 ``full`` written in part.

    Both end in 罪, which stays. The body of ``written`` must be the body of ``full`` with
    some runs deleted, each run starting or ending with 、 so that whole alternatives go:
    走私、贩卖、运输、制造毒品 → 贩卖毒品, 拐卖妇女、儿童 → 拐卖儿童. Runs may end inside an
    alternative (非法制造、买卖…枪支 → 非法买卖枪支), which is how judgments shorten them.
    """
    body, full_body = written[:-1], full[:-1]
    if body == full_body or not body or not _is_subsequence(body, full_body):
        return False

    @functools.cache
    def matches(i: int, j: int) -> bool:
        if j == len(full_body):
            return i == len(body)
        if i < len(body) and body[i] == full_body[j] and matches(i + 1, j + 1):
            return True
        return any(
            matches(i, end)
            for end in range(j + 1, len(full_body) + 1)
            if full_body[j] == "、" or full_body[end - 1] == "、"
        )

    return matches(0, 0)


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(char in chars for char in short)


@functools.cache
def _current_by_name() -> dict[str, Crime]:
    return {crime.name: crime for crime in _catalogue() if crime.is_current}


@functools.cache
def _historical_by_name() -> dict[str, Crime]:
    return {crime.name: crime for crime in _catalogue() if not crime.is_current}


@functools.cache
def _catalogue() -> tuple[Crime, ...]:
    text = (files("zhijian.law") / "data" / "crime-names.csv").read_text(encoding="utf-8")
    return tuple(_crime_from_row(row) for row in csv.DictReader(io.StringIO(text)))


def _crime_from_row(row: dict[str, str]) -> Crime:
    return Crime(
        name=row["crime_name"],
        article=row["criminal_law_article"],
        article_number=int(row["article_number"]) if row["article_number"] else None,
        paragraph=row["paragraph"] or None,
        chapter=row["chapter"] or None,
        section=row["section"] or None,
        status=row["status"],
        current_successor=row["current_successor"] or None,
    )
