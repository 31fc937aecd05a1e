from __future__ import annotations

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "zhijian.web.leads"
    label = "leads"
    verbose_name = "线索"
