"""Reading the operative wording of a judgment (判决主文) into a structured sentence.

Courts write the same sentence many ways: 有期徒刑一年零六个月 / 1年6个月 / 一年又六个月,
罚金贰仟元 / 2,000元 / 0.2万元. The parser anchors every number to the word it belongs to
(有期徒刑, 缓刑, 罚金, 剥夺政治权利, 没收财产) so the dates and deadlines in the 刑期 clause
cannot be mistaken for a term. With 数罪并罚 the sentence after 决定执行 is the one executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from zhijian.law.errors import LawInputError
from zhijian.law.numerals import parse_chinese_number

FIXED_TERM = ("管制", "拘役", "有期徒刑")
DEATH_SUSPENDED = "死刑缓期二年执行"
LIFE = -1  # political_rights_months for 剥夺政治权利终身

_NUM = "[0-9零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]+"
_MONEY = "[0-9.零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億]+"
_DURATION_RE = re.compile(rf"(?:(?P<years>{_NUM})年)?(?:[零又]?(?P<months>{_NUM})个?月)?")
_PUNCT = "[，,。；;：:、]"

# One alternative per principal penalty; 死缓 comes before 死刑 so it wins.
_PRINCIPAL_RE = re.compile(
    r"(?P<死刑缓期二年执行>死刑[，,、]?缓期(?:二|两|2)年(?:执行)?)"
    r"|(?P<死刑>死刑)"
    r"|(?P<无期徒刑>无期徒刑)"
    r"|(?P<有期徒刑>有期徒刑)"
    r"|(?P<拘役>拘役)"
    # 管制 also occurs in crime names (非法携带管制刀具…罪) and in 管制期间.
    rf"|(?P<管制>(?<=判处|执行)管制|管制(?={_NUM}))"
    r"|(?P<免予刑事处罚>免[予于]刑事处罚)"
    # "判处罚金" without another principal penalty is how courts write a fine alone.
    r"|(?P<单处罚金>[单判]处罚金)"
    r"|(?P<单处剥夺政治权利>[单判]处剥夺政治权利)"
)
_PROBATION_RE = re.compile(r"缓刑(?:考验期限?)?为?")
_FINE_RE = re.compile(rf"罚金(?:共计|合计|总计)?(?:人民币)?(?P<amount>{_MONEY})元")
_CONFISCATION_RE = re.compile(
    r"没收(?:被告人[^，,。；;、]{0,5}?|其)?(?:个人)?(?:所有)?(?P<scope>全部|部分)?财产"
    rf"(?:(?:共计|合计)?(?:人民币)?(?P<amount>{_MONEY})元)?"
)
_RIGHTS_RE = re.compile(r"剥夺政治权利(?P<life>终身)?")

# Statements that are required but incomplete.
_MISSING = (
    (re.compile(rf"[并单判]处罚金(?!(?:共计|合计|总计)?(?:人民币)?{_MONEY}元)"), "罚金未写明数额"),
    (re.compile(rf"剥夺政治权利(?={_PUNCT}|$)"), "剥夺政治权利未写明期限"),
    (re.compile(rf"(?:^|{_PUNCT}|宣告)缓刑(?:考验期限?)?为?(?={_PUNCT}|$)"), "缓刑未写明考验期限"),
)

# Parts of a judgment that are not the sentence: bracketed notes (the 刑期 clause, case
# numbers), clauses about when terms start and custody credit, and calendar dates.
_BRACKETS_RE = re.compile(r"（[^（）()]*）|\([^（）()]*\)")
_BOILERPLATE_RE = re.compile(
    r"(?:缓刑考验期限?[，,])?[^，,。；;]*(?:之日起|折抵|即自|先行羁押|起至)[^，,。；;]*"
)
_DATE_RE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"(?:[一二三四五六七八九十]{1,3}日)?"
)
_LIFE_WITHOUT_PAROLE_RE = re.compile(
    r"(?:在其)?(?:死刑缓期执行[^。；;]*?)?终身监禁(?:[，,]?不得减刑[、，,]?假释)?"
)
_LIMITED_REDUCTION_RE = re.compile(r"(?:同时)?(?:决定)?(?:对其)?限制减刑")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

# (lowest, highest for one crime, highest after 数罪并罚) in months, and how the law says it.
_TERM_LIMITS: dict[str, tuple[int, int, int, str, str]] = {
    # 刑法第四十五条 (6 months to 15 years, or up to 25 years under 第五十条、第六十九条).
    "有期徒刑": (6, 300, 300, "六个月以上二十五年以下", "六个月以上二十五年以下"),
    # 刑法第四十二条; 第六十九条 caps combined 拘役 at one year.
    "拘役": (1, 6, 12, "一个月以上六个月以下", "一个月以上一年以下"),
    # 刑法第三十八条; 第六十九条 caps combined 管制 at three years.
    "管制": (3, 24, 36, "三个月以上二年以下", "三个月以上三年以下"),
}


@dataclass(frozen=True)
class Restrictions:
    """What a 判决主文 decides beyond the penalty about reducing and paroling it."""

    # 刑法第五十条第二款：对被判处死刑缓期执行的累犯以及因故意杀人……的犯罪分子，人民法院
    # 根据犯罪情节等情况可以同时决定对其限制减刑。
    limited_reduction: bool
    # 刑法第三百八十三条第四款：……可以同时决定在其死刑缓期执行二年期满依法减为无期徒刑后，
    # 终身监禁，不得减刑、假释。
    life_without_parole: bool


# A mention with 不, 未 or 无 shortly before it in the same clause (不予限制减刑) decides
# nothing.
_NEGATION_RE = re.compile(r"[不未无][^，,。；;：:]{0,3}$")
_MENTION_RES = {
    "limited_reduction": re.compile("限制减刑"),
    "life_without_parole": re.compile("终身监禁"),
}


def restrictions(text: str) -> Restrictions:
    """Whether the 判决主文 ``text`` decides 限制减刑 or 终身监禁. Both are decided with the
    sentence (“同时决定”), so a 主文 that does not say them decides neither. Reads only
    these decisions: the rest of the wording need not parse (bracketed notes count too)."""
    compact = re.sub(r"\s+", "", text)
    found = {
        name: any(not _NEGATION_RE.search(compact[: m.start()]) for m in pattern.finditer(compact))
        for name, pattern in _MENTION_RES.items()
    }
    return Restrictions(**found)


@dataclass(frozen=True)
class Sentence:
    """The executed sentence. Field names and order are the JSON contract."""

    principal_penalty: str
    term_months: int | None = None
    probation_months: int | None = None
    fine_yuan: Decimal | None = None
    confiscation: str | None = None  # "部分" or "全部"
    confiscation_yuan: Decimal | None = None
    political_rights_months: int | None = None  # LIFE (-1) for 终身
    limited_reduction: bool = False
    life_without_parole: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "principal_penalty": self.principal_penalty,
            "term_months": self.term_months,
            "probation_months": self.probation_months,
            "fine_yuan": _json_amount(self.fine_yuan),
            "confiscation": self.confiscation,
            "confiscation_yuan": _json_amount(self.confiscation_yuan),
            "political_rights_months": self.political_rights_months,
            "limited_reduction": self.limited_reduction,
            "life_without_parole": self.life_without_parole,
        }


def parse_sentence(text: str) -> Sentence:
    """Parse 判决主文 (one defendant) into the sentence to be executed."""
    if not text.strip():
        raise LawInputError("判决主文为空")
    clean = _clean(text)
    decided = restrictions(text)
    # Removed before looking for the principal penalty: the 终身监禁 clause itself
    # mentions 死刑缓期执行 and 无期徒刑.
    clean = _LIMITED_REDUCTION_RE.sub("", _LIFE_WITHOUT_PAROLE_RE.sub("", clean))
    for pattern, message in _MISSING:
        if pattern.search(clean):
            raise LawInputError(f"{message}：{_excerpt(text)}")
    executed, individual = _split_combined(clean)
    combined = individual is not None
    principal, term = _principal(executed, combined, text)
    scope, amount = _confiscation(executed, individual)
    sentence = Sentence(
        principal_penalty=principal,
        term_months=term,
        probation_months=_probation(executed, principal, term),
        fine_yuan=_fine(executed, individual),
        confiscation=scope,
        confiscation_yuan=amount,
        political_rights_months=_political_rights(executed, individual),
        limited_reduction=decided.limited_reduction,
        life_without_parole=decided.life_without_parole,
    )
    _check_death_suspension_clauses(sentence)
    return sentence


def _clean(text: str) -> str:
    clean = re.sub(r"\s+", "", text.translate(_FULL_WIDTH))
    clean = _THOUSANDS_RE.sub("", clean)
    while True:  # innermost brackets first, so nested notes go too
        stripped = _BRACKETS_RE.sub("", clean)
        if stripped == clean:
            break
        clean = stripped
    return _DATE_RE.sub("", _BOILERPLATE_RE.sub("", clean))


def _split_combined(clean: str) -> tuple[str, str | None]:
    """(executed part, individual sentences) — the latter None without 数罪并罚."""
    start = clean.rfind("决定执行")
    if start < 0:
        return clean, None
    end = clean.find("。", start)
    return clean[start : end if end >= 0 else len(clean)], clean[:start]


def _principal(executed: str, combined: bool, text: str) -> tuple[str, int | None]:
    mentions = list(_PRINCIPAL_RE.finditer(executed))
    if not mentions:
        raise LawInputError(f"未能识别主刑：{_excerpt(text)}")
    if len(mentions) > 1:
        raise LawInputError(f"判决主文包含多个主刑，但未写明决定执行的刑罚：{_excerpt(text)}")
    mention = mentions[0]
    principal = mention.lastgroup or ""
    if principal not in FIXED_TERM:
        return principal, None
    duration = _DURATION_RE.match(executed, mention.end())
    months = _months(duration)
    if duration is None or months is None:
        raise LawInputError(f"{principal}未写明刑期：{_excerpt(text)}")
    low, high, combined_high, wording, combined_wording = _TERM_LIMITS[principal]
    if not low <= months <= (combined_high if combined else high):
        limits = combined_wording if combined else wording
        written = executed[mention.start() : duration.end()]
        raise LawInputError(f"{principal}刑期超出法定范围（{limits}）：{written}")
    return principal, months


def _months(duration: re.Match[str] | None) -> int | None:
    """Months in a matched duration, or None when nothing was written."""
    if duration is None or not (duration["years"] or duration["months"]):
        return None
    years = parse_chinese_number(duration["years"]) if duration["years"] else 0
    months = parse_chinese_number(duration["months"]) if duration["months"] else 0
    return years * 12 + months


def _probation(executed: str, principal: str, term: int | None) -> int | None:
    for match in _PROBATION_RE.finditer(executed):
        duration = _DURATION_RE.match(executed, match.end())
        months = _months(duration)
        if months is not None and duration is not None:
            written = executed[match.start() : duration.end()]
            _check_probation(principal, term, months, written)
            return months
    return None


def _check_probation(principal: str, term: int | None, probation: int, written: str) -> None:
    # 刑法第七十二条: only 拘役 and 有期徒刑 of three years or less can be suspended.
    if term is None or principal == "管制" or (principal == "有期徒刑" and term > 36):
        raise LawInputError(f"缓刑只适用于拘役或者三年以下有期徒刑（刑法第七十二条）：{written}")
    if probation < term:
        raise LawInputError(f"缓刑考验期限短于原判刑期（刑法第七十三条）：{written}")
    # 刑法第七十三条: 拘役 — term to one year, at least two months;
    # 有期徒刑 — term to five years, at least one year.
    if principal == "拘役" and not 2 <= probation <= 12:
        raise LawInputError(
            f"拘役的缓刑考验期限应为原判刑期以上一年以下，且不能少于二个月（刑法第七十三条）：{written}"
        )
    if principal == "有期徒刑" and not 12 <= probation <= 60:
        raise LawInputError(
            f"有期徒刑的缓刑考验期限应为原判刑期以上五年以下，且不能少于一年（刑法第七十三条）：{written}"
        )


def _fine(executed: str, individual: str | None) -> Decimal | None:
    # 刑法第六十九条第三款: additional penalties of the same kind are executed together,
    # so without a combined fine the individual fines add up.
    for part in (executed, individual or ""):
        amounts = [_amount(m["amount"]) for m in _FINE_RE.finditer(part)]
        if amounts:
            return sum(amounts, Decimal(0))
    return None


def _political_rights(executed: str, individual: str | None) -> int | None:
    for part in (executed, individual or ""):
        terms = [_rights_months(part, m) for m in _RIGHTS_RE.finditer(part)]
        if terms:
            return LIFE if LIFE in terms else sum(terms)
    return None


def _rights_months(part: str, match: re.Match[str]) -> int:
    if match["life"]:
        return LIFE
    months = _months(_DURATION_RE.match(part, match.end()))
    if months is None:
        raise LawInputError(f"剥夺政治权利未写明期限：{_excerpt(part)}")
    return months


def _confiscation(executed: str, individual: str | None) -> tuple[str | None, Decimal | None]:
    for part in (executed, individual or ""):
        matches = list(_CONFISCATION_RE.finditer(part))
        if not matches:
            continue
        if any(m["scope"] == "全部" for m in matches):
            return "全部", None
        amounts = [_amount(m["amount"]) for m in matches if m["amount"]]
        # An amount only when every confiscation names one; otherwise it is unknown.
        return "部分", sum(amounts, Decimal(0)) if len(amounts) == len(matches) else None
    return None, None


def _amount(written: str) -> Decimal:
    """Yuan in a written amount: 五千, 10000, 3.5万, 1234.50."""
    if re.fullmatch(r"\d+\.\d+", written):
        return Decimal(written)
    return Decimal(parse_chinese_number(written))


def _check_death_suspension_clauses(sentence: Sentence) -> None:
    if sentence.principal_penalty == DEATH_SUSPENDED:
        return
    if sentence.limited_reduction:
        raise LawInputError("限制减刑只适用于被判处死刑缓期执行的犯罪分子（刑法第五十条第二款）")
    if sentence.life_without_parole:
        raise LawInputError(
            "终身监禁只适用于被判处死刑缓期执行的贪污、受贿犯罪分子（刑法第三百八十三条第四款）"
        )


def _json_amount(amount: Decimal | None) -> int | float | None:
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _excerpt(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
