"""JSON Lines (``.jsonl``, ``.ndjson``): one object per line, its keys the header.

Numbers keep the text written, a key written twice keeps both values, and a line that is
not a JSON object is staged with a parse error and its text in ``_extra``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.headers import Matcher
from zhijian.warehouse.readers.staging import (
    Progress,
    Sink,
    StagedFile,
    compact_json,
    header_report,
    staged,
)


def stage_jsonl(source: Path, matcher: Matcher, target: Path, progress: Progress) -> StagedFile:
    """Read twice: once for the keys, so the staging columns are known before any row is
    written, once for the values. ``_row`` is the line number."""
    keys: dict[str, None] = {}
    for _, line in _jsonl_lines(source):
        parsed = _json_object(line)
        if parsed is not None:
            keys.update(dict.fromkeys(parsed))
    if not keys:
        raise WarehouseError(f"文件中没有有效的JSON对象：{source.name}")
    headers = list(keys)
    if matcher.hits(headers) < matcher.min_hits:
        raise matcher.no_columns()
    layout = matcher.layout(headers)
    positions = {header: i for i, header in enumerate(headers)}
    with Sink(target, layout, progress) as sink:
        for number, line in _jsonl_lines(source):
            parsed = _json_object(line)
            if parsed is None:
                # Bytes that are not UTF-8 stay visible as \xff rather than become U+FFFD.
                text = line if isinstance(line, str) else line.decode("utf-8", "backslashreplace")
                error = _line_error(number, line)
                sink.add(number, [], error=error, more={"_raw": text.replace("\0", "\\x00")})
                continue
            cells: list[str | None] = [None] * len(headers)
            for key, value in parsed.items():
                cells[positions[key]] = _json_text(value)
            if any(cell is not None for cell in cells):
                sink.add(number, cells)
    return staged(target, sink, header_report(layout, sink, 0))


def _jsonl_lines(source: Path) -> Iterator[tuple[int, str | bytes]]:
    """Non-blank lines with their numbers, decoded; a line that is not UTF-8 stays bytes
    (and fails as JSON) rather than have its bad bytes silently replaced."""
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                line: str | bytes = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                line = raw.strip()
            if b"\0" in raw:
                line = raw.strip()  # refused whole, as bytes: never parsed
            if line:
                yield number, line


def _line_error(number: int, line: str | bytes) -> str:
    """Why line ``number`` is not a row."""
    if isinstance(line, bytes):
        if b"\0" in line:
            return f"第{number}行含有空字符（NUL，0x00），可能混入了二进制内容，未导入"
        return f"第{number}行不是 UTF-8 编码，为免乱码未导入；请将文件另存为 UTF-8 后重新导入本行"
    if "\0" in line:
        return f"第{number}行含有空字符（NUL，0x00），可能混入了二进制内容，未导入"
    return f"第{number}行不是有效的JSON对象"


def _json_object(line: str | bytes) -> dict[str, Any] | None:
    """The line's object, numbers kept as the text written (12.50 stays 12.50)."""
    if isinstance(line, bytes):
        return None
    try:
        parsed = json.loads(
            line, parse_int=_Number, parse_float=_Number, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


class _Number(str):
    """A JSON number's text, as written."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object; a key written twice keeps both values ("key#2"), not the last one."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        unique, n = key, 2
        while unique in found:
            unique, n = f"{key}#{n}", n + 1
        found[unique] = value
    return found


def _json_text(value: object) -> str | None:
    """A top-level value as text: strings stripped, numbers as written, objects and
    arrays as compact JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not isinstance(value, _Number):
        return value.strip() or None
    return _json_value(value)


def _json_value(value: object) -> str:
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, dict):
        items = ",".join(f"{compact_json(k)}:{_json_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    return compact_json(value)
