"""The audit chain: each row signed with a key kept outside the database, the head signed
over (last hash, count), UPDATE and DELETE refused by triggers, and the forgeries of
someone who can write the database — a changed row with the chain recomputed (SHA-256,
or HMAC under another key), a deleted middle row relinked, a deleted tail with the head
moved back or restored from an old copy — each found."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction

from tests.web.tamper import triggers_dropped
from zhijian.web.audit import chain
from zhijian.web.audit import key as audit_key
from zhijian.web.audit.anchor import Anchor, take_anchor
from zhijian.web.audit.chain import (
    SHA256,
    AnchorCheck,
    entry_content,
    entry_mac,
    head_mac,
    legacy_hash,
    record,
    verify,
)
from zhijian.web.audit.key import AuditKey, load_key
from zhijian.web.audit.models import GENESIS, AuditEntry, AuditHead

pytestmark = pytest.mark.django_db

WRONG_KEY = AuditKey(secret=b"w" * 48, key_id="0123456789abcdef", source="攻击者")


def three_rows() -> list[AuditEntry]:
    return [
        record(None, "测试操作", object_type="线索", object_id=n, detail={"n": n})
        for n in (1, 2, 3)
    ]


def the_key() -> AuditKey:
    key = load_key(create=False)
    assert key is not None
    return key


def stored(entry: AuditEntry) -> dict[str, Any]:
    entry.refresh_from_db()
    return {
        name: getattr(entry, name)
        for name in (
            "at",
            "actor_id",
            "actor_name",
            "unit_name",
            "action",
            "object_type",
            "object_id",
            "detail",
            "unit_id",
            "facility_code",
            "scheme",
            "key_id",
        )
    }


def rewrite(
    rows: list[AuditEntry], sign: Any, first: dict[str, Any], every: dict[str, Any] | None = None
) -> None:
    """What an attacker with database access does: change the first row (``first``) and
    every row (``every``), recompute each hash from the first on with
    ``sign(previous_hash, content)`` and relink, and point the head at the new last hash
    (its MAC they cannot make)."""
    previous = rows[0].previous_hash
    with triggers_dropped():
        for n, entry in enumerate(rows):
            changes = (every or {}) | (first if n == 0 else {})
            fields = stored(entry) | changes
            entry_hash = sign(previous, entry_content(fields, fields["scheme"]))
            AuditEntry.objects.filter(pk=entry.pk).update(
                **changes, previous_hash=previous, entry_hash=entry_hash
            )
            previous = entry_hash
        AuditHead.objects.filter(pk=1).update(last_hash=previous)


def sha256_of(previous: str, content: str) -> str:
    return legacy_hash(previous, content)


def wrong_mac(previous: str, content: str) -> str:
    return entry_mac(WRONG_KEY, previous, content)


def test_an_untouched_chain_verifies_and_is_signed_with_the_key() -> None:
    rows = three_rows()
    key = the_key()

    assert rows[1].previous_hash == rows[0].entry_hash
    assert rows[0].previous_hash == GENESIS
    first = AuditEntry.objects.get(pk=rows[0].pk)
    content = entry_content(stored(first))
    expected = hmac.new(key.secret, (GENESIS + content).encode(), hashlib.sha256).hexdigest()
    assert (first.scheme, first.key_id, first.entry_hash) == ("hmac", key.key_id, expected)
    assert first.entry_hash != hashlib.sha256((GENESIS + content).encode()).hexdigest()
    head = AuditHead.objects.get(pk=1)
    assert (head.count, head.last_hash, head.last_entry_id) == (3, rows[2].entry_hash, rows[2].pk)
    assert head.mac == head_mac(key, rows[2].entry_hash, 3)
    result = verify()
    assert (result.checked, result.problems, result.intact, result.unverified) == (3, (), True, "")


def test_rows_cannot_be_changed_or_deleted_through_the_model() -> None:
    row = three_rows()[0]
    with pytest.raises(ValueError, match="只能新增"):
        row.save()
    with pytest.raises(ValueError, match="不能删除"):
        row.delete()


def refused(statement: str, *params: Any) -> str:
    """The database's message refusing ``statement`` (in a savepoint, so the test's
    transaction goes on)."""
    with (
        pytest.raises(DatabaseError) as error,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params or None)
    return str(error.value)


def test_the_database_refuses_to_update_or_delete_a_row_or_delete_the_head() -> None:
    rows = three_rows()
    before = list(AuditEntry.objects.values_list("pk", "detail", "entry_hash"))
    head = AuditHead.objects.values_list("last_hash", "count", "mac").get()

    assert "审计记录只能新增，不能修改" in refused(
        "UPDATE audit_auditentry SET detail = %s WHERE id = %s", '{"n": 99}', rows[1].pk
    )
    assert "审计记录不能删除" in refused("DELETE FROM audit_auditentry WHERE id = %s", rows[2].pk)
    assert "审计记录不能删除" in refused("DELETE FROM audit_auditentry")
    assert "审计链头不能删除" in refused("DELETE FROM audit_audithead")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=rows[0].pk).update(action="改过的操作")

    assert list(AuditEntry.objects.values_list("pk", "detail", "entry_hash")) == before
    assert AuditHead.objects.values_list("last_hash", "count", "mac").get() == head
    assert verify().intact


def test_postgresql_refuses_to_truncate_the_audit_log() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (the PostgreSQL pass)")
    three_rows()
    with connection.cursor() as cursor:  # run the inserts' deferred checks now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert "审计日志不能清空" in refused("TRUNCATE audit_auditentry, audit_audithead")
    assert "审计日志不能清空" in refused("TRUNCATE audit_audithead")
    assert AuditEntry.objects.count() == 3


def test_a_changed_row_with_the_chain_recomputed_as_sha256_is_found() -> None:
    rows = three_rows()

    rewrite(rows[1:], sha256_of, {"detail": {}})

    assert verify().problems == (
        f"第 {rows[1].pk} 条：内容与校验码不符（记录被修改）",
        f"第 {rows[2].pk} 条：内容与校验码不符（记录被修改）",
        "链头校验码不符（链头被移回或改写）",
    )


def test_a_changed_row_recomputed_and_passed_off_as_an_old_sha256_row_is_found() -> None:
    rows = three_rows()

    rewrite(rows[1:2], sha256_of, {"detail": {}, "scheme": SHA256})

    assert verify().problems == (
        f"第 {rows[1].pk} 条：升级后的记录不应使用 SHA-256（记录被改写为旧格式）",
        f"第 {rows[2].pk} 条：前一条哈希不符（记录被删除、插入或调换）",
        "链尾与最后一条记录不符（末尾的记录被删除）",
        "链头校验码不符（链头被移回或改写）",
    )


def test_a_chain_recomputed_with_another_key_is_found() -> None:
    rows = three_rows()

    rewrite(rows[1:], wrong_mac, {"detail": {"n": 99}})
    forged_head = head_mac(WRONG_KEY, AuditHead.objects.get().last_hash, 3)
    AuditHead.objects.filter(pk=1).update(mac=forged_head)

    assert verify().problems == (
        f"第 {rows[1].pk} 条：内容与校验码不符（记录被修改）",
        f"第 {rows[2].pk} 条：内容与校验码不符（记录被修改）",
        "链头校验码不符（链头被移回或改写）",
    )


def test_rows_forged_under_another_key_and_its_fingerprint_are_found() -> None:
    rows = three_rows()

    rewrite(rows[1:], wrong_mac, {"detail": {"n": 99}}, {"key_id": WRONG_KEY.key_id})

    result = verify()
    assert result.problems == (
        "链头校验码不符（链头被移回或改写）",
        f"第 {rows[1].pk} 条起有 2 条记录的密钥编号不是当前密钥的编号"
        f"（{the_key().key_id}），却写在当前密钥的记录之后：这些记录是伪造的",
    )
    assert not result.intact


def test_a_deleted_middle_row_is_found() -> None:
    rows = three_rows()
    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[1].pk).delete()

    assert verify().problems == (
        f"第 {rows[2].pk} 条：前一条哈希不符（记录被删除、插入或调换）",
        "链头记录的条数（3）与实际条数（2）不符（记录被删除或插入）",
    )


def test_a_deleted_middle_row_with_the_next_row_relinked_is_found() -> None:
    rows = three_rows()
    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[1].pk).delete()
        AuditEntry.objects.filter(pk=rows[2].pk).update(previous_hash=rows[0].entry_hash)
        AuditHead.objects.filter(pk=1).update(count=2)

    assert verify().problems == (
        f"第 {rows[2].pk} 条：内容与校验码不符（记录被修改）",
        "链头校验码不符（链头被移回或改写）",
    )


def test_a_deleted_last_row_is_found() -> None:
    rows = three_rows()
    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[2].pk).delete()

    assert verify().problems == ("链尾与最后一条记录不符（末尾的记录被删除）",)


def test_a_deleted_tail_with_the_head_moved_back_is_found_by_the_head_mac() -> None:
    rows = three_rows()
    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[2].pk).delete()
    AuditHead.objects.filter(pk=1).update(
        last_hash=rows[1].entry_hash, last_entry_id=rows[1].pk, count=2
    )

    assert verify().problems == ("链头校验码不符（链头被移回或改写）",)


def test_a_deleted_tail_with_an_old_copy_of_the_head_is_found_by_the_anchor() -> None:
    rows = [record(None, "测试操作", object_id=n) for n in (1, 2)]
    old_head = AuditHead.objects.values("last_hash", "last_entry_id", "count", "mac").get()
    third = record(None, "测试操作", object_id=3)
    anchor = take_anchor()
    with triggers_dropped():
        AuditEntry.objects.filter(pk=third.pk).delete()
    AuditHead.objects.filter(pk=1).update(**old_head)

    # The head is a valid head of two rows: without the anchor nothing shows.
    assert verify().intact
    assert (anchor.count, anchor.last_hash) == (3, third.entry_hash)
    result = verify(anchor=anchor)
    assert result.problems == (
        "锚点所记的第 3 条记录不存在：审计日志现只有 2 条（锚点之前的记录被删除）",
    )
    assert result.anchor is not None and not result.anchor.holds
    assert rows[1].pk == AuditHead.objects.get().last_entry_id


def test_an_anchor_proves_the_rows_before_it_and_counts_the_rows_after() -> None:
    three_rows()
    anchor = take_anchor()
    record(None, "测试操作", object_id=4)
    record(None, "测试操作", object_id=5)

    result = verify(anchor=anchor)

    assert (result.intact, result.checked) == (True, 5)
    assert result.anchor is not None
    assert (result.anchor.count, result.anchor.holds, result.anchor.rows_after) == (3, True, 2)


def test_the_anchor_catches_even_the_key_holder_rewriting_a_row_before_it() -> None:
    rows = three_rows()
    anchor = take_anchor()
    key = the_key()

    rewrite(rows, lambda previous, content: entry_mac(key, previous, content), {"detail": {}})
    AuditHead.objects.filter(pk=1).update(mac=head_mac(key, AuditHead.objects.get().last_hash, 3))

    assert verify().intact  # the key's holder can recompute everything …
    new_last = AuditEntry.objects.get(pk=rows[2].pk).entry_hash
    assert verify(anchor=anchor).problems == (  # … but not the anchor kept outside
        f"第 {rows[2].pk} 条（锚点所记的第 3 条）：哈希与锚点不符（锚点及其之前的记录被改动）",
    )
    assert new_last != anchor.last_hash


def test_an_anchor_of_an_empty_log_holds() -> None:
    anchor = take_anchor()
    assert (anchor.count, anchor.last_hash) == (0, GENESIS)
    three_rows()

    result = verify(anchor=anchor)

    assert result.intact and result.anchor == AnchorCheck(0, True, 3)


def test_without_the_key_verification_says_it_cannot_verify(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any
) -> None:
    rows = three_rows()
    settings.HOME = tmp_path  # a workspace without the key file
    monkeypatch.delenv(audit_key.ENVIRONMENT, raising=False)
    audit_key.clear_cache()

    result = verify()

    assert (result.checked, result.problems, result.intact) == (3, (), False)
    assert result.unverified == (
        f"未找到审计密钥（环境变量 ZHIJIAN_AUDIT_KEY 或文件 {tmp_path / 'audit_key'}）："
        "3 条记录无法校验，只检查了记录之间的链接与升级前的记录。请设置密钥（从备份恢复）后再校验。"
    )
    assert not (tmp_path / "audit_key").exists()  # verifying never makes a key
    # What can be checked without the key still is.
    with triggers_dropped():
        AuditEntry.objects.filter(pk=rows[1].pk).delete()
    assert verify().problems[0] == f"第 {rows[2].pk} 条：前一条哈希不符（记录被删除、插入或调换）"


def test_with_another_key_verification_says_which_key_wrote_the_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    three_rows()
    written_with = the_key().key_id
    monkeypatch.setenv(audit_key.ENVIRONMENT, "x" * 40)

    result = verify()

    assert result.problems == ()
    assert result.unverified.startswith(
        f"当前审计密钥（编号 {the_key().key_id}）不是写入这些记录的密钥（编号 {written_with}）"
        "：无法校验 3 条记录。"
    )


def test_after_a_lost_key_the_new_rows_verify_and_the_old_ones_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = three_rows()
    lost = the_key().key_id
    monkeypatch.setenv(audit_key.ENVIRONMENT, "n" * 40)  # the key the platform makes anew
    new = record(None, "测试操作", object_id=4)

    result = verify()

    assert (result.problems, result.intact) == ((), False)
    assert new.previous_hash == old[2].entry_hash
    assert result.unverified.startswith(
        f"第 {old[0].pk} 至 {old[2].pk} 条中有 3 条记录由之前的审计密钥（编号 {lost}）写入，"
        f"当前密钥（编号 {the_key().key_id}）无法校验它们；此后的记录已用当前密钥校验。"
    )
    anchor = Anchor(3, old[2].entry_hash, old[2].at)
    held = verify(anchor=anchor).anchor
    assert held is not None and held.holds  # an anchor still vouches for them


def test_a_row_of_chinese_text_and_dates_hashes_as_verify_recomputes_it() -> None:
    """On PostgreSQL the row is written by one statement and read back from jsonb."""
    first = record(None, "查看人员档案", object_type="人员", object_id="甲", detail={"n": 1})
    second = record(
        None,
        "导出线索",
        object_type="线索",
        object_id="全部",
        detail={"筛选": {"状态": "属实", "自": date(2026, 1, 31)}, "说明": "<b>“引号”</b>"},
    )
    assert second.previous_hash == first.entry_hash
    row = AuditEntry.objects.get(pk=second.pk)
    assert row.detail == {"筛选": {"状态": "属实", "自": "2026-01-31"}, "说明": "<b>“引号”</b>"}
    assert row.entry_hash == second.entry_hash
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
    assert (result.checked, result.problems, result.intact) == (90, (), True)
    previous = AuditEntry.objects.values_list("previous_hash", flat=True)
    assert len(set(previous)) == 90
    assert AuditHead.objects.get().count == 90


@pytest.mark.parametrize("in_transaction", [False, True])
@pytest.mark.parametrize("attempts", [1, 3])
def test_a_wrong_guess_of_the_head_is_signed_again_against_the_real_one(
    monkeypatch: pytest.MonkeyPatch, in_transaction: bool, attempts: int
) -> None:
    """PostgreSQL appends against the head this process last wrote: after another
    process's rows the guess is wrong, nothing is inserted, and the row is signed again
    (one try only: then under the head's lock)."""
    if connection.vendor != "postgresql":
        pytest.skip("the guessed head is PostgreSQL's append (the PostgreSQL pass)")
    first = record(None, "测试操作", object_id=1)
    monkeypatch.setattr(chain, "_LAST_SEEN", {connection.alias: (GENESIS, 0)})
    monkeypatch.setattr(chain, "ATTEMPTS", attempts)

    if in_transaction:
        with transaction.atomic():
            second = record(None, "测试操作", object_id=2)
    else:
        second = record(None, "测试操作", object_id=2)

    assert second.previous_hash == first.entry_hash
    assert AuditEntry.objects.filter(pk__gte=first.pk).count() == 2
    assert verify().intact


def test_the_anchor_of_a_log_is_its_head() -> None:
    rows = three_rows()
    anchor = take_anchor()
    assert isinstance(anchor, Anchor)
    assert (anchor.count, anchor.last_hash) == (3, rows[2].entry_hash)
