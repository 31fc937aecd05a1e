"""Audit rows as the audit page shows them: names instead of codes, the detail as labelled
text instead of a raw dict, ID numbers masked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zhijian.law.idnumber import mask_id_number
from zhijian.web.audit.models import AuditEntry
from zhijian.web.audit.privacy import NAME_KEYS, mask_text

# Object types written in English by older rows.
OBJECT_TYPES = {"person": "人员"}
# Detail keys and their labels; other keys are shown as they are.
LABELS = {
    "id_masked": "身份证号",
    "complainant_id_masked": "控告人身份证号",
    "facility": "场所",
    "facility_code": "场所",
    "day": "日期",
    "month": "月份",
    "from": "原状态",
    "to": "新状态",
    "reason": "理由",
    "number": "编号",
    "lead": "线索",
    "lead_id": "线索",
    "problem": "问题",
    "photo": "照片",
    "size": "大小（字节）",
    "format": "格式",
    "file": "文件",
    "count": "条数",
    "via": "途径",
    "page": "页",
    "rows": "显示行数",
    "results": "结果数",
    "by": "查询方式",
    "query": "查询语句",
    "batch": "批次",
    "all": "含标记行",
    "kind": "类别",
    "changed": "修改的字段",
    "fields": "字段",
    "unit": "单位",
    "roles": "角色",
    "user": "用户",
    "ends_at": "截止时间",
    "version": "版本",
    "completed": "已完成",
    "on": "日期",
    "due_date": "期限",
    "category": "类别",
    "source": "来源",
    "handling": "处理方式",
    "message": "说明",
    "dataset": "数据集",
    "model_id": "模型",
    "as_of": "数据日期",
    "assignee": "承办人",
    "comment_id": "意见编号",
    "length": "字数",
    "document_id": "文书",
    "measure": "监督措施",
    "reply_date": "回复日期",
    "file_name": "文件",
    "stored_as": "保存为",
    "sheet": "工作表",
    "status": "状态",
    "tests_passed": "测试通过",
    "units_created": "新建单位",
    "facilities_created": "新增场所",
    "facilities_updated": "更新场所",
    "facilities_kept": "场所不变",
    "params": "参数",
}
# Keys not worth a procurator's eye on the page (they stay in the row and its hash).
HIDDEN = frozenset({"person_key", "complainant_person_key", "person_keys"})


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: str
    unit: str
    object_type: str
    subject: str
    facility: str
    details: tuple[tuple[str, str], ...]


def rows(entries: Iterable[AuditEntry], facility_names: Mapping[str, str]) -> list[AuditRow]:
    return [_row(entry, facility_names) for entry in entries]


def _row(entry: AuditEntry, facility_names: Mapping[str, str]) -> AuditRow:
    detail = _readable(entry.detail)
    object_type = OBJECT_TYPES.get(entry.object_type, entry.object_type)
    subject = mask_text(entry.object_id)
    if object_type == "人员":
        # The object is a person key; the masked number reads better (old rows: the key).
        subject = str(detail.get("id_masked") or subject)
    elif object_type == "场所":
        subject = facility_names.get(entry.object_id, subject)
    code = entry.facility_code
    return AuditRow(
        entry=entry,
        actor=entry.actor_name or str(detail.get("via") or "系统"),
        unit=entry.unit_name,
        object_type=object_type,
        subject=subject,
        facility=facility_names.get(code, code),
        details=tuple(
            (LABELS.get(key, key), _text(value, facility_names))
            for key, value in sorted(detail.items(), key=lambda item: _order(item[0]))
            if key not in HIDDEN and value not in ("", None)
        ),
    )


def _readable(detail: Any) -> dict[str, Any]:
    """The detail without names, a whole ID number (rows written before the audit log
    reduced them) shown masked."""
    if not isinstance(detail, dict):
        return {"detail": detail}
    readable = {k: v for k, v in detail.items() if k not in NAME_KEYS and k != "id_number"}
    if detail.get("id_number") and "id_masked" not in detail:
        readable["id_masked"] = mask_id_number(str(detail["id_number"]))
    return readable


def _order(key: str) -> tuple[int, str]:
    return (0 if key in LABELS else 1, key)


def _text(value: Any, facility_names: Mapping[str, str]) -> str:
    """A detail value as text; whole ID numbers in old rows are masked here."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_text(item, facility_names) for item in value)
    if isinstance(value, dict):
        return "；".join(
            f"{LABELS.get(str(k), k)}：{_text(v, facility_names)}"
            for k, v in value.items()
            if str(k) not in HIDDEN
        )
    text = mask_text(str(value))
    return facility_names.get(text, text)
