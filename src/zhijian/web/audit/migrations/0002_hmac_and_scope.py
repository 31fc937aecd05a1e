"""Rows signed with the audit key (HMAC) and scoped by unit and facility; the head counts
the rows and carries a MAC.

Rows already there keep the SHA-256 they were written with: their ``scheme`` becomes
``sha256`` and they verify as before; the first HMAC row chains to the last of them. The
head learns how many rows the chain holds.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def count_rows(apps: Any, schema_editor: Any) -> None:
    entry = apps.get_model("audit", "AuditEntry")
    head = apps.get_model("audit", "AuditHead")
    head.objects.filter(pk=1).update(count=entry.objects.count())


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="facility_code",
            field=models.CharField(
                blank=True, db_index=True, max_length=50, verbose_name="涉及场所"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, max_length=16, verbose_name="密钥编号"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="scheme",
            field=models.CharField(
                choices=[("hmac", "HMAC-SHA256"), ("sha256", "SHA-256（升级前）")],
                default="sha256",
                max_length=10,
                verbose_name="校验方式",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="unit_id",
            field=models.BigIntegerField(
                blank=True, db_index=True, null=True, verbose_name="操作人单位编号"
            ),
        ),
        migrations.AddField(
            model_name="audithead",
            name="count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="audithead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(count_rows, migrations.RunPython.noop),
    ]
