"""The six roles exist in every database."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ROLES = ("派驻检察官", "巡回检察组成员", "建模人员", "侦查人员", "部门负责人", "系统管理员")


def create_roles(apps: Any, schema_editor: Any) -> None:
    role = apps.get_model("accounts", "Role")
    for code in ROLES:
        role.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
