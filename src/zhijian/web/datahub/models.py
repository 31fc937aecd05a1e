"""The data sources the 省院 has registered: an agency whose province-wide data (or
reference data) a unit below the 省院 may import, e.g. a city's 人社局 exporting its
pension payments to the city's procuratorate."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DataSource(models.Model):
    """A source registered for ``unit``: its uploaders may import the listed datasets
    whole, under this source's name. Registered, changed and withdrawn by the 省院's
    administrators only."""

    name = models.CharField(
        "数据来源", max_length=100, help_text="报送单位或系统名称，上传时在“数据来源”中填写同名"
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="导入单位",
        on_delete=models.PROTECT,
        related_name="data_sources",
    )
    datasets = models.JSONField(
        "可导入的数据集", default=list, help_text="数据标准中的数据集名称，如 benefit_payments"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    is_active = models.BooleanField("有效", default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "数据来源登记"
        verbose_name_plural = "数据来源登记"
        ordering = ("unit__path", "name")
        constraints = (
            models.UniqueConstraint(fields=["unit", "name"], name="data_source_once_per_unit"),
        )

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def dataset_labels(self) -> str:
        """The datasets by their Chinese names: 社会保障待遇发放（人社、民政）、死亡登记."""
        from zhijian.warehouse.standard import DATASETS

        return "、".join(DATASETS[n].label if n in DATASETS else n for n in self.datasets)
