"""Synthetic model results for the lead tests: invented people, valid ID numbers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from zhijian.law.idnumber import checksum_char
from zhijian.supervision.results import Hit, RunResult

MODEL_ID = "reduction_interval_too_short"
MODEL_NAME = "减刑间隔不足"
FACILITY = "SD-JN-JY01"
AS_OF = date(2025, 6, 30)


def id_number(serial: int) -> str:
    """A valid 18-character number of an invented person born in 济南市历下区."""
    birth = date(1980, 1, 1) + timedelta(days=serial // 1000)
    first17 = f"370102{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + checksum_char(first17)


def hit(
    serial: int,
    *,
    model_id: str = MODEL_ID,
    interval_months: int = 11,
    as_of: date = AS_OF,
    **fields: Any,
) -> Hit:
    values: dict[str, Any] = {
        "model_id": model_id,
        "id_number": id_number(serial),
        "name": f"测试人员{serial}",
        "facility_code": FACILITY,
        "as_of": as_of,
        "key": {"change_id": f"JX{serial:06d}"},
        "evidence": {
            "interval_months": interval_months,
            "required_months": 12,
            "ruling_date": date(2025, 3, 1),
        },
        "message": f"两次减刑间隔 {interval_months} 个月，不足 12 个月",
    }
    return Hit(**{**values, **fields})


def run_result(hits: list[Hit], *, error: str | None = None, model_id: str = MODEL_ID) -> RunResult:
    return RunResult(
        model_id=model_id,
        model_name=MODEL_NAME,
        category="刑罚变更执行监督",
        severity="高",
        model_version="a1b2c3",
        params={"min_interval_months": 12},
        as_of=AS_OF,
        table_versions={"sentence_changes": 7, "judgments": None},
        hits=tuple(hits),
        seconds=0.25,
        error=error,
    )
