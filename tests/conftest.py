"""Test-wide set-up: Django runs on a throw-away workspace.

The settings write ``$ZHIJIAN_HOME/secret_key`` when they load, so ``$ZHIJIAN_HOME`` is
pointed at a temporary folder before Django starts (never at the repository, nor at a
workspace of the developer's). pytest-django takes over from here: the database is the
test database of ``DATABASE_URL`` (PostgreSQL) or an in-memory SQLite one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="zhijian-test-home-")
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    os.environ["ZHIJIAN_HOME"] = home
    os.environ.pop("ZHIJIAN_SECRET_KEY", None)
    os.environ.pop("ZHIJIAN_AUDIT_KEY", None)

    import zhijian.web

    zhijian.web.setup_django()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Tests create many users: a deliberately slow production hasher (PBKDF2) would
    cost seconds per test. Production settings are untouched."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test starts with empty per-process caches (access, the model filter's
    choices, the dashboard's figures): primary keys and the database are reused from one
    test to the next, a server process's state is not."""
    from zhijian.web.accounts import access
    from zhijian.web.dashboard import stats
    from zhijian.web.leads import forms

    access.clear_cache()
    forms.clear_cache()
    stats.clear_cache()


@pytest.fixture(autouse=True)
def _audit_log_emptied_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a transactional test Django empties every table, which the audit log's
    triggers refuse: the audit tables are emptied first (``tests/web/tamper.py``)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    # Set up the database first, so that it is flushed after this fixture's end.
    request.getfixturevalue("transactional_db")
    yield
    from tests.web.tamper import clear_audit_log

    clear_audit_log()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reaches the database through a fixture (``world`` asks for ``db``) is
    marked ``django_db`` like one marked by hand, so ``./test``'s PostgreSQL pass
    (``-m django_db``) runs it too."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") is not None:
            continue
        if "transactional_db" in fixtures or "live_server" in fixtures:
            item.add_marker(pytest.mark.django_db(transaction=True))
        elif "db" in fixtures:
            item.add_marker(pytest.mark.django_db)
