"""docs/law.md lists every rule id the kernel can report."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"""["']((?:reduction|parole)\.[a-z_]+)["']""")


def rule_ids_in_source() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "src" / "zhijian" / "law" / "rules").rglob("*.py"):
        ids.update(RULE_ID.findall(path.read_text(encoding="utf-8")))
    return ids


def test_every_rule_id_is_documented() -> None:
    ids = rule_ids_in_source()
    assert len(ids) >= 10
    documented = set(
        re.findall(r"`((?:reduction|parole)\.[a-z_]+)`", (ROOT / "docs" / "law.md").read_text())
    )
    assert ids <= documented, f"missing from docs/law.md: {sorted(ids - documented)}"
    assert documented <= ids, f"documented but unknown: {sorted(documented - ids)}"


def test_the_issue_rule_ids_exist() -> None:
    required = {
        "reduction.start_time",
        "reduction.interval",
        "reduction.amount",
        "reduction.min_served",
        "parole.prohibited",
        "parole.min_served",
        "parole.property",
        "parole.interval_after_reduction",
    }
    assert required <= rule_ids_in_source()
