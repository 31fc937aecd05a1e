"""Chinese numerals: reading them in every style courts use, writing article numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhijian.law.errors import LawInputError
from zhijian.law.numerals import parse_chinese_number, to_chinese_numeral

PARSED = [
    ("三", 3),
    ("十", 10),
    ("十一", 11),
    ("二十", 20),
    ("一百零五", 105),
    ("一百一十", 110),
    ("两千", 2000),
    ("俩", 2),
    ("五千", 5000),
    ("一万二千", 12000),
    ("二十万", 200000),
    ("一万零五百", 10500),
    ("三十五万", 350000),
    ("一千零一", 1001),
    ("一亿二千万", 120_000_000),
    ("零", 0),
    ("〇", 0),
    ("二〇二一", 2021),
    ("贰仟", 2000),
    ("壹万贰仟伍佰", 12500),
    ("叁拾", 30),
    ("5000", 5000),
    ("５０００", 5000),
    ("10,000", 10000),
    ("12万", 120000),
    ("1万2千", 12000),
    ("1.2万", 12000),
    ("3.5万", 35000),
    ("一万二", 12000),
    ("两千五", 2500),
    ("一百五", 150),
    (" 六 ", 6),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse_chinese_number_reads_every_style(text: str, expected: int) -> None:
    # given a number as a court document writes it
    # when it is parsed
    result = parse_chinese_number(text)
    # then its value is read exactly
    assert result == expected


@pytest.mark.parametrize(
    "text", ["", "万", "百", "二十三百", "十十", "一二十", "abc", "1.25", "五元"]
)
def test_parse_chinese_number_rejects_what_is_not_a_number(text: str) -> None:
    # given text that is not a well-formed number
    # when it is parsed
    # then a Chinese message names it
    with pytest.raises(LawInputError, match=f"^无法识别的数字：{text}$"):
        parse_chinese_number(text)


WRITTEN = [
    (1, "一"),
    (10, "十"),
    (11, "十一"),
    (19, "十九"),
    (20, "二十"),
    (81, "八十一"),
    (100, "一百"),
    (101, "一百零一"),
    (110, "一百一十"),
    (120, "一百二十"),
    (264, "二百六十四"),
    (308, "三百零八"),
    (452, "四百五十二"),
    (684, "六百八十四"),
    (1000, "一千"),
    (1001, "一千零一"),
    (1010, "一千零一十"),
    (9999, "九千九百九十九"),
]


@pytest.mark.parametrize(("n", "expected"), WRITTEN, ids=[w for _, w in WRITTEN])
def test_to_chinese_numeral_writes_article_numbers_as_statutes_do(n: int, expected: str) -> None:
    # given an article number
    # when it is written in Chinese
    result = to_chinese_numeral(n)
    # then it reads as in the statute (一百一十, not 一百十)
    assert result == expected


@pytest.mark.parametrize("n", [0, -1, 10000])
def test_to_chinese_numeral_rejects_numbers_outside_1_to_9999(n: int) -> None:
    # given a number no article can have
    # when it is written
    # then ValueError is raised
    with pytest.raises(ValueError, match="只支持1至9999"):
        to_chinese_numeral(n)


@given(st.integers(min_value=1, max_value=9999))
def test_writing_then_reading_returns_the_same_number(n: int) -> None:
    # given any article number
    # when it is written and read back
    # then the value is unchanged
    assert parse_chinese_number(to_chinese_numeral(n)) == n
