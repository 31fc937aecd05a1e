"""The audit chain: rows link by hash; any edit, deletion or reordering is found."""

from __future__ import annotations

import pytest

from zhijian.web.audit.chain import record, verify
from zhijian.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def three_rows() -> list[AuditEntry]:
    return [
        record(None, "测试操作", object_type="线索", object_id=n, detail={"n": n})
        for n in (1, 2, 3)
    ]


def test_an_untouched_chain_verifies() -> None:
    rows = three_rows()
    assert rows[1].previous_hash == rows[0].entry_hash
    result = verify()
    assert (result.checked, result.problems, result.intact) == (3, (), True)


def test_rows_cannot_be_changed_or_deleted_through_the_model() -> None:
    row = three_rows()[0]
    with pytest.raises(ValueError, match="只能新增"):
        row.save()
    with pytest.raises(ValueError, match="不能删除"):
        row.delete()


def test_an_edited_row_is_reported() -> None:
    rows = three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk).update(detail={"n": 99})
    assert verify().problems == (f"第 {rows[1].pk} 条：内容与哈希不符（记录被修改）",)


def test_a_deleted_row_is_reported() -> None:
    rows = three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk)._raw_delete(AuditEntry.objects.db)
    assert verify().problems == (f"第 {rows[2].pk} 条：前一条哈希不符（记录被删除、插入或调换）",)


def test_a_deleted_last_row_is_reported() -> None:
    rows = three_rows()
    AuditEntry.objects.filter(pk=rows[2].pk)._raw_delete(AuditEntry.objects.db)
    assert verify().problems == ("链尾与最后一条记录不符（末尾的记录被删除）",)
