"""In the browser, the audit page as a city's 系统管理员 (青岛: its own rows only, names not
codes, ID numbers masked) and as the 省院's (every row); a far-off date typed into the
filter answers with the page, not an error. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import log_in
from tests.web.personas import JINAN_PRISON, PASSWORD, QINGDAO_PRISON

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)
WHOLE_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")


def test_the_audit_page_as_a_city_and_as_the_province_administrator(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    from tests.web.hits import id_number
    from tests.web.personas import build_world
    from zhijian.law.idnumber import mask_id_number
    from zhijian.web.accounts.actions import create_user
    from zhijian.web.accounts.models import Role
    from zhijian.web.audit.chain import record
    from zhijian.web.audit.models import AuditEntry
    from zhijian.web.leads.actions import view_lead
    from zhijian.web.people.keys import person_key

    world = build_world()
    create_user(
        "qd_admin",
        PASSWORD,
        full_name="青岛系统管理员",
        unit=world.unit("青岛市人民检察院"),
        roles=[Role.Code.ADMIN],
    )
    view_lead(world.leads[JINAN_PRISON], actor=world.users["jinan_resident"])
    view_lead(world.leads[QINGDAO_PRISON], actor=world.users["qingdao_resident"])
    person = id_number(3)
    record(
        world.users["qingdao_resident"],
        "查看人员档案",
        object_type="人员",
        object_id=person_key(person),
        detail={"id_number": person, "name": "测试人员3"},
        facility_code=QINGDAO_PRISON,
    )
    base = live_server.url

    log_in(page, base, "qd_admin", PASSWORD)
    page.goto(base + "/audit/")
    rows = page.locator("#audit-rows tbody tr")
    assert rows.count() == 2
    text = page.locator("#audit-rows").inner_text()
    assert "查看人员档案" in text and "查看线索" in text
    assert "山东省青岛测试监狱" in text and "青岛市人民检察院派驻青岛测试监狱检察室" in text
    assert f"身份证号：{mask_id_number(person)}" in text
    assert "山东省测试监狱" not in text and "jinan_resident" not in text
    content = page.content()
    assert not WHOLE_ID.search(content) and "测试人员" not in content
    page.screenshot(path=str(tmp_path / "audit-city-admin.png"), full_page=True)

    page.fill("input[name=date_to]", "9999-12-31")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "date_to=9999-12-31" in page.url
    assert page.locator("#audit-rows tbody tr").count() == 2

    page.context.clear_cookies()
    log_in(page, base, "admin", PASSWORD)
    page.goto(base + "/audit/")
    total = AuditEntry.objects.count()
    assert f"共 {total} 条" in page.locator(".pager").inner_text()
    assert page.locator("#audit-rows tbody tr").count() == min(total, 50)
    text = page.locator("#audit-rows").inner_text()
    assert "山东省测试监狱" in text and "山东省青岛测试监狱" in text
    assert not WHOLE_ID.search(page.content()) and "测试人员" not in page.content()
    page.screenshot(path=str(tmp_path / "audit-province-admin.png"), full_page=True)
    print(f"screenshots: {tmp_path}")
