"""Fixtures of the web tests: ``world`` holds the personas (see ``tests.web.personas``).

Imports of Django code stay inside the fixtures: pytest loads this file before
``tests/conftest.py`` has started Django when ``tests/web`` is named on the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.web.personas import World


@pytest.fixture
def world(db: None) -> World:
    from tests.web.personas import build_world

    return build_world()
