"""A procurator logs in through the browser and the platform's pages render in Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.web.personas import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_and_see_the_dashboard(page: Page, live_server: LiveServer) -> None:
    from tests.web.personas import build_world

    build_world()
    log_in(page, live_server.url, "province_head", PASSWORD)
    assert page.locator("header .who").inner_text().startswith("省院负责人")
    assert page.title().endswith("· 智慧执检")
    screenshot(page, "dashboard")


def test_a_wrong_password_says_so(page: Page, live_server: LiveServer) -> None:
    from tests.web.personas import build_world

    build_world()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "province_head")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator("main").inner_text()
    screenshot(page, "login")
