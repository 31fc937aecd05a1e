"""The Django settings: one module, driven by environment variables with safe defaults.

- ``ZHIJIAN_HOME``: the workspace; default ``./zhijian-data``.
- ``ZHIJIAN_SECRET_KEY``: Django's signing key; default a key generated once into
  ``$ZHIJIAN_HOME/secret_key`` (mode 0600).
- ``ZHIJIAN_AUDIT_KEY``: the key the audit log's chain is signed with (at least 32
  characters); default a key generated on first use into ``$ZHIJIAN_HOME/audit_key``
  (mode 0600). Back it up: without it the log cannot be verified (``docs/web.md``).
- ``ZHIJIAN_DEBUG``: Django's debug mode (``1``, ``true``, ``yes``, ``on``); default off.
  Never turn it on for real data: error pages would show it.
- ``ZHIJIAN_ALLOWED_HOSTS``: host names served, comma-separated; default
  ``127.0.0.1,localhost``.
- ``ZHIJIAN_HTTPS``: the site is served over HTTPS (default on): session and CSRF cookies
  are sent only over HTTPS. ``zhijian demo`` turns it off, serving plain HTTP on loopback.
- ``ZHIJIAN_SESSION_MINUTES``: a session ends after this many idle minutes; default 120.
- ``DATABASE_URL``: the operational database; default SQLite at
  ``$ZHIJIAN_HOME/zhijian.sqlite3`` (created 0600, as are its ``-wal`` and ``-shm``).
- ``ZHIJIAN_UPLOAD_RETENTION_DAYS``: uploaded data files are kept this many days under
  ``$ZHIJIAN_HOME/uploads/``; default 90. ``zhijian worker`` removes older ones when it
  starts and once a day (``zhijian data prune`` does it by hand); ``0`` keeps them for good.
- ``ZHIJIAN_TRUSTED_PROXIES``: the reverse proxies in front of the platform, as addresses
  or networks, comma-separated (``10.0.0.5,10.0.0.6`` or ``10.0.0.0/24``); default none.
  Only a request that comes from one of them has its client address taken from
  ``X-Forwarded-For`` (for the login lockout); from anywhere else the header is ignored.

Production and CI use PostgreSQL: ``DATABASE_URL=postgres://user:password@host:5432/name``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from zhijian.supervision.limits import MAX_RESULT_ROWS, MAX_ROWS_VARIABLE
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts.client_ip import parse_networks
from zhijian.web.secret_key import load_or_create_secret_key


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def _whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()):
        raise ImproperlyConfigured(f"环境变量 {name} 应为不小于 0 的整数，现为“{text}”")
    return int(text)


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(HOME / "zhijian.sqlite3"),
        # The command line writes while the web reads: WAL lets readers go on, and taking
        # the write lock at BEGIN avoids "database is locked" halfway through a transaction.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }


HOME = Workspace.from_environment().home
PACKAGE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("ZHIJIAN_SECRET_KEY") or load_or_create_secret_key(HOME / "secret_key")
DEBUG = _flag("ZHIJIAN_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ZHIJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "zhijian.web.accounts",
    "zhijian.web.audit",
    "zhijian.web.leads",
    "zhijian.web.people",
    "zhijian.web.library",
    "zhijian.web.datahub",
    "zhijian.web.dashboard",
    "zhijian.web.resident",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhijian.web.accounts.middleware.NoStoreMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "zhijian.web.accounts.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it sees the result of authentication (django-axes' documented order).
    "axes.middleware.AxesMiddleware",
]
ROOT_URLCONF = "zhijian.web.urls"
WSGI_APPLICATION = "zhijian.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhijian.web.accounts.context.navigation",
            ],
        },
    }
]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zhijian.web.accounts.backends.UnitModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's own, with a Chinese message (its translation misses the message's wording).
    {
        "NAME": "zhijian.web.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): five failures for one user name from one address lock
# that pair out for 15 minutes; the lockout page says so in Chinese.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy's address: the client's is
# read from X-Forwarded-For, but only on requests from a trusted proxy (a client cannot
# choose its own address by sending the header).
TRUSTED_PROXIES = parse_networks(os.environ.get("ZHIJIAN_TRUSTED_PROXIES", ""))
AXES_CLIENT_IP_CALLABLE = "zhijian.web.accounts.client_ip.client_ip"

# Sessions end after a period without a request (to within a minute: the expiry moves
# forward at most once a minute, see accounts/middleware.py), and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("ZHIJIAN_SESSION_MINUTES", "120")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
HTTPS = _flag("ZHIJIAN_HTTPS", default=True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles and everything else from the platform itself: no inline script or style
# attribute runs, no page may be framed, forms post only here (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}
if HTTPS:
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE / "static"]
# Files are served from the package by WhiteNoise's finders: no collectstatic step on an
# offline server, so there is no STATIC_ROOT.
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = HOME / "files"
# Stored files (photos, uploads) and their folders are their owner's only, whatever the
# umask.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
UPLOAD_RETENTION_DAYS = _whole_number("ZHIJIAN_UPLOAD_RETENTION_DAYS", 90)
# Uploaded data files stream to disk above this size instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Background work (model runs, imports): rows in the operational database, run by
# ``zhijian worker`` (or by ``zhijian demo``, which starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
# A model run whose result has more rows than this fails (zhijian.supervision.sandbox).
MODEL_MAX_ROWS = _whole_number(MAX_ROWS_VARIABLE, MAX_RESULT_ROWS) or MAX_RESULT_ROWS

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Nothing about a person goes to the logs: requests are not logged with their bodies, and
# errors are mailed to nobody.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
