"""What a rule reports."""

from __future__ import annotations

from dataclasses import dataclass

from zhijian.law.citations import Citation

VIOLATION = "违规"
NOTICE = "提示"  # the law allows the court discretion here: shown, never hidden


@dataclass(frozen=True)
class Finding:
    """One departure from a rule, with the provisions it rests on."""

    rule: str
    message: str
    citations: tuple[Citation, ...]
    level: str = VIOLATION

    @property
    def citation(self) -> str:
        return "；".join(str(c) for c in self.citations)

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "message": self.message,
            "citation": self.citation,
            "level": self.level,
        }


def months_text(months: int) -> str:
    """18 → "1年6个月", 9 → "9个月", 24 → "2年"."""
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years}年{rest}个月"
    if years:
        return f"{years}年"
    return f"{rest}个月"
