"""Database triggers that refuse to change or remove audit rows.

On both databases an UPDATE or DELETE of an ``audit_auditentry`` row, and a DELETE of the
chain's head, raises; the head may only be updated. PostgreSQL also refuses TRUNCATE of
either table while it holds a row (truncating empty tables changes nothing, and is what
Django's test flush does after the test suite has emptied them itself, see
``tests/web/tamper.py``). The application has no switch that turns them off.

Whoever owns the tables can still drop the triggers: they guard against mistakes and
against the application being misused, and the HMAC chain (``chain``) is what detects a
change made by someone who went further. SQLite drops a table's triggers with the table,
and Django rebuilds an SQLite table for many schema changes: a later migration that
alters ``audit_auditentry`` or ``audit_audithead`` must create the triggers again
(``tests/web/test_audit_triggers.py`` checks that they exist after every migration).
"""

from __future__ import annotations

ENTRY = "audit_auditentry"
HEAD = "audit_audithead"
# (trigger name, table, event, message)
ROW_TRIGGERS = (
    ("audit_auditentry_refuse_update", ENTRY, "UPDATE", "审计记录只能新增，不能修改"),
    ("audit_auditentry_refuse_delete", ENTRY, "DELETE", "审计记录不能删除"),
    ("audit_audithead_refuse_delete", HEAD, "DELETE", "审计链头不能删除"),
)
TRUNCATE_TRIGGERS = (
    ("audit_auditentry_refuse_truncate", ENTRY),
    ("audit_audithead_refuse_truncate", HEAD),
)
NAMES = tuple(name for name, *_ in ROW_TRIGGERS) + tuple(name for name, _ in TRUNCATE_TRIGGERS)


def create_statements(vendor: str) -> list[str]:
    """The SQL that creates the triggers on this database (``vendor`` as Django names it)."""
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for name, table, event, message in ROW_TRIGGERS
        ]
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation'; "
            "END; $$ LANGUAGE plpgsql",
            "CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM {ENTRY}) OR EXISTS (SELECT 1 FROM {HEAD}) THEN "
            "RAISE EXCEPTION '审计日志不能清空' USING ERRCODE = 'restrict_violation'; "
            "END IF; RETURN NULL; END; $$ LANGUAGE plpgsql",
            *(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION audit_refuse_change('{message}')"
                for name, table, event, message in ROW_TRIGGERS
            ),
            *(
                f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION audit_refuse_truncate()"
                for name, table in TRUNCATE_TRIGGERS
            ),
        ]
    raise RuntimeError(f"不支持的数据库：{vendor}（仅支持 PostgreSQL 与 SQLite）")


def drop_statements(vendor: str) -> list[str]:
    """The SQL that drops the triggers (and, on PostgreSQL, their functions)."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, *_ in ROW_TRIGGERS]
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, *_ in ROW_TRIGGERS),
            *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRUNCATE_TRIGGERS),
            "DROP FUNCTION IF EXISTS audit_refuse_change()",
            "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
        ]
    raise RuntimeError(f"不支持的数据库：{vendor}（仅支持 PostgreSQL 与 SQLite）")


def existing(connection: object) -> set[str]:
    """The names of the audit triggers present on ``connection`` (a Django connection)."""
    vendor = getattr(connection, "vendor", "")
    if vendor == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_%'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'audit_%' AND NOT tgisinternal"
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(query)
        return {name for (name,) in cursor.fetchall()} & set(NAMES)
