"""The audit tables as someone with write access to the database can change them, and
how the test suite empties them.

The triggers (``zhijian.web.audit.triggers``) refuse UPDATE and DELETE of audit rows
from anywhere, the application included; only the tables' owner can drop them. The tests
that forge the chain do what such an attacker would: drop the triggers, change the rows,
create the triggers again (inside the test's transaction, which is rolled back).

Django empties the database after a transactional test (``TransactionTestCase``'s
flush: ``DELETE`` on SQLite, which the triggers refuse; ``TRUNCATE`` on PostgreSQL,
which they allow only on empty tables). ``clear_audit_log`` runs first
(``tests/conftest.py``) and empties the two audit tables the same way, so the production
triggers need no switch for the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from zhijian.web.audit import triggers


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """The audit tables without their triggers, for the length of the block."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in triggers.drop_statements(vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in triggers.create_statements(vendor):
                cursor.execute(statement)


def clear_audit_log() -> None:
    """Empty both audit tables (the end of a transactional test)."""
    with transaction.atomic(), triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {triggers.ENTRY}")
        cursor.execute(f"DELETE FROM {triggers.HEAD}")
