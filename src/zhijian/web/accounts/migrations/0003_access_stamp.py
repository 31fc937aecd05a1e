"""The access stamp and the triggers that renew it whenever access data changes.

Triggers rather than Django signals: signals miss ``QuerySet.update()``, bulk operations
and SQL run outside the application, and a missed change here would leave a server process
showing a user data they no longer may see. The stamp is a random value, never a counter,
so a change rolled back and another committed later cannot produce the same stamp.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

# (table, the statements that change access data)
WATCHED = (
    ("accounts_unit", ("INSERT", "UPDATE", "DELETE")),
    ("accounts_supervisedfacility", ("INSERT", "UPDATE", "DELETE")),
    ("accounts_facilitygrant", ("INSERT", "UPDATE", "DELETE")),
    ("accounts_role", ("INSERT", "UPDATE", "DELETE")),
    ("accounts_user_roles", ("INSERT", "UPDATE", "DELETE")),
    # A user's log-in (last_login) changes nothing that is cached.
    ("accounts_user", ("INSERT", "UPDATE OF unit_id, is_active, username, full_name", "DELETE")),
)


def _name(table: str, event: str) -> str:
    return f"{table}_{event.split()[0].lower()}_access_stamp"


def create_triggers(apps: Any, schema_editor: Any) -> None:
    stamp = apps.get_model("accounts", "AccessStamp")
    stamp.objects.create(pk=1, stamp="initial")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE FUNCTION accounts_renew_access_stamp() RETURNS trigger AS $$ BEGIN "
            "UPDATE accounts_accessstamp SET stamp = md5(random()::text || clock_timestamp()::text); "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        for table, events in WATCHED:
            for event in events:
                schema_editor.execute(
                    f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_renew_access_stamp()"
                )
    elif vendor == "sqlite":
        for table, events in WATCHED:
            for event in events:
                schema_editor.execute(
                    f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN "
                    "UPDATE accounts_accessstamp SET stamp = lower(hex(randomblob(16))); END"
                )
    else:
        raise RuntimeError(f"不支持的数据库：{vendor}（仅支持 PostgreSQL 与 SQLite）")


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table, events in WATCHED:
        for event in events:
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}{on}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS accounts_renew_access_stamp()")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]
    operations = [
        migrations.CreateModel(
            name="AccessStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(default="", max_length=32)),
            ],
            options={"verbose_name": "权限数据版本", "verbose_name_plural": "权限数据版本"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
