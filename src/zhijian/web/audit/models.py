"""Audit rows and the head of their hash chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS = "0" * 64


class AuditEntry(models.Model):
    """One recorded action or look at personal data. Never updated, never deleted.

    ``entry_hash`` = SHA-256 of the previous row's hash and this row's content
    (see ``zhijian.web.audit.chain``); changing, removing or reordering a row breaks
    every hash after it."""

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
    previous_hash = models.CharField("前一条哈希", max_length=64)
    entry_hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ("pk",)
        indexes = (models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("审计记录只能新增，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("审计记录不能删除")


class AuditHead(models.Model):
    """A single row holding the last hash: writers lock it, so the chain stays a chain
    when several requests write at once."""

    last_hash = models.CharField(max_length=64, default=GENESIS)
    last_entry_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
