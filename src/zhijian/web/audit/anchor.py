"""Anchors: the chain's head written down outside the database.

``zhijian audit anchor`` writes the head hash, the number of rows and the time as JSON (to
a file, or to the screen for an external notary). Kept where the database's
administrators cannot change it, an anchor lets ``zhijian audit verify --anchor`` prove
that nothing at or before the anchored row changed, even by someone holding the key or
restoring an old copy of the head.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from zhijian.web.audit.models import GENESIS, AuditHead

FORMAT = "zhijian-audit-anchor/1"


class AnchorError(ValueError):
    """An anchor file that cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Anchor:
    count: int
    last_hash: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "count": self.count,
            "last_hash": self.last_hash,
            "at": timezone.localtime(self.at).isoformat(timespec="seconds"),
        }


def take_anchor() -> Anchor:
    """The chain's head now (an empty log: no rows, the genesis hash)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return Anchor(0, GENESIS, timezone.now())
    return Anchor(head.count, head.last_hash, timezone.now())


def read_anchor(path: Path) -> Anchor:
    """The anchor in ``path``. Raises ``AnchorError`` for a missing or malformed file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise AnchorError(f"锚点文件不存在：{path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnchorError(f"锚点文件无法读取：{path}（{error}）") from None
    return parse_anchor(data, path)


def parse_anchor(data: Any, path: Path) -> Anchor:
    problem = f"锚点文件格式不对：{path}（应为 zhijian audit anchor 写出的 JSON）"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AnchorError(problem)
    count, last_hash, at = data.get("count"), data.get("last_hash"), data.get("at")
    valid_hash = (
        isinstance(last_hash, str)
        and len(last_hash) == 64
        and all(c in "0123456789abcdef" for c in last_hash)
    )
    if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not valid_hash:
        raise AnchorError(problem)
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        raise AnchorError(problem) from None
    return Anchor(count, str(last_hash), moment)
