"""The audit log's key, its triggers after every migration, and a database upgraded from
SHA-256 rows: the old rows verify as before, the first HMAC row chains to them, and from
then on they cannot be recomputed without the key."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.web.tamper import triggers_dropped
from zhijian.web.audit import display, key, triggers
from zhijian.web.audit.chain import (
    LEGACY_FIELDS,
    SHA256,
    entry_content,
    legacy_hash,
    record,
    verify,
)
from zhijian.web.audit.models import GENESIS, AuditEntry, AuditHead

WHOLE_NUMBER = "370102198001010019"


@pytest.fixture
def fresh_key(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A workspace without a key file and no key in the environment."""
    settings.HOME = tmp_path
    monkeypatch.delenv(key.ENVIRONMENT, raising=False)
    key.clear_cache()
    yield tmp_path / key.FILE_NAME
    key.clear_cache()


def test_the_triggers_exist_after_every_migration(db: None) -> None:
    assert triggers.existing(connection) == set(
        triggers.NAMES
        if connection.vendor == "postgresql"
        else [name for name, *_ in triggers.ROW_TRIGGERS]
    )


def test_the_key_file_is_made_on_first_use_readable_by_its_owner_only(
    db: None, fresh_key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert key.load_key(create=False) is None
    assert not fresh_key.exists()

    record(None, "测试操作", detail={"n": 1})

    assert stat.S_IMODE(os.stat(fresh_key).st_mode) == 0o600
    secret = fresh_key.read_text("utf-8").strip()
    assert len(secret) >= key.MIN_LENGTH
    # Never in the database, nor in a log line.
    stored = [str(v) for row in AuditEntry.objects.values() for v in row.values()]
    stored += [str(v) for row in AuditHead.objects.values() for v in row.values()]
    assert not [value for value in stored if secret in value]
    assert secret not in caplog.text and secret not in repr(key.load_key(create=False))
    assert verify().intact


def test_the_environment_key_is_used_and_no_file_is_made(
    db: None, fresh_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(key.ENVIRONMENT, "e" * 40)

    entry = record(None, "测试操作")

    loaded = key.load_key(create=False)
    assert loaded is not None and entry.key_id == loaded.key_id
    assert loaded.source == "环境变量 ZHIJIAN_AUDIT_KEY"
    assert not fresh_key.exists()


def test_a_short_environment_key_is_refused_in_chinese(
    fresh_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(key.ENVIRONMENT, "short")

    with pytest.raises(ImproperlyConfigured, match="审计密钥过短（环境变量 ZHIJIAN_AUDIT_KEY）"):
        key.load_key(create=True)


def test_an_empty_key_file_says_to_restore_it_not_to_delete_it(fresh_key: Path) -> None:
    fresh_key.write_text("\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as error:
        key.load_key(create=True)

    assert str(error.value) == (
        f"审计密钥文件为空：{fresh_key}。请从备份恢复该文件；不要删除它，"
        "否则已有的审计记录将无法校验。"
    )
    assert fresh_key.read_text("utf-8") == "\n"


def _legacy_rows(apps: Any) -> list[Any]:
    """Two rows as the platform wrote them before the key: SHA-256 of the previous hash
    and the content, the name and whole ID number in the detail."""
    entry_model = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditHead")
    previous, rows = GENESIS, []
    for n, detail in enumerate(({"id_number": WHOLE_NUMBER, "name": "测试人员9"}, {"n": 2})):
        fields = {
            "at": datetime(2026, 1, 5, 8, n, tzinfo=UTC),
            "actor_id": None,
            "actor_name": "",
            "unit_name": "",
            "action": "查看人员档案" if n == 0 else "测试操作",
            "object_type": "person" if n == 0 else "线索",
            "object_id": str(n),
            "detail": detail,
        }
        entry_hash = legacy_hash(previous, entry_content(fields, SHA256))
        rows.append(
            entry_model.objects.create(**fields, previous_hash=previous, entry_hash=entry_hash)
        )
        previous = entry_hash
    head_model.objects.create(pk=1, last_hash=previous, last_entry_id=rows[-1].pk)
    return rows


def test_a_database_of_sha256_rows_upgrades_and_keeps_verifying(transactional_db: None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    assert triggers.existing(connection) == set()
    old = _legacy_rows(executor.loader.project_state(("audit", "0001_initial")).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(AuditEntry.objects.values_list("scheme", flat=True)) == [SHA256, SHA256]
    assert AuditHead.objects.get().count == 2
    before = verify()
    assert (before.checked, before.legacy_rows, before.intact) == (2, 2, True)

    first_signed = record(None, "测试操作", object_id="升级后")
    assert first_signed.previous_hash == AuditEntry.objects.get(pk=old[1].pk).entry_hash
    after = verify()
    assert (after.checked, after.legacy_rows, after.intact) == (3, 2, True)

    # The old rows shown on the audit page: the whole number masked, the name gone.
    shown = display.rows([AuditEntry.objects.get(pk=old[0].pk)], {})[0]
    assert (shown.object_type, shown.subject, shown.details) == (
        "人员",
        "370102********0019",
        (("身份证号", "370102********0019"),),
    )

    # Recomputing the old rows needs no key, but the first signed row holds their hash.
    previous = GENESIS
    with triggers_dropped():
        for entry in AuditEntry.objects.filter(scheme=SHA256).order_by("pk"):
            fields = {name: getattr(entry, name) for name in LEGACY_FIELDS} | {"detail": {"n": 0}}
            entry_hash = legacy_hash(previous, entry_content(fields, SHA256))
            AuditEntry.objects.filter(pk=entry.pk).update(
                detail={"n": 0}, previous_hash=previous, entry_hash=entry_hash
            )
            previous = entry_hash
    assert verify().problems == (
        f"第 {first_signed.pk} 条：前一条哈希不符（记录被删除、插入或调换）",
    )
