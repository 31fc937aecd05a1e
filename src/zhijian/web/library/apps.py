from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "zhijian.web.library"
    label = "library"
    verbose_name = "模型库"
