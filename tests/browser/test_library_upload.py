"""In the browser: a 建模人员 uploads a model of their own, sees its tests run in the
sandbox and publishes it; a 派驻检察官 then finds it in the library, and cannot upload."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import log_in
from tests.supervision.user_models import MODEL_ID, MODEL_NAME, write_model
from tests.web.personas import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_modeller_uploads_and_publishes_and_a_resident_sees_the_model(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    from tests.web.personas import build_world
    from zhijian.web.library.models import UploadedModel

    build_world()
    yml = write_model(tmp_path / "模型", sub="")
    base = live_server.url

    log_in(page, base, "modeller", PASSWORD)
    page.goto(base + "/models/")
    assert "上传自建模型" in page.locator("#upload").inner_text()
    shot(page, tmp_path, "library-modeller")
    page.set_input_files("input[name=yml_file]", str(yml))
    page.set_input_files("input[name=sql_file]", str(yml.with_suffix(".sql")))
    with page.expect_navigation():
        page.click("#upload button[type=submit]")

    record = UploadedModel.objects.get()
    assert page.url == f"{base}/models/uploads/{record.pk}/"
    assert page.locator("[data-tests]").inner_text() == "全部 2 条测试通过，可以发布。"
    assert page.locator("table.tests tbody tr").count() == 2
    assert "命中 1 条，与预期一致" in page.locator("table.tests").inner_text()
    assert page.locator("h1 .badge").inner_text() == "草稿"
    shot(page, tmp_path, "upload-tested")

    with page.expect_navigation():
        page.click("button.action-publish")
    assert f"模型 {MODEL_NAME} 已发布到模型库" in page.locator(".messages").inner_text()
    assert page.locator("h1 .badge").inner_text() == "已发布"
    shot(page, tmp_path, "upload-published")
    record.refresh_from_db()
    assert record.status == "已发布"

    with page.expect_navigation():
        page.click("header form button[type=submit]")  # 退出
    log_in(page, base, "jinan_resident", PASSWORD)
    page.goto(base + "/models/")
    row = page.locator(f"tr#model-{MODEL_ID}")
    assert MODEL_NAME in row.inner_text()
    assert row.locator("[data-origin=user]").inner_text() == "用户模型 · 山东省人民检察院"
    assert page.locator("#upload").count() == 0
    assert page.locator("input[type=file]").count() == 0
    shot(page, tmp_path, "library-resident")
    page.click(f"tr#model-{MODEL_ID} a")
    page.wait_for_url(f"**/models/{MODEL_ID}/")
    assert "用户模型：山东省人民检察院" in page.locator("main").inner_text()
    shot(page, tmp_path, "model-resident")
    print(f"screenshots in {tmp_path}")
