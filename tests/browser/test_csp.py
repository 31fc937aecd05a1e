"""The main pages under the Content-Security-Policy: each loads in Chromium with no
violation reported, the charts drawn (ECharts) and htmx's polling alive."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import log_in
from tests.web.personas import JINAN_PRISON, PASSWORD
from tests.web.test_resident_fixtures import build_warehouse, write_everything

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

# Every violation is reported on the page's ``securitypolicyviolation`` event (collected
# by this script, which the browser injects before any of the page's own) and as a
# console error.
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = build_warehouse(tmp_path / "home")
    monkeypatch.setenv("ZHIJIAN_HOME", str(home))
    return home


class Watched:
    """A page whose CSP violations, from the event and the console, are collected."""

    def __init__(self, page: Page, shots: Path) -> None:
        self.page, self.shots = page, shots
        self.console: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, url: str, name: str) -> list[str]:
        """Open ``url``, screenshot it as ``name``, and return the violations seen."""
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        self.page.wait_for_load_state("networkidle")
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        found: list[str] = self.page.evaluate("window.__violations")
        return found + self.console


def test_the_main_pages_run_under_the_policy(
    page: Page, live_server: LiveServer, warehouse: Path, tmp_path: Path
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.datahub.actions import upload_data_file

    world = build_world()
    records = write_everything(world)
    queued = _queue_import(upload_data_file, world.users["modeller"])
    url = live_server.url
    watched = Watched(page, tmp_path)
    violations: dict[str, list[str]] = {}

    log_in(page, url, "province_head", PASSWORD)
    violations["dashboard"] = watched.visit(f"{url}/dashboard/", "dashboard")
    for chart in ("chart-category-status", "chart-city", "chart-month"):
        assert page.locator(f"#{chart} canvas").count() == 1, chart
    violations["leads"] = watched.visit(f"{url}/leads/", "leads")
    lead = world.leads[JINAN_PRISON]
    violations["lead"] = watched.visit(f"{url}/leads/{lead.pk}/", "lead")
    person = page.locator("main a[href^='/people/']").first.get_attribute("href")
    assert person is not None and re.fullmatch(r"/people/[0-9a-f]{24}/", person), person
    violations["person"] = watched.visit(url + person, "person")
    violations["statistics"] = watched.visit(
        f"{url}/resident/statistics/?start=2025-06-01&end=2025-06-30", "resident-statistics"
    )
    assert page.locator("#chart-offices canvas").count() == 1

    page.context.clear_cookies()
    log_in(page, url, "jinan_resident", PASSWORD)
    for path, name in (
        ("/resident/", "resident-home"),
        ("/resident/logs/", "resident-logs"),
        (f"/resident/logs/{records['log'].pk}/", "resident-log"),
        (f"/resident/problems/{records['problem'].pk}/", "resident-problem"),
        ("/resident/talks/new/", "resident-talk-form"),
        ("/resident/complaints/", "resident-complaints"),
        ("/resident/reports/", "resident-reports"),
    ):
        violations[name] = watched.visit(url + path, name)

    page.context.clear_cookies()
    log_in(page, url, "modeller", PASSWORD)
    violations["data"] = watched.visit(f"{url}/data/", "data")
    # The queued job's page polls its progress through htmx every second.
    with page.expect_response(re.compile(rf"/data/jobs/{queued}/progress/$")) as polled:
        violations["job"] = watched.visit(f"{url}/data/jobs/{queued}/", "data-job")
    assert polled.value.status == 200
    assert page.locator("progress.progress").count() == 1

    page.context.clear_cookies()
    log_in(page, url, "admin", PASSWORD)
    violations["audit"] = watched.visit(f"{url}/audit/", "audit")
    violations["admin"] = watched.visit(f"{url}/admin/accounts/user/add/", "admin-user-add")

    assert {name: found for name, found in violations.items() if found} == {}


def _queue_import(upload: Any, actor: Any) -> int:
    """A data import left queued (no worker runs here): its page keeps polling."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "facility_code,name\nJN-JY01,山东省测试监狱\n".encode()
    job = upload("facilities", SimpleUploadedFile("场所.csv", content), actor=actor)
    return int(job.pk)
