"""Triggers refuse UPDATE and DELETE of audit rows and DELETE of the chain's head (see
``zhijian.web.audit.triggers``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from zhijian.web.audit import triggers


def create_triggers(apps: Any, schema_editor: Any) -> None:
    for statement in triggers.create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    for statement in triggers.drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hmac_and_scope")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
