"""Writing audit rows into the chain, and verifying it.

Every action writes its row with ``record(...)`` inside its own transaction, so the row
exists exactly when the change does. ``verify()`` recomputes every hash from the first
row: it reports the first row whose content or place in the chain does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

from zhijian.web.audit.models import GENESIS, AuditEntry, AuditHead


def entry_content(
    *,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    unit_name: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: Any,
) -> str:
    """The canonical text hashed for a row (sorted keys, UTC time in microseconds)."""
    return json.dumps(
        {
            "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "unit_name": unit_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            # Round-trip the detail through JSON so dates hash as the stored text.
            "detail": json.loads(json.dumps(detail, cls=DjangoJSONEncoder)),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def chain_hash(previous_hash: str, content: str) -> str:
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


def record(
    actor: Any,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the chain, in the caller's transaction (or a new one)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    unit = getattr(actor, "unit", None) if is_user else None
    fields: dict[str, Any] = {
        "at": timezone.now(),
        "actor_id": actor.pk if is_user else None,
        "actor_name": actor.get_username() if is_user else "",
        "unit_name": unit.name if unit is not None else "",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "detail": detail or {},
    }
    connection = connections[router.db_for_write(AuditEntry)]
    if connection.vendor == "postgresql":
        entry = _append_in_one_statement(connection, fields)
        if entry is not None:
            return entry
    with transaction.atomic():
        head = _locked_head()
        entry_hash = chain_hash(head.last_hash, entry_content(**fields))
        entry = AuditEntry.objects.create(
            **fields, previous_hash=head.last_hash, entry_hash=entry_hash
        )
        AuditHead.objects.filter(pk=head.pk).update(last_hash=entry_hash, last_entry_id=entry.pk)
        return entry


# One statement locks the head, hashes and inserts the row and moves the head: no round
# trip (and no wait for Python's lock) between taking the head's lock and letting it go,
# so requests that look at people's data do not queue behind one another. The hash is
# ``chain_hash`` computed by the server: SHA-256 of the previous hash and the content, in
# UTF-8, as hex.
_APPEND = """
WITH head AS (
    SELECT last_hash FROM audit_audithead WHERE id = 1 FOR UPDATE
), entry AS (
    INSERT INTO audit_auditentry (
        at, actor_id, actor_name, unit_name, action, object_type, object_id, detail,
        previous_hash, entry_hash
    )
    SELECT %(at)s, %(actor_id)s, %(actor_name)s, %(unit_name)s, %(action)s,
        %(object_type)s, %(object_id)s, %(detail)s::jsonb, head.last_hash,
        encode(sha256(convert_to(head.last_hash || %(content)s, 'UTF8')), 'hex')
    FROM head
    RETURNING id, previous_hash, entry_hash
)
UPDATE audit_audithead SET last_hash = entry.entry_hash, last_entry_id = entry.id
FROM entry WHERE audit_audithead.id = 1
RETURNING entry.id, entry.previous_hash, entry.entry_hash
"""


def _append_in_one_statement(connection: Any, fields: dict[str, Any]) -> AuditEntry | None:
    """The row appended by ``_APPEND``; ``None`` when there is no head row yet (the first
    row of a new database takes the general path, which creates it)."""
    parameters = fields | {
        "detail": json.dumps(fields["detail"], cls=DjangoJSONEncoder),
        "content": entry_content(**fields),
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPEND, parameters)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, previous_hash, entry_hash = row
    entry = AuditEntry(pk=pk, **fields, previous_hash=previous_hash, entry_hash=entry_hash)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(batch_size: int = 5000) -> Verification:
    """Recompute the chain. Problems name the row id and what does not match."""
    problems: list[str] = []
    previous = GENESIS
    checked = 0
    last_id: int | None = None
    for entry in _entries(batch_size):
        checked += 1
        last_id = entry.pk
        if entry.previous_hash != previous:
            problems.append(f"第 {entry.pk} 条：前一条哈希不符（记录被删除、插入或调换）")
        content = entry_content(
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            unit_name=entry.unit_name,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,
        )
        if chain_hash(entry.previous_hash, content) != entry.entry_hash:
            problems.append(f"第 {entry.pk} 条：内容与哈希不符（记录被修改）")
        previous = entry.entry_hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous or head.last_entry_id != last_id):
        problems.append("链尾与最后一条记录不符（末尾的记录被删除）")
    return Verification(checked, tuple(problems))


def _entries(batch_size: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = list(AuditEntry.objects.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].pk
