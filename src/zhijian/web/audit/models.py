"""Audit rows and the head of their hash chain."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from zhijian.web.append_only import AppendOnly

GENESIS = "0" * 64


class AuditEntry(AppendOnly):
    """One recorded action or look at personal data. Never updated, never deleted
    (database triggers refuse both, see ``zhijian.web.audit.triggers``).

    ``entry_hash`` = HMAC-SHA256, with the audit key kept outside the database, of the
    previous row's hash and this row's content (``scheme`` ``hmac``); rows written before
    the key existed carry a plain SHA-256 (``scheme`` ``sha256``, see
    ``zhijian.web.audit.chain``). Changing, removing or reordering a row breaks the chain
    from there on, and only the key's holder could recompute it. ``unit_id`` (the actor's
    unit) and ``facility_code`` (the facility of the lead, person or record the row is
    about) decide which administrators see the row."""

    class Scheme(models.TextChoices):
        HMAC = "hmac", "HMAC-SHA256"
        SHA256 = "sha256", "SHA-256（升级前）"

    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    unit_name = models.CharField("操作人单位", max_length=100, blank=True)
    action = models.CharField("操作", max_length=50, db_index=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象", max_length=100, blank=True)
    detail = models.JSONField("详情", default=dict, encoder=DjangoJSONEncoder)
    unit_id = models.BigIntegerField("操作人单位编号", null=True, blank=True, db_index=True)
    facility_code = models.CharField("涉及场所", max_length=50, blank=True, db_index=True)
    scheme = models.CharField("校验方式", max_length=10, choices=Scheme.choices)
    key_id = models.CharField("密钥编号", max_length=16, blank=True)
    previous_hash = models.CharField("前一条哈希", max_length=64)
    entry_hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ("pk",)
        indexes = (models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"


class AuditHead(models.Model):
    """A single row holding the last hash and the number of rows: writers lock it, so the
    chain stays a chain when several requests write at once. ``mac`` signs (last hash,
    count) with the audit key, so the head cannot be moved back over deleted rows without
    the key. It may be updated, never deleted."""

    last_hash = models.CharField(max_length=64, default=GENESIS)
    last_entry_id = models.BigIntegerField(null=True)
    count = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
