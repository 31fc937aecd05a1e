"""The settings' secret key, migration on first use, and migrations matching the models."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from zhijian.web.secret_key import load_or_create_secret_key

OPEN_DATABASE = (
    "import zhijian.web\n"
    "zhijian.web.setup_django()\n"
    "zhijian.web.ensure_database()\n"
    "from django.conf import settings\n"
    "print(settings.DATABASES['default']['NAME'])\n"
)


def open_database(home: Path) -> str:
    """Open the operational database of workspace ``home`` in a fresh process; returns the
    database's name."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ZHIJIAN_SECRET_KEY"}
    }
    env["ZHIJIAN_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", OPEN_DATABASE], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.strip()


def test_a_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "secret_key"

    key = load_or_create_secret_key(path)

    assert len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_an_existing_key_is_used(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("运维设置的密钥\n", encoding="utf-8")

    assert load_or_create_secret_key(path) == "运维设置的密钥"


def test_an_empty_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured, match="密钥文件为空"):
        load_or_create_secret_key(path)


def test_the_database_is_migrated_on_first_use(tmp_path: Path) -> None:
    home = tmp_path / "新工作目录"

    name = open_database(home)

    assert name == str(home / "zhijian.sqlite3")
    with sqlite3.connect(name) as database:
        tables = {row[0] for row in database.execute("select name from sqlite_master")}
        applied = database.execute("select count(*) from django_migrations").fetchone()[0]
    assert {"leads_lead", "leads_leadevent", "leads_modelrun", "accounts_user"} <= tables
    assert stat.S_IMODE((home / "secret_key").stat().st_mode) == 0o600
    # A second start finds nothing to do.
    open_database(home)
    with sqlite3.connect(name) as database:
        again = database.execute("select count(*) from django_migrations").fetchone()[0]
    assert again == applied


@pytest.mark.django_db
def test_the_migrations_match_the_models() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
