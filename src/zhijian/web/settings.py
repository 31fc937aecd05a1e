"""The Django settings: one module, driven by environment variables with safe defaults.

- ``ZHIJIAN_HOME``: the workspace; default ``./zhijian-data``.
- ``ZHIJIAN_SECRET_KEY``: Django's signing key; default a key generated once into
  ``$ZHIJIAN_HOME/secret_key`` (mode 0600).
- ``ZHIJIAN_DEBUG``: Django's debug mode (``1``, ``true``, ``yes``, ``on``); default off.
- ``ZHIJIAN_ALLOWED_HOSTS``: host names served, comma-separated; default
  ``127.0.0.1,localhost``.
- ``DATABASE_URL``: the operational database; default SQLite at
  ``$ZHIJIAN_HOME/zhijian.sqlite3``.

Production and CI use PostgreSQL: ``DATABASE_URL=postgres://user:password@host:5432/name``.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url

from zhijian.warehouse.workspace import Workspace
from zhijian.web.secret_key import load_or_create_secret_key


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(HOME / "zhijian.sqlite3"),
        # The command line writes while the web reads: WAL lets readers go on, and taking
        # the write lock at BEGIN avoids "database is locked" halfway through a transaction.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
    }


HOME = Workspace.from_environment().home

SECRET_KEY = os.environ.get("ZHIJIAN_SECRET_KEY") or load_or_create_secret_key(HOME / "secret_key")
DEBUG = _flag("ZHIJIAN_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ZHIJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "zhijian.web.leads",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "zhijian.web.urls"
WSGI_APPLICATION = "zhijian.web.wsgi.application"

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
