from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "zhijian.web.dashboard"
    label = "dashboard"
    verbose_name = "数据总览"
