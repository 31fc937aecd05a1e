from __future__ import annotations

from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "zhijian.web.datahub"
    label = "datahub"
    verbose_name = "数据导入"
