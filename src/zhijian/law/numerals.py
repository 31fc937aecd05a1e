"""Chinese numerals as court documents and statutes write them.

Judgments write amounts and terms in every style: 二千、两千、贰仟、2000、２０００、1万2千、
3.5万. ``parse_chinese_number`` reads all of them; ``to_chinese_numeral`` writes article
numbers the way statutes do (第一百一十条, never 第一百十条).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from zhijian.law.errors import LawInputError

_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "俩": 2, "贰": 2, "貳": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_ARABIC_CHARS = frozenset("0123456789.")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def parse_chinese_number(text: str) -> int:
    """Read a non-negative integer written in Arabic, Chinese or mixed numerals.

    Examples: "一万零五百" → 10500, "两千" → 2000, "贰仟" → 2000, "1万2千" → 12000,
    "3.5万" → 35000, "二〇二一" → 2021.
    """
    cleaned = _clean(text)
    try:
        if not cleaned:
            raise ValueError
        if cleaned.isascii() and cleaned.isdigit():
            return int(cleaned)
        if all(ch in _DIGITS for ch in cleaned):
            # Digit by digit, as years are written: 二〇二一.
            return int("".join(str(_DIGITS[ch]) for ch in cleaned))
        return _parse_with_units(cleaned)
    except (ValueError, InvalidOperation):
        raise LawInputError(f"无法识别的数字：{text}") from None


def _clean(text: str) -> str:
    cleaned = text.strip().translate(_FULL_WIDTH)
    # Thousands separators as in "10,000"; only between digit groups so nothing else is lost.
    return _THOUSANDS.sub("", cleaned)


def _tokens(text: str) -> list[str]:
    """Split into single characters, keeping runs of Arabic digits (and a decimal point)."""
    tokens: list[str] = []
    for ch in text:
        if ch in _ARABIC_CHARS and tokens and tokens[-1][-1] in _ARABIC_CHARS:
            tokens[-1] += ch
        else:
            tokens.append(ch)
    return tokens


def _digit_value(token: str) -> Decimal | None:
    if token[0] in _ARABIC_CHARS:
        return Decimal(token)
    if _DIGITS.get(token, 0) > 0:
        return Decimal(_DIGITS[token])
    return None


def _parse_with_units(text: str) -> int:
    total = Decimal(0)  # completed 万/亿 groups
    section = Decimal(0)  # the part below the current 万
    pending: Decimal | None = None  # a digit waiting for its unit
    smallest = 10**5  # small units must fall within a section: 千 > 百 > 十
    last_unit = 0  # the unit just before the pending digit; 0 after 零 or at the start
    colloquial = 0  # unit of a lone trailing digit, as in 一万二 (= 12000)
    for token in _tokens(text):
        value = _digit_value(token)
        if value is not None:
            if pending is not None:
                raise ValueError
            pending = value
            colloquial = last_unit if len(token) == 1 else 0
        elif token in _DIGITS:  # 零 holds a place and adds nothing
            if pending is not None:
                raise ValueError
            last_unit = 0
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            if unit >= smallest or (pending is None and unit != 10):
                raise ValueError
            # 十 stands alone for 一十: 十一 = 11.
            section += (Decimal(1) if pending is None else pending) * unit
            pending, smallest, last_unit = None, unit, unit
        elif token in _BIG_UNITS:
            section += pending if pending is not None else 0
            if section == 0:
                raise ValueError
            unit = _BIG_UNITS[token]
            total = (total + section) * unit if unit == 10**8 else total + section * unit
            section, pending, smallest, last_unit = Decimal(0), None, 10**5, unit
        else:
            raise ValueError
    if pending is not None:
        # Colloquial 一万二 / 两千五 / 一百五: a lone digit right after a unit (no 零)
        # counts in the next lower place. After 十 it is simply the units digit.
        section += pending * (colloquial // 10 if colloquial >= 100 else 1)
    result = total + section
    if result != result.to_integral_value():
        raise ValueError
    return int(result)


def to_chinese_numeral(n: int) -> str:
    """Write 1..9999 as statutes number articles: 十一, 一百一十, 一百零一, 三百零八."""
    if not 1 <= n <= 9999:
        raise ValueError(f"只支持1至9999：{n}")
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(digits[digit] + unit)
    text = "".join(parts)
    # 10..19 are written 十, 十一 … 十九, not 一十一.
    return text[1:] if 10 <= n <= 19 else text
