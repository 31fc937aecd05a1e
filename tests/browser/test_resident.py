"""A resident procurator's day in the browser: a log pre-filled from the warehouse and
submitted, a talk with an inmate found by inmate number, an inspection whose finding
becomes a lead; then the province's department head sees the counts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.web.personas import JINAN_PRISON, PASSWORD
from tests.web.test_resident_fixtures import DAY, HELD_NUMBER, build_warehouse

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = build_warehouse(tmp_path / "home")
    monkeypatch.setenv("ZHIJIAN_HOME", str(home))
    return home


def test_a_resident_procurator_works_a_day_and_the_province_sees_it(
    page: Page, live_server: LiveServer, warehouse: Path
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.resident.models import DailyLog, Problem, Talk

    build_world()
    url = live_server.url
    log_in(page, url, "jinan_resident", PASSWORD)

    # The log: counts pre-filled from the warehouse, one corrected by hand, submitted.
    page.click("nav >> text=派驻检察")
    page.goto(f"{url}/resident/logs/new/?facility={JINAN_PRISON}&day={DAY}")
    assert page.input_value("input[name=population]") == "4"
    assert page.input_value("input[name=transferred_in]") == "1"
    assert page.input_value("input[name=outside_medical]") == "1"
    page.check("input[name=areas][value=禁闭室]")
    page.fill("textarea[name=notes]", "监管秩序正常")
    screenshot(page, "resident-log-form")
    page.click("#log-form button[type=submit]")
    page.click("#submit-log")
    assert page.locator("#log-status").inner_text() == "已提交"
    assert page.locator("#counts td[data-field=population]").inner_text() == "4"
    screenshot(page, "resident-log")

    # The talk: the inmate found by inmate number.
    page.goto(f"{url}/resident/talks/new/")
    page.fill("input[name=day]", DAY.isoformat())
    page.fill("input[name=person]", HELD_NUMBER)
    page.click("#lookup")
    page.wait_for_selector("#inmate-found")
    assert "王守法" in page.locator("#inmate-found").inner_text()
    page.fill("input[name=subject]", "了解改造情况")
    page.fill("textarea[name=content]", "情绪稳定")
    page.click("#talk-form button[type=submit]")
    page.wait_for_url(re.compile(r"/resident/talks/\d+/$"))
    assert "个别谈话：王守法" in page.locator("h1").inner_text()

    # The inspection and its finding.
    page.goto(f"{url}/resident/inspections/new/")
    page.fill("input[name=day]", DAY.isoformat())
    page.select_option("select[name=kind]", "节前安全大检查")
    page.fill("input[name=inspectors]", "济南派驻检察官")
    page.select_option("select[name=check_locks]", "存在问题")
    page.fill("input[name=note_locks]", "3监区2号监室门锁损坏")
    page.click("#inspection-form button[type=submit]")
    page.wait_for_url(re.compile(r"/resident/inspections/\d+/$"))
    page.fill("#problem-form textarea[name=description]", "3监区2号监室门锁损坏，未及时维修")
    page.select_option("#problem-form select[name=handling]", "纠正违法")
    page.click("#problem-form button[type=submit]")
    page.wait_for_url(re.compile(r"/resident/problems/\d+/$"))
    screenshot(page, "resident-finding")
    page.click("#to-lead")
    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    lead = Problem.objects.get().lead
    assert lead is not None
    assert (lead.facility_code, lead.status) == (JINAN_PRISON, "待分派")
    assert "门锁损坏" in page.locator("main").inner_text()
    assert DailyLog.objects.get().status == "已提交"
    assert Talk.objects.get().inmate_number == HELD_NUMBER

    # The province's department head sees the counts.
    page.context.clear_cookies()
    log_in(page, url, "province_head", PASSWORD)
    page.goto(f"{url}/resident/statistics/?start=2025-06-01&end=2025-06-30")
    assert page.locator("#total-logs").inner_text() == "1"
    assert page.locator("#total-inspections").inner_text() == "1"
    assert page.locator("#total-talks").inner_text() == "1"
    assert page.locator("#chart-offices canvas").count() == 1
    screenshot(page, "resident-statistics")
