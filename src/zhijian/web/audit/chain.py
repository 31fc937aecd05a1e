"""Writing audit rows into the chain, and verifying it.

Every action writes its row with ``record(...)`` inside its own transaction, so the row
exists exactly when the change does. A row's ``entry_hash`` is the HMAC-SHA256, under the
audit key (``key.load_key``: outside the database), of the previous row's hash and the
row's canonical content; the chain's head holds the last hash and the number of rows,
signed the same way. Whoever can write the database but lacks the key can neither change
a row and recompute the hashes after it, nor delete rows and move the head back.

Rows written before the key existed (``scheme`` ``sha256``) carry SHA-256 of the same
text, as they always did, and verify as before; the first HMAC row chains to the last of
them, so once it exists they too cannot be recomputed without the key. No SHA-256 row may
follow an HMAC row. ``verify()`` walks the chain from the first row and reports what does
not match; without the key it checks what it can and says which rows it could not.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

from zhijian.web.audit.anchor import Anchor
from zhijian.web.audit.key import AuditKey, describe_location, load_key
from zhijian.web.audit.models import GENESIS, AuditEntry, AuditHead
from zhijian.web.audit.privacy import mask_text, scrub

HMAC = AuditEntry.Scheme.HMAC.value
SHA256 = AuditEntry.Scheme.SHA256.value
# The content of a row before the upgrade, and what HMAC rows add to it.
LEGACY_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "unit_name",
    "action",
    "object_type",
    "object_id",
    "detail",
)
SCOPE_FIELDS = ("unit_id", "facility_code", "scheme", "key_id")


def entry_content(fields: Mapping[str, Any], scheme: str = HMAC) -> str:
    """The canonical text a row's hash covers (sorted keys, UTC time in microseconds);
    a SHA-256 row covers the fields it had before the upgrade."""
    names = LEGACY_FIELDS if scheme == SHA256 else LEGACY_FIELDS + SCOPE_FIELDS
    content = {name: fields[name] for name in names}
    content["at"] = fields["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # Round-trip the detail through JSON so dates hash as the stored text.
    content["detail"] = json.loads(json.dumps(fields["detail"], cls=DjangoJSONEncoder))
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def legacy_hash(previous_hash: str, content: str) -> str:
    """The hash of a row written before the upgrade: SHA-256, no key."""
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


def entry_mac(key: AuditKey, previous_hash: str, content: str) -> str:
    return key.sign(previous_hash + content)


def head_mac(key: AuditKey, last_hash: str, count: int) -> str:
    return key.sign(f"head\n{last_hash}\n{count}")


def record(
    actor: Any,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    detail: Mapping[str, Any] | None = None,
    facility_code: str = "",
) -> AuditEntry:
    """Append one row to the chain, in the caller's transaction (or a new one).

    ``facility_code`` names the facility of the lead, person or record the row is about
    (for a facility itself, ``object_type="场所"``, its code is taken from ``object_id``):
    it lets the administrators who supervise that facility see the row. The detail is
    reduced to what an audit row may hold about a person (``privacy.scrub``)."""
    key = load_key(create=True)
    assert key is not None  # created when missing
    fields = _fields(actor, action, object_type, object_id, detail, facility_code, key)
    connection = connections[router.db_for_write(AuditEntry)]
    if connection.vendor == "postgresql":
        entry = _append_on_postgresql(connection, fields, key)
        if entry is not None:
            return entry
    return _append(connection.alias, fields, key)


def _fields(
    actor: Any,
    action: str,
    object_type: str,
    object_id: object,
    detail: Mapping[str, Any] | None,
    facility_code: str,
    key: AuditKey,
) -> dict[str, Any]:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    unit = getattr(actor, "unit", None) if is_user else None
    if not facility_code and object_type == "场所":
        facility_code = str(object_id)
    return {
        "at": timezone.now(),
        "actor_id": actor.pk if is_user else None,
        "actor_name": actor.get_username() if is_user else "",
        "unit_name": unit.name if unit is not None else "",
        "unit_id": unit.pk if unit is not None else None,
        "action": mask_text(action),
        "object_type": object_type,
        "object_id": mask_text(str(object_id)),
        "detail": scrub(detail or {}),
        "facility_code": facility_code,
        "scheme": HMAC,
        "key_id": key.key_id,
    }


def _append(alias: str, fields: dict[str, Any], key: AuditKey) -> AuditEntry:
    with transaction.atomic(using=alias, savepoint=False):
        head = _locked_head()
        entry_hash = entry_mac(key, head.last_hash, entry_content(fields))
        entry = AuditEntry.objects.create(
            **fields, previous_hash=head.last_hash, entry_hash=entry_hash
        )
        count = head.count + 1
        AuditHead.objects.filter(pk=head.pk).update(
            last_hash=entry_hash,
            last_entry_id=entry.pk,
            count=count,
            mac=head_mac(key, entry_hash, count),
        )
        return entry


# On PostgreSQL a row is appended by one statement that locks the head, inserts the row
# and moves the head only if the head is still the one the row was signed against; the
# signing happens before, in Python (the key never goes to the server). Outside a
# caller's transaction the lock is then held by the server alone, for one statement,
# never across a round trip or a wait for Python's GIL. The head this process last wrote
# is the guess; a wrong guess inserts nothing and returns the head as it is, and the row
# is signed again against that. Inside a transaction the head stays locked from the
# first try on, so the second succeeds; in autocommit the appends of one process take
# turns (so that its threads do not spoil each other's guesses), and after ``ATTEMPTS``
# misses (writers of other processes in between) the row is appended inside a
# transaction. Measured with ``benchmarks/audit.py`` (``docs/web.md``).
_APPEND = """
WITH head AS (
    SELECT last_hash, count FROM audit_audithead WHERE id = 1 FOR UPDATE
), entry AS (
    INSERT INTO audit_auditentry (
        at, actor_id, actor_name, unit_name, unit_id, action, object_type, object_id,
        detail, facility_code, scheme, key_id, previous_hash, entry_hash
    )
    SELECT %(at)s, %(actor_id)s, %(actor_name)s, %(unit_name)s, %(unit_id)s, %(action)s,
        %(object_type)s, %(object_id)s, %(detail)s::jsonb, %(facility_code)s, %(scheme)s,
        %(key_id)s, %(previous_hash)s, %(entry_hash)s
    FROM head WHERE head.last_hash = %(previous_hash)s AND head.count = %(previous_count)s
    RETURNING id
), moved AS (
    UPDATE audit_audithead
    SET last_hash = %(entry_hash)s, last_entry_id = entry.id, count = %(count)s, mac = %(mac)s
    FROM entry WHERE audit_audithead.id = 1
    RETURNING entry.id
)
SELECT (SELECT id FROM moved), head.last_hash, head.count FROM head
"""
# Per process and database: the head (last hash, count) after this process's last append.
_LAST_SEEN: dict[str, tuple[str, int]] = {}
_TURNS = threading.Lock()
ATTEMPTS = 3  # fewer retried inside a transaction more often under two processes' load
# What ``_try_append`` returns when its guesses missed.
_MISSED = object()


def _append_on_postgresql(
    connection: Any, fields: dict[str, Any], key: AuditKey
) -> AuditEntry | None:
    """The row appended by ``_APPEND``; ``None`` when there is no head yet (the first
    row of a new database takes the general path, which creates it)."""
    content = entry_content(fields)
    if connection.in_atomic_block:
        found = _try_append(connection, fields, content, key)
    else:
        # Never taken inside a transaction: a transaction holding the head's lock
        # could then wait here for a thread that waits for that lock.
        with _TURNS:
            found = _try_append(connection, fields, content, key, attempts=ATTEMPTS)
            if found is _MISSED:
                with transaction.atomic(using=connection.alias, savepoint=False):
                    found = _try_append(connection, fields, content, key)
    assert found is not _MISSED  # the second try under the head's lock cannot miss
    return found if isinstance(found, AuditEntry) else None


def _try_append(
    connection: Any, fields: dict[str, Any], content: str, key: AuditKey, attempts: int = 2
) -> object:
    """The appended row; ``None`` when there is no head; ``_MISSED`` when the head moved
    between guess and statement ``attempts`` times."""
    previous_hash, previous_count = _LAST_SEEN.get(connection.alias, (GENESIS, -1))
    for _attempt in range(attempts):
        entry_hash = entry_mac(key, previous_hash, content)
        count = previous_count + 1
        parameters = fields | {
            "detail": json.dumps(fields["detail"], cls=DjangoJSONEncoder),
            "previous_hash": previous_hash,
            "previous_count": previous_count,
            "entry_hash": entry_hash,
            "count": count,
            "mac": head_mac(key, entry_hash, count),
        }
        with connection.cursor() as cursor:
            cursor.execute(_APPEND, parameters)
            row = cursor.fetchone()
        if row is None:
            return None
        pk, found_hash, found_count = row
        if pk is not None:
            _LAST_SEEN[connection.alias] = (entry_hash, count)
            entry = AuditEntry(pk=pk, **fields, previous_hash=previous_hash, entry_hash=entry_hash)
            entry._state.adding = False
            entry._state.db = connection.alias
            return entry
        previous_hash, previous_count = found_hash, found_count
    return _MISSED


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class AnchorCheck:
    """What ``verify`` found at the anchored row."""

    count: int
    holds: bool  # the row at that place exists and has the anchored hash
    rows_after: int


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: tuple[str, ...]
    legacy_rows: int = 0
    unverified: str = ""  # why some rows could not be checked; "" when all were
    anchor: AnchorCheck | None = None

    @property
    def intact(self) -> bool:
        """Every row and the head were checked, and nothing was found."""
        return not self.problems and not self.unverified


def verify(batch_size: int = 5000, *, anchor: Anchor | None = None) -> Verification:
    """Walk the chain from its first row. Problems name the row and what does not match.
    With ``anchor``, also check that the row at the anchored place has the anchored hash:
    nothing at or before it changed, even by someone holding the key."""
    walk = _Walk(load_key(create=False), anchor)
    for entry in _entries(batch_size):
        walk.check(entry)
    walk.check_head(AuditHead.objects.filter(pk=1).first())
    return walk.result()


@dataclass
class _Walk:
    key: AuditKey | None
    anchor: Anchor | None
    checked: int = 0
    previous: str = GENESIS
    last_id: int | None = None
    legacy_rows: int = 0
    signed_rows: int = 0  # HMAC rows checked with the key
    unkeyed_rows: int = 0  # HMAC rows not checked: no key
    # HMAC rows of another key: before the first row of this key (an earlier key, lost or
    # replaced: they cannot be checked), or after it (forged: the key was not changed).
    earlier_key_rows: list[int] = field(default_factory=list)
    earlier_key_ids: set[str] = field(default_factory=set)
    forged_key_rows: list[int] = field(default_factory=list)
    anchor_holds: bool = False
    problems: list[str] = field(default_factory=list)

    def check(self, entry: AuditEntry) -> None:
        self.checked += 1
        self.last_id = entry.pk
        if entry.previous_hash != self.previous:
            self.problems.append(f"第 {entry.pk} 条：前一条哈希不符（记录被删除、插入或调换）")
        if entry.scheme == SHA256:
            self._check_legacy(entry)
        elif entry.scheme == HMAC:
            self._check_signed(entry)
        else:
            self.problems.append(f"第 {entry.pk} 条：未知的校验方式（记录被改写）")
        if self.anchor is not None and self.checked == self.anchor.count:
            self.anchor_holds = entry.entry_hash == self.anchor.last_hash
            if not self.anchor_holds:
                self.problems.append(
                    f"第 {entry.pk} 条（锚点所记的第 {self.anchor.count} 条）：哈希与锚点不符"
                    "（锚点及其之前的记录被改动）"
                )
        self.previous = entry.entry_hash

    def _check_legacy(self, entry: AuditEntry) -> None:
        if self._signed_rows_seen():
            self.problems.append(
                f"第 {entry.pk} 条：升级后的记录不应使用 SHA-256（记录被改写为旧格式）"
            )
            return
        self.legacy_rows += 1
        if legacy_hash(entry.previous_hash, entry_content(_stored(entry), SHA256)) != (
            entry.entry_hash
        ):
            self.problems.append(f"第 {entry.pk} 条：内容与哈希不符（记录被修改）")

    def _check_signed(self, entry: AuditEntry) -> None:
        if self.key is None:
            self.unkeyed_rows += 1
            return
        if entry.key_id != self.key.key_id:
            if self.signed_rows:
                self.forged_key_rows.append(entry.pk)
            else:
                self.earlier_key_rows.append(entry.pk)
                self.earlier_key_ids.add(entry.key_id)
            return
        self.signed_rows += 1
        expected = entry_mac(self.key, entry.previous_hash, entry_content(_stored(entry)))
        if expected != entry.entry_hash:
            self.problems.append(f"第 {entry.pk} 条：内容与校验码不符（记录被修改）")

    def check_head(self, head: AuditHead | None) -> None:
        if head is None:
            if self.checked:
                self.problems.append("链头缺失（链头被删除）")
            return
        if head.last_hash != self.previous or head.last_entry_id != self.last_id:
            self.problems.append("链尾与最后一条记录不符（末尾的记录被删除）")
        elif head.count != self.checked:
            self.problems.append(
                f"链头记录的条数（{head.count}）与实际条数（{self.checked}）不符"
                "（记录被删除或插入）"
            )
        if not self._signed_rows_seen():
            return
        if not head.mac:
            self.problems.append("链头没有校验码（链头被改写）")
        elif self.key is not None and self.signed_rows and not self._head_signed(head):
            self.problems.append("链头校验码不符（链头被移回或改写）")

    def _signed_rows_seen(self) -> bool:
        return bool(
            self.signed_rows or self.unkeyed_rows or self.earlier_key_rows or self.forged_key_rows
        )

    def _head_signed(self, head: AuditHead) -> bool:
        assert self.key is not None
        return head_mac(self.key, head.last_hash, head.count) == head.mac

    def result(self) -> Verification:
        problems = list(self.problems)
        current = self.key.key_id if self.key else ""
        if self.forged_key_rows:
            first, count = self.forged_key_rows[0], len(self.forged_key_rows)
            problems.append(
                f"第 {first} 条起有 {count} 条记录的密钥编号不是当前密钥的编号（{current}），"
                "却写在当前密钥的记录之后：这些记录是伪造的"
            )
        unverified = ""
        earlier = self.earlier_key_rows
        keys = "、".join(sorted(self.earlier_key_ids))
        if earlier and self.signed_rows:
            unverified = (
                f"第 {earlier[0]} 至 {earlier[-1]} 条中有 {len(earlier)} 条记录由之前的审计密钥"
                f"（编号 {keys}）写入，当前密钥（编号 {current}）无法校验它们；此后的记录已用"
                f"当前密钥校验。从备份恢复之前的密钥（{describe_location()}）可校验这些记录。"
            )
        elif earlier:
            unverified = (
                f"当前审计密钥（编号 {current}）不是写入这些记录的密钥（编号 {keys}）：无法校验 "
                f"{len(earlier)} 条记录。请改用写入时的密钥（{describe_location()}，"
                "从备份恢复）后再校验；若确认密钥无误，则这些记录被改写过。"
            )
        elif self.unkeyed_rows:
            unverified = (
                f"未找到审计密钥（{describe_location()}）：{self.unkeyed_rows} 条记录无法校验，"
                "只检查了记录之间的链接与升级前的记录。请设置密钥（从备份恢复）后再校验。"
            )
        anchor = None
        if self.anchor is not None:
            if self.anchor.count > self.checked:
                problems.append(
                    f"锚点所记的第 {self.anchor.count} 条记录不存在：审计日志现只有 "
                    f"{self.checked} 条（锚点之前的记录被删除）"
                )
            holds = self.anchor_holds or self.anchor.count == 0
            anchor = AnchorCheck(self.anchor.count, holds, max(self.checked - self.anchor.count, 0))
        return Verification(self.checked, tuple(problems), self.legacy_rows, unverified, anchor)


def _stored(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in LEGACY_FIELDS + SCOPE_FIELDS}


def _entries(batch_size: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = list(AuditEntry.objects.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].pk
