"""Rows that are added and never changed or deleted: the audit log, a lead's history
and the remarks on it. The model refuses both in Python; the audit log's triggers also
refuse them in the database (``zhijian.web.audit.triggers``)."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name}只能新增，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self._meta.verbose_name}不能删除")
