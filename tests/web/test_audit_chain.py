"""The audit chain: rows link by hash; any edit, deletion or reordering is found."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

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


def test_a_row_of_chinese_text_and_dates_hashes_as_verify_recomputes_it() -> None:
    """On PostgreSQL the server computes the hash; verify() recomputes it in Python."""
    first = record(None, "查看人员档案", object_type="人员", object_id="甲", detail={"n": 1})
    second = record(
        None,
        "导出线索",
        object_type="线索",
        object_id="全部",
        detail={"筛选": {"状态": "属实", "自": date(2026, 1, 31)}, "说明": "<b>“引号”</b>"},
    )
    assert second.previous_hash == first.entry_hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.detail == {"筛选": {"状态": "属实", "自": "2026-01-31"}, "说明": "<b>“引号”</b>"}
    assert stored.entry_hash == second.entry_hash
    assert verify().intact


@pytest.mark.django_db(transaction=True)
def test_requests_appending_at_once_keep_one_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a database server (the PostgreSQL pass)")

    def append(worker: int) -> None:
        try:
            for n in range(15):
                record(None, "并发写入", object_type="测试", object_id=f"{worker}-{n}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    result = verify()
    assert (result.checked, result.problems) == (90, ())
    previous = AuditEntry.objects.values_list("previous_hash", flat=True)
    assert len(set(previous)) == 90
