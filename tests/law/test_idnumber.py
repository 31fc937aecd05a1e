"""公民身份号码 (GB 11643-1999).

All numbers here are synthetic: Shandong region codes, made-up birth dates and sequence
codes, with check characters computed by the standard's algorithm. The only other one is
11010519491231002X, the sample printed in GB 11643-1999 itself.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhijian.law.errors import LawInputError
from zhijian.law.idnumber import (
    IdCheck,
    check_id_number,
    checksum_char,
    is_valid_id_number,
    mask_id_number,
    upgrade_15_to_18,
)

SHANDONG = ["370102", "370103", "370202", "370203", "370302", "370602", "370702", "371002"]


def reference_check_char(first17: str) -> str:
    """GB 11643-1999 §8.2, written out independently of the code under test."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def build(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + reference_check_char(first17)


def test_standard_sample_is_valid() -> None:
    # given the sample number printed in GB 11643-1999
    # when it is checked
    result = check_id_number("11010519491231002X")
    # then every field is extracted
    assert result == IdCheck(
        valid=True,
        normalized="11010519491231002X",
        birth_date=date(1949, 12, 31),
        gender="女",
        region_code="110105",
        errors=(),
    )


def test_valid_18_digit_number() -> None:
    # given 370102 19850312 123 and its check digit, worked by hand:
    # 3·7+7·9+0·10+1·5+0·8+2·4+1·2+9·1+8·6+5·3+0·7+3·9+1·10+2·5+1·8+2·4+3·2 = 240,
    # 240 mod 11 = 9, "10X98765432"[9] = "3"
    number = "370102198503121233"
    # when it is checked
    result = check_id_number(number)
    # then it is valid; sequence 123 is odd, so 男
    assert result == IdCheck(
        valid=True,
        normalized=number,
        birth_date=date(1985, 3, 12),
        gender="男",
        region_code="370102",
    )
    assert is_valid_id_number(number)


def test_lowercase_x_is_accepted_and_normalized() -> None:
    # given a number whose check character is X, typed in lower case with spaces around
    # when it is checked
    result = check_id_number("  37010219900101108x ")
    # then it is valid and normalized to upper case X
    assert result.valid
    assert result.normalized == "37010219900101108X"
    assert result.gender == "女"


def test_full_width_digits_are_accepted() -> None:
    # given a number typed in full width
    # when it is checked
    result = check_id_number("３７０１０２１９８５０３１２１２３３")
    # then it is read as the half-width number
    assert result.normalized == "370102198503121233"


def test_bad_checksum_names_the_expected_character() -> None:
    # given a valid number whose check character was mistyped
    # when it is checked
    result = check_id_number("370102198503121235")
    # then only the checksum error is reported, naming the right character
    assert result == IdCheck(valid=False, errors=("校验码错误：应为3，实际为5",))
    assert not is_valid_id_number("370102198503121235")


def test_february_30_is_not_a_birth_date() -> None:
    # given 19900230 with a correct check character
    # when it is checked
    result = check_id_number("370102199002301230")
    # then the date alone is the error
    assert result == IdCheck(valid=False, errors=("出生日期无效：19900230",))


def test_birth_year_before_1900_is_rejected() -> None:
    # given 18991231 with a correct check character
    # when it is checked
    result = check_id_number("370102189912311236")
    # then the early year is the error
    assert result.errors == ("出生日期早于1900年：18991231",)


def test_birth_date_after_today_is_rejected_only_when_today_is_given() -> None:
    # given a number born 2030-01-01 with a correct check character
    number = "370102203001011230"
    # when it is checked against a fixed today, and without one
    with_today = check_id_number(number, today=date(2025, 6, 1))
    without_today = check_id_number(number)
    # then only the first reports a future birth date
    assert with_today.errors == ("出生日期晚于当前日期：20300101",)
    assert without_today.valid


def test_unknown_province_code_is_rejected() -> None:
    # given province prefix 99 with a correct check character
    # when it is checked
    result = check_id_number("990102198503121239")
    # then the region code is the error
    assert result == IdCheck(valid=False, errors=("行政区划代码无效：99",))


def test_every_problem_is_reported_separately() -> None:
    # given an unknown province, an impossible date and a wrong check character at once
    # when it is checked
    result = check_id_number("990102199002301235")
    # then each gets its own message
    assert result.errors == (
        "行政区划代码无效：99",
        "出生日期无效：19900230",
        "校验码错误：应为6，实际为5",
    )


@pytest.mark.parametrize(
    ("text", "length"),
    [("", 0), ("3701021985", 10), ("3701021985031212331", 19), ("37010219850312123", 17)],
    ids=["empty", "10", "19", "17"],
)
def test_wrong_length_is_rejected(text: str, length: int) -> None:
    # given a number of the wrong length
    # when it is checked
    result = check_id_number(text)
    # then the length is the error
    assert result == IdCheck(valid=False, errors=(f"长度应为18位或15位，实际为{length}位",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("37010219850312123A", "含有非法字符：前17位应为数字，末位为数字或X"),
        ("3701021985X3121233", "含有非法字符：前17位应为数字，末位为数字或X"),
        ("37010285031212X", "含有非法字符：15位应全为数字"),
    ],
    ids=["18-last-A", "18-middle-X", "15-with-X"],
)
def test_non_digit_characters_are_rejected(text: str, expected: str) -> None:
    # given a number with a character that cannot be there
    # when it is checked
    result = check_id_number(text)
    # then it is invalid with a Chinese message
    assert result == IdCheck(valid=False, errors=(expected,))


def test_15_digit_number_upgrades_to_18() -> None:
    # given 370102 850312 123: insert 19 → 37010219850312123, check digit 3 (worked above)
    # when it is checked and upgraded
    result = check_id_number("370102850312123")
    upgraded = upgrade_15_to_18("370102850312123")
    # then the 18-digit form is the normalized number
    assert upgraded == "370102198503121233"
    assert result == IdCheck(
        valid=True,
        normalized="370102198503121233",
        birth_date=date(1985, 3, 12),
        gender="男",
        region_code="370102",
    )


def test_standard_sample_in_15_digit_form_upgrades_to_the_sample() -> None:
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("370102198503121233", "应为15位身份号码，实际为18位"),
        ("370102900230123", "出生日期无效：19900230"),
        ("99010285031212A", "含有非法字符：15位应全为数字"),
    ],
    ids=["18-digit", "bad-date", "non-digit"],
)
def test_upgrade_rejects_bad_input(text: str, message: str) -> None:
    with pytest.raises(LawInputError, match=message):
        upgrade_15_to_18(text)


def test_checksum_char_matches_the_worked_example() -> None:
    assert checksum_char("37010219850312123") == "3"
    assert checksum_char("11010519491231002") == "X"


@pytest.mark.parametrize("text", ["3701021985031212", "3701021985031212A"])
def test_checksum_char_needs_17_digits(text: str) -> None:
    with pytest.raises(LawInputError, match="身份号码前17位应为数字"):
        checksum_char(text)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("37010219900101123X", "370102********123X"),
        ("37010219900101123x", "370102********123X"),
        ("370102850312123", "370102*****2123"),
        ("37010285031", "370102*5031"),
        ("3701028503", "**********"),
        ("", ""),
    ],
    ids=["18", "18-lower-x", "15", "11", "10", "empty"],
)
def test_mask_keeps_first_6_and_last_4(text: str, masked: str) -> None:
    assert mask_id_number(text) == masked


def test_result_serializes_to_json_with_errors_as_a_list() -> None:
    # given an invalid and a valid result
    invalid = check_id_number("370102198503121235").to_json()
    valid = check_id_number("370102198503121233").to_json()
    # then both serialize, errors as a JSON list and the date in ISO form
    assert json.loads(json.dumps(invalid))["errors"] == ["校验码错误：应为3，实际为5"]
    assert json.loads(json.dumps(valid)) == {
        "valid": True,
        "normalized": "370102198503121233",
        "birth_date": "1985-03-12",
        "gender": "男",
        "region_code": "370102",
        "errors": [],
    }


@given(
    st.sampled_from(SHANDONG),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_built_number_validates_and_round_trips(region: str, born: date, seq: int) -> None:
    # given a number built from a region, birth date and sequence code
    number = build(region, born, seq)
    # when it is checked
    result = check_id_number(number, today=date(2025, 12, 31))
    # then the parts come back out
    assert result == IdCheck(
        valid=True,
        normalized=number,
        birth_date=born,
        gender="男" if seq % 2 == 1 else "女",
        region_code=region,
    )


@given(
    st.sampled_from(SHANDONG),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_of_the_first_17_digits_breaks_the_checksum(
    region: str, born: date, seq: int, position: int, shift: int
) -> None:
    # given a valid number with one of its first 17 digits changed to a different digit
    number = build(region, born, seq)
    changed = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + changed + number[position + 1 :]
    # when it is checked
    result = check_id_number(mistyped)
    # then it is invalid and the checksum is among the errors (MOD 11-2 catches every
    # single-digit change because 11 is prime and no weight is 0 mod 11)
    assert not result.valid
    assert any(error.startswith("校验码错误") for error in result.errors)


@given(
    st.sampled_from(SHANDONG),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_15_digit_number_upgrades_to_a_valid_18(region: str, born: date, seq: int) -> None:
    # given a 15-digit number from a 19YY birth date
    old = f"{region}{born:%y%m%d}{seq:03d}"
    # when it is upgraded
    upgraded = upgrade_15_to_18(old)
    # then the 18-digit number validates with the same birth date
    result = check_id_number(upgraded)
    assert upgraded == build(region, born, seq)
    assert result.valid
    assert result.birth_date == born
