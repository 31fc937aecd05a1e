"""In the browser: a resident procurator works a lead from verification to a 纠正违法通知书
and downloads it; another city's procurator cannot reach the lead by its URL."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from docx import Document

from tests.browser.conftest import log_in, screenshot
from tests.web.personas import JINAN_PRISON, PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def act(page: Page, action: str) -> None:
    """Submit the lead page's form of one workflow action and wait for the page again."""
    with page.expect_navigation():
        page.click(f"form.action-{action} button[type=submit]")


def test_a_resident_confirms_a_lead_and_issues_a_notice(
    page: Page, live_server: LiveServer
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.leads.actions import assign_lead
    from zhijian.web.leads.models import Lead

    world = build_world()
    lead = assign_lead(
        world.leads[JINAN_PRISON],
        world.users["jinan_resident"],
        actor=world.users["jinan_head"],
    )
    base = live_server.url

    log_in(page, base, "jinan_resident", PASSWORD)
    page.goto(base + "/leads/")
    assert page.locator("table tbody tr").count() == 1  # only the lead of their prison
    screenshot(page, "leads-list")
    page.click(f"a[href='/leads/{lead.pk}/'] >> nth=0")
    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert "两次减刑间隔 11 个月" in page.locator("main").inner_text()

    act(page, "start_verification")
    act(page, "confirm")
    page.select_option("form.action-choose_measure select[name=measure]", "纠正违法通知书")
    act(page, "choose_measure")
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    page.fill("form.action-issue_document input[name=due_date]", due)
    act(page, "issue_document")
    assert "待整改回复" in page.locator("h1").inner_text()
    screenshot(page, "lead-detail")

    with page.expect_download() as download_info:
        page.click("a:has-text('下载 .docx')")
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(_read(download.path()))).paragraphs)
    year = timezone.localdate().year
    assert "纠正违法通知书" in text
    assert f"鲁济检纠〔{year}〕1号" in text
    assert "山东省测试监狱" in text
    assert "两次减刑间隔 11 个月" in text

    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.status, lead.measure, lead.due_date.isoformat()) == (
        "待整改回复",
        "纠正违法通知书",
        due,
    )


def test_another_citys_procurator_cannot_reach_the_lead(
    page: Page, live_server: LiveServer
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.audit.models import AuditEntry

    world = build_world()
    lead = world.leads[JINAN_PRISON]
    log_in(page, live_server.url, "qingdao_resident", PASSWORD)
    audit_rows = AuditEntry.objects.count()
    response = page.goto(f"{live_server.url}/leads/{lead.pk}/")
    assert response is not None and response.status == 404
    assert "不在本单位的监督范围内" in page.locator("main").inner_text()
    assert AuditEntry.objects.count() == audit_rows
    screenshot(page, "not-found")


def test_screenshots_of_the_main_pages(page: Page, live_server: LiveServer) -> None:
    from tests.web.personas import build_world

    build_world()
    log_in(page, live_server.url, "admin", PASSWORD)
    for path, name in (
        ("/dashboard/", "dashboard-admin"),
        ("/models/", "model-library"),
        ("/data/", "data-upload"),
        ("/people/", "people-search"),
        ("/audit/", "audit-log"),
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        screenshot(page, name)


def _read(path: object) -> bytes:
    with open(str(path), "rb") as handle:
        return handle.read()
