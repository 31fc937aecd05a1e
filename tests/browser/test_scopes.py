"""In the browser, each role within its unit: a city's administrator tries to grant
itself another city's prison and is told no; a city's modeller sees its import scope and
is refused a province-wide dataset, and its custody file keeps its own rows while the
batch page names the uploader and why another city's row was refused; a circuit team
member with a grant reads an assigned lead, has no workflow buttons, and leaves a comment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in, screenshot
from tests.web.personas import JINAN_PRISON, PASSWORD, QINGDAO_PRISON

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_city_administrator_cannot_grant_another_citys_prison(
    page: Page, live_server: LiveServer
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.accounts.actions import create_user
    from zhijian.web.accounts.models import FacilityGrant, Role

    world = build_world()
    create_user(
        "qd_admin",
        PASSWORD,
        full_name="青岛系统管理员",
        unit=world.unit("青岛市人民检察院"),
        roles=[Role.Code.ADMIN],
    )
    base = live_server.url
    log_in(page, base, "qd_admin", PASSWORD)

    page.goto(base + "/admin/accounts/supervisedfacility/")
    listed = page.locator("#result_list tbody tr")
    assert listed.count() == 1
    assert QINGDAO_PRISON in listed.inner_text()
    screenshot(page, "admin-city-facilities")

    page.goto(base + "/admin/accounts/facilitygrant/add/")
    # The facility box offers the city's own prison only.
    page.click("#id_facility + .select2")
    page.fill(".select2-search__field", "测试监狱")
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.first.wait_for()
    offered = options.all_inner_texts()
    assert offered == [f"山东省青岛测试监狱（{QINGDAO_PRISON}）"], offered
    screenshot(page, "admin-city-grant-choices")
    # A forged choice (济南's prison) is refused by the form.
    jinan_prison = world.facility(JINAN_PRISON)
    page.evaluate(
        "pk => { const s = document.querySelector('#id_facility');"
        " s.add(new Option('forged', pk, true, true)); }",
        str(jinan_prison.pk),
    )
    page.keyboard.press("Escape")
    page.evaluate(
        "pk => { const s = document.querySelector('#id_user');"
        " s.add(new Option('self', pk, true, true)); }",
        str(world.users["circuit_member"].pk),
    )
    ends = timezone.localtime() + timedelta(days=3)
    page.fill("#id_ends_at_0", f"{ends:%Y-%m-%d}")
    page.fill("#id_ends_at_1", f"{ends:%H:%M:%S}")
    page.fill("#id_reason", "巡回检察")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert "选择一个有效的选项" in page.locator(".field-facility .errorlist").inner_text()
    screenshot(page, "admin-city-grant-refused")
    assert FacilityGrant.objects.count() == 0


def test_a_city_modeller_sees_its_import_scope_and_is_refused_a_province_dataset(
    page: Page, live_server: LiveServer, settings: Any, tmp_path: Path
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.accounts.actions import create_user
    from zhijian.web.accounts.models import Role

    settings.HOME = tmp_path / "home"
    world = build_world()
    create_user(
        "jn_modeller",
        PASSWORD,
        full_name="济南建模人员",
        unit=world.unit("济南市人民检察院"),
        roles=[Role.Code.MODELLER],
    )
    base = live_server.url
    log_in(page, base, "jn_modeller", PASSWORD)

    page.goto(base + "/data/")
    scope = page.locator("#import-scope").inner_text()
    assert "山东省测试监狱（JN-JY01）" in scope and "济南市历下区看守所（JN-KSS）" in scope
    assert "济南市（3701）" in scope
    assert QINGDAO_PRISON not in scope
    files = tmp_path / "benefit_payments.csv"
    files.write_text("身份证号,姓名\n", encoding="utf-8")
    page.select_option("select[name=dataset]", "benefit_payments")
    page.set_input_files("input[name=file]", str(files))
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    screenshot(page, "data-city-modeller-refused")
    error = page.locator(".error").first.inner_text()
    assert "只能由省院或省院登记的数据来源导入" in error


def test_a_granted_circuit_member_reads_and_comments_but_does_not_decide(
    page: Page, live_server: LiveServer
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.accounts.actions import grant_facility
    from zhijian.web.leads.actions import assign_lead
    from zhijian.web.leads.models import LeadComment

    world = build_world()
    lead = assign_lead(
        world.leads[JINAN_PRISON], world.users["jinan_resident"], actor=world.users["jinan_head"]
    )
    grant_facility(
        world.users["circuit_member"],
        world.facility(JINAN_PRISON),
        ends_at=timezone.now() + timedelta(days=5),
        reason="交叉巡回检察",
        actor=world.users["admin"],
    )
    base = live_server.url
    log_in(page, base, "circuit_member", PASSWORD)

    page.goto(f"{base}/leads/{lead.pk}/")
    main = page.locator("main")
    assert "该线索由济南派驻检察官承办" in main.inner_text()
    assert page.locator("section.actions").count() == 0
    page.fill("form.comment textarea[name=text]", "建议调取该犯近三个月考核记录")
    with page.expect_navigation():
        page.click("form.comment button[type=submit]")
    assert "建议调取该犯近三个月考核记录" in main.inner_text()
    screenshot(page, "lead-granted-member-comment")
    assert LeadComment.objects.get().author == world.users["circuit_member"]


def test_a_city_modellers_upload_keeps_its_own_rows_and_the_batch_says_who_and_why(
    page: Page, live_server: LiveServer, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from tests.web.personas import build_world
    from zhijian.law.idnumber import checksum_char
    from zhijian.web.accounts.actions import create_user
    from zhijian.web.accounts.models import Role

    settings.HOME = tmp_path / "home"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setenv("ZHIJIAN_HOME", str(settings.HOME))
    world = build_world()
    create_user(
        "jn_modeller",
        PASSWORD,
        full_name="济南建模人员",
        unit=world.unit("济南市人民检察院"),
        roles=[Role.Code.MODELLER],
    )
    ids = [f"37010219700101{n:03d}" for n in (1, 2)]
    ids = [body + checksum_char(body) for body in ids]
    custody = tmp_path / "在押人员.csv"
    custody.write_text(
        "record_id,facility_code,id_number,name,custody_type,admission_date,status\n"
        f"JN-0001,{JINAN_PRISON},{ids[0]},济南新收,服刑,2025-01-02,在押\n"
        f"QD-0009,{QINGDAO_PRISON},{ids[1]},青岛他人,服刑,2025-01-02,在押\n",
        encoding="utf-8",
    )
    base = live_server.url
    log_in(page, base, "jn_modeller", PASSWORD)

    page.goto(base + "/data/")
    page.select_option("select[name=dataset]", "custody_records")
    page.set_input_files("input[name=file]", str(custody))
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#job-panel [data-figure=rejected]")
    assert page.locator("#job-panel [data-figure=inserted]").inner_text() == "1"
    assert page.locator("#job-panel [data-figure=rejected]").inner_text() == "1"
    with page.expect_navigation():
        page.click("text=查看拒收与标记的行及原因")
    screenshot(page, "data-city-modeller-batch")
    facts = page.locator("table.facts").first.inner_text()
    assert "jn_modeller（济南市人民检察院）" in facts
    reason = page.locator("table.issues tbody tr").first.inner_text()
    assert "不在jn_modeller（济南市人民检察院）的监督范围内" in reason
