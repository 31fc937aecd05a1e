from __future__ import annotations

from django.apps import AppConfig


class ResidentConfig(AppConfig):
    name = "zhijian.web.resident"
    label = "resident"
    verbose_name = "派驻检察"
