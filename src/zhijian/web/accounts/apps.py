from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhijian.web.accounts"
    label = "accounts"
    verbose_name = "单位与用户"
