"""The index from a person's URL key back to their ID number.

A URL carries ``person_key(id_number)``, a keyed hash that cannot be reversed. The index
remembers the keys it has handed out: every person a search shows, and every person with
a lead (caught up from the leads table on a miss, see ``people.keyindex``)."""

from __future__ import annotations

from django.db import models


class PersonKey(models.Model):
    key = models.CharField("人员标识", max_length=24, unique=True)
    id_number = models.CharField("身份证号码", max_length=32, db_index=True)

    class Meta:
        verbose_name = "人员标识"
        verbose_name_plural = "人员标识"

    def __str__(self) -> str:
        return self.key


class PersonKeyIndex(models.Model):
    """One row: how far the index has read the leads table, and a check value of the
    signing key its keys were computed with (a new secret key empties the index)."""

    last_lead_id = models.BigIntegerField("已索引的最大线索编号", default=0)
    key_check = models.CharField("密钥校验值", max_length=24, blank=True)

    class Meta:
        verbose_name = "人员标识索引进度"
        verbose_name_plural = "人员标识索引进度"

    def __str__(self) -> str:
        return f"线索 ≤ {self.last_lead_id}"
