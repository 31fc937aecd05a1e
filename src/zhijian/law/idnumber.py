"""公民身份号码 (GB 11643-1999): validation, 15→18 upgrade and masking.

An 18-character number is 6 digits of region code (GB/T 2260), 8 of birth date, 3 of
sequence code (odd for men, even for women) and one ISO 7064 MOD 11-2 check character.
The older 15-digit form has a two-digit year (always 19YY) and no check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from zhijian.law.errors import LawInputError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260 (71 台湾, 81 香港, 82 澳门 included).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71", "81", "82",
})  # fmt: skip
_FORMAT_18 = re.compile(r"\d{17}[\dX]")
_FORMAT_15 = re.compile(r"\d{15}")
# Numbers typed with a Chinese input method often come in full width.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘⅩ", "0123456789XXX")


@dataclass(frozen=True)
class IdCheck:
    """The result of checking one number. When invalid, only ``errors`` is filled in."""

    valid: bool
    normalized: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    region_code: str | None = None
    errors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "normalized": self.normalized,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "gender": self.gender,
            "region_code": self.region_code,
            "errors": list(self.errors),
        }


def checksum_char(first17: str) -> str:
    """The check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise LawInputError(f"身份号码前17位应为数字：{first17}")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_id_number(text: str, today: date | None = None) -> IdCheck:
    """Check a 15- or 18-character number; every problem found gets its own message.

    ``today`` is passed in rather than read from the clock so that results are
    reproducible; when given, a birth date after it is an error.
    """
    number = _normalize(text)
    if len(number) not in (15, 18):
        return IdCheck(valid=False, errors=(f"长度应为18位或15位，实际为{len(number)}位",))
    pattern = _FORMAT_18 if len(number) == 18 else _FORMAT_15
    if not (number.isascii() and pattern.fullmatch(number)):
        expected = "前17位应为数字，末位为数字或X" if len(number) == 18 else "15位应全为数字"
        return IdCheck(valid=False, errors=(f"含有非法字符：{expected}",))
    full = number if len(number) == 18 else _insert_century(number)
    errors = _region_errors(full) + _birth_errors(full, today)
    expected_check = checksum_char(full[:17])
    if len(number) == 18 and number[17] != expected_check:
        errors.append(f"校验码错误：应为{expected_check}，实际为{number[17]}")
    if errors:
        return IdCheck(valid=False, errors=tuple(errors))
    return IdCheck(
        valid=True,
        normalized=full[:17] + expected_check,
        birth_date=_birth_date(full[6:14]),
        gender="男" if int(full[16]) % 2 == 1 else "女",
        region_code=full[:6],
    )


def is_valid_id_number(text: str, today: date | None = None) -> bool:
    return check_id_number(text, today).valid


def upgrade_15_to_18(text: str) -> str:
    """The 18-character form of a valid 15-digit number: insert 19 and add the check char."""
    number = _normalize(text)
    if len(number) != 15:
        raise LawInputError(f"应为15位身份号码，实际为{len(number)}位")
    result = check_id_number(number)
    if not result.valid or result.normalized is None:
        raise LawInputError("；".join(result.errors))
    return result.normalized


def mask_id_number(text: str) -> str:
    """Keep the first 6 and last 4 characters for display: 370102********123X."""
    number = _normalize(text)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _normalize(text: str) -> str:
    return text.strip().translate(_FULL_WIDTH).upper()


def _insert_century(number15: str) -> str:
    """15 digits → the first 17 of the 18-digit form, plus a placeholder check char."""
    return number15[:6] + "19" + number15[6:] + "?"


def _region_errors(full: str) -> list[str]:
    if full[:2] not in PROVINCE_CODES:
        return [f"行政区划代码无效：{full[:2]}"]
    return []


def _birth_errors(full: str, today: date | None) -> list[str]:
    digits = full[6:14]
    born = _birth_date(digits)
    if born is None:
        return [f"出生日期无效：{digits}"]
    if born.year < 1900:
        return [f"出生日期早于1900年：{digits}"]
    if today is not None and born > today:
        return [f"出生日期晚于当前日期：{digits}"]
    return []


def _birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
