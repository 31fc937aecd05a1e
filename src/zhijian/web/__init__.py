"""The web platform: the Django project and its apps (the operational database).

Nothing here imports Django at module level, so ``import zhijian.web`` stays cheap and the
command line loads Django only for the commands that need it. Code outside the web
(the engine's command line, scripts) opens the operational database with::

    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()
    from zhijian.web.leads.actions import sync_run

Migrations are made with
``DJANGO_SETTINGS_MODULE=zhijian.web.settings .venv/bin/django-admin makemigrations``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

SETTINGS_MODULE = "zhijian.web.settings"


def setup_django() -> None:
    """Configure Django (``zhijian.web.settings`` unless ``DJANGO_SETTINGS_MODULE`` names
    another module) and load the apps. Calling it again does nothing."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def ensure_database() -> None:
    """Bring the operational database up to date: create the SQLite file (0600) and its
    folder when needed and apply unapplied migrations quietly. Cheap when there is
    nothing to do."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    _create_sqlite_folder(connection.settings_dict)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


def warm_up() -> None:
    """Do once, before the server starts its processes (which inherit the result), what
    each process would otherwise do on its first requests, keeping a user waiting
    seconds: read the model library, compile the templates, build the URL map."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    from zhijian.web.leads.specs import library

    library()
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - builds the reverse map
    for folder in Path(__file__).parent.glob("**/templates"):
        for template in sorted(folder.glob("**/*.html")):
            get_template(template.relative_to(folder).as_posix())


def _create_sqlite_folder(database: dict[str, Any]) -> None:
    """A SQLite database file, before SQLite opens it: created (with its folder when
    missing) readable by its owner only, and an existing one made so."""
    from zhijian.web.private import private_sqlite_file

    name = str(database.get("NAME") or "")
    is_file = name and name != ":memory:" and not name.startswith("file:")
    if database["ENGINE"] == "django.db.backends.sqlite3" and is_file:
        private_sqlite_file(Path(name))
