"""What an audit row may hold about a person: the masked ID number and the person key,
never the name or the whole number.

``record()`` passes every row through ``scrub`` so that no caller can forget: a detail key
``id_number`` (or ``…_id_number``) becomes ``id_masked`` (``370102********123X``) and
``person_key`` (the keyed hash the person's page is addressed by), a name is dropped,
and any 15- or 18-character ID number inside a text (a query, a reason) is masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zhijian.law.idnumber import mask_id_number
from zhijian.web.people.keys import person_key

# 18 characters (17 digits and a digit or X) or 15 digits, not inside a longer number.
ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
# Keys whose value is a person's name: not kept.
NAME_KEYS = frozenset({"name", "full_name", "person_name", "complainant", "姓名"})


def mask_text(text: str) -> str:
    """The text with every ID number in it masked (and NUL characters, which neither
    database stores in text, shown as U+FFFD)."""
    return ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text).replace(
        "\x00", "\ufffd"
    )


def scrub(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail as an audit row may hold it (see the module's docstring)."""
    kept: dict[str, Any] = {}
    for key, value in detail.items():
        name = str(key)
        if name in NAME_KEYS:
            continue
        if name == "id_number" or name.endswith("_id_number"):
            prefix = name.removesuffix("id_number")
            if value:
                kept[f"{prefix}id_masked"] = _each(value, mask_id_number)
                kept[f"{prefix}person_key"] = _each(value, person_key)
            continue
        kept[mask_text(name)] = scrub_value(value)
    return kept


def scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return scrub(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [scrub_value(item) for item in items]
    return value


def _each(value: Any, convert: Any) -> Any:
    if isinstance(value, list | tuple):
        return [convert(str(item)) for item in value]
    return convert(str(value))
