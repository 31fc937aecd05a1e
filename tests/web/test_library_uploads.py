"""Models uploaded by 建模人员: checked by the loader, tested in the sandbox, published to
the library only when their tests pass, scoped by unit while drafts, visible to everyone
once published, and run from their database record."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.supervision.user_models import MODEL_ID, MODEL_NAME, PERSON, SQL, model_yml
from tests.web.personas import World
from zhijian.synth.config import SCALES, Config
from zhijian.synth.generator import generate
from zhijian.warehouse.ingest import import_directory
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts import actions as accounts
from zhijian.web.accounts.models import Role, Unit
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.models import Lead, ModelRun
from zhijian.web.library.models import BackgroundJob, UploadedModel

AS_OF = "2025-06-30"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSED = [
    {"name": "死亡后仍在押", "passed": True, "detail": "命中 1 条，与预期一致"},
    {
        "name": "查询日之后死亡的不列入（近似情形）",
        "passed": True,
        "detail": "命中 0 条，与预期一致",
    },
]
FAILED = {"name": "预期有误的测试", "passed": False, "detail": f"漏报：[('{PERSON}', 'R1')]"}
# city modellers beside the personas: 济南 (with a child unit's modeller) and 青岛
MODELLERS = {
    "jinan_modeller": "济南市人民检察院",
    "lixia_modeller": "济南市历下区人民检察院",
    "qingdao_modeller": "青岛市人民检察院",
}


@pytest.fixture
def modellers(world: World) -> World:
    for username, unit in MODELLERS.items():
        world.users[username] = accounts.create_user(
            username,
            "Zhijian-Test-2026",
            full_name=f"{unit}建模人员",
            unit=Unit.objects.get(name=unit),
            roles=(Role.Code.MODELLER,),
        )
    return world


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("uploads")
    generate(Config(SCALES["tiny"], 3, root / "data", format="parquet"), quiet=True)
    workspace = Workspace(root / "home")
    import_directory(root / "data", workspace=workspace)
    return workspace.home


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def files(
    yml: str | None = None, sql: str = SQL, *, name: str = MODEL_ID, failing: bool = False
) -> dict[str, SimpleUploadedFile]:
    text = model_yml(failing=failing) if yml is None else yml
    return {
        "yml_file": SimpleUploadedFile(f"{name}.yml", text.encode("utf-8")),
        "sql_file": SimpleUploadedFile(f"{name}.sql", sql.encode("utf-8")),
    }


def upload(client: Client, **kwargs: Any) -> Any:
    return client.post(reverse("library:upload_model"), files(**kwargs))


def audit_actions() -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(object_type="上传的模型")
        .order_by("pk")
        .values_list("action", "object_id")
    )


# --- upload, tests shown, publish ---------------------------------------------------


def test_an_upload_is_a_draft_with_its_test_outcomes(modellers: World) -> None:
    client = client_for(modellers, "jinan_modeller")

    response = upload(client)

    record = UploadedModel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("library:upload", args=[record.pk])
    assert (record.model_id, record.name, record.status) == (MODEL_ID, MODEL_NAME, "草稿")
    assert (record.unit.name, record.uploaded_by.username) == ("济南市人民检察院", "jinan_modeller")
    assert (record.yml_text, record.sql_text) == (model_yml(), SQL)
    assert len(record.version) == 16
    assert (record.tests_passed, record.test_outcomes) == (True, PASSED)
    assert audit_actions() == [("上传模型", str(record.pk))]
    page = client.get(response["Location"]).content.decode()
    assert 'data-tests="passed">全部 2 条测试通过，可以发布。' in page
    assert "查询日之后死亡的不列入（近似情形）" in page
    assert "发布到模型库" in page
    # a draft is not in the library
    assert client.get(reverse("library:detail", args=[MODEL_ID])).status_code == 404


def test_a_model_whose_tests_fail_cannot_be_published(modellers: World) -> None:
    client = client_for(modellers, "jinan_modeller")
    upload(client, failing=True)
    record = UploadedModel.objects.get()
    assert (record.tests_passed, record.test_outcomes) == (False, [*PASSED, FAILED])
    page = client.get(reverse("library:upload", args=[record.pk])).content.decode()
    assert "有测试未通过" in page and "发布到模型库" not in page

    response = client.post(reverse("library:publish", args=[record.pk]), follow=True)

    record.refresh_from_db()
    assert record.status == "草稿"
    assert (record.published_by, record.published_at) == (None, None)
    assert "模型 dead_in_custody 有 1 条测试未通过，不能发布：请修改后重新上传" in (
        response.content.decode()
    )
    assert audit_actions() == [("上传模型", str(record.pk)), ("模型测试未通过", str(record.pk))]
    assert client.get(reverse("library:detail", args=[MODEL_ID])).status_code == 404


def test_a_published_model_is_in_the_library_for_everyone(modellers: World) -> None:
    client = client_for(modellers, "jinan_modeller")
    upload(client)
    record = UploadedModel.objects.get()

    response = client.post(reverse("library:publish", args=[record.pk]), follow=True)

    record.refresh_from_db()
    assert record.status == "已发布"
    assert record.published_by == modellers.users["jinan_modeller"]
    assert f"模型 {MODEL_NAME} 已发布到模型库" in response.content.decode()
    assert audit_actions() == [("上传模型", str(record.pk)), ("发布模型", str(record.pk))]
    for username in ("qingdao_resident", "jinan_resident", "province_head", "qingdao_modeller"):
        page = client_for(modellers, username)
        listing = page.get(reverse("library:list"))
        html = listing.content.decode()
        assert listing.context["count"] == 15
        assert f'<tr id="model-{MODEL_ID}">' in html
        assert '<span class="badge" data-origin="user">用户模型 · 济南市人民检察院</span>' in html
        detail = page.get(reverse("library:detail", args=[MODEL_ID])).content.decode()
        assert "用户模型：济南市人民检察院" in detail
        assert "死亡登记的死亡日期早于查询日" in detail


# --- who may upload, see and change an upload ---------------------------------------


@pytest.mark.parametrize(
    "username",
    ["jinan_resident", "jinan_head", "province_head", "circuit_member", "investigator", "admin"],
)
def test_only_a_modeller_may_upload(modellers: World, username: str) -> None:
    client = client_for(modellers, username)
    listing = client.get(reverse("library:list")).content.decode()
    assert "上传自建模型" not in listing and 'enctype="multipart/form-data"' not in listing
    audit_rows = AuditEntry.objects.count()

    assert upload(client).status_code == 403

    assert not UploadedModel.objects.exists()
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("jinan_modeller", True),  # the upload's unit
        ("modeller", True),  # the 省院, above it
        ("lixia_modeller", False),  # a unit below it
        ("qingdao_modeller", False),  # another city
        ("jinan_head", False),  # not a modeller
        ("jinan_resident", False),
    ],
)
def test_a_draft_is_seen_and_changed_within_its_units_tree_only(
    modellers: World, username: str, sees: bool
) -> None:
    upload(client_for(modellers, "jinan_modeller"))
    record = UploadedModel.objects.get()
    client = client_for(modellers, username)
    audit_rows = AuditEntry.objects.count()

    page = client.get(reverse("library:upload", args=[record.pk]))
    listing = client.get(reverse("library:list")).content.decode()

    assert page.status_code == (200 if sees else 404)
    assert (f'id="upload-{record.pk}"' in listing) is sees
    if sees:
        return
    publish = client.post(reverse("library:publish", args=[record.pk]))
    withdraw = client.post(reverse("library:withdraw", args=[record.pk]))
    expected = 404 if modellers.users[username].has_role(Role.Code.MODELLER) else 403
    assert (publish.status_code, withdraw.status_code) == (expected, expected)
    record.refresh_from_db()
    assert record.status == "草稿"
    assert AuditEntry.objects.count() == audit_rows


def test_an_ancestor_units_modeller_may_publish_and_withdraw(modellers: World) -> None:
    upload(client_for(modellers, "jinan_modeller"))
    record = UploadedModel.objects.get()
    client = client_for(modellers, "modeller")

    client.post(reverse("library:publish", args=[record.pk]))
    record.refresh_from_db()
    assert (record.status, record.published_by) == ("已发布", modellers.users["modeller"])

    client.post(reverse("library:withdraw", args=[record.pk]))
    record.refresh_from_db()
    assert (record.status, record.withdrawn_by) == ("已停用", modellers.users["modeller"])
    assert [a for a, _ in audit_actions()] == ["上传模型", "发布模型", "停用模型"]
    assert client.get(reverse("library:detail", args=[MODEL_ID])).status_code == 404
    # 已停用 is the end
    response = client.post(reverse("library:publish", args=[record.pk]), follow=True)
    assert "模型 dead_in_custody 的状态为已停用，只有草稿可以发布" in response.content.decode()
    assert [a for a, _ in audit_actions()] == ["上传模型", "发布模型", "停用模型"]


def test_a_new_version_replaces_the_published_one(modellers: World) -> None:
    client = client_for(modellers, "jinan_modeller")
    upload(client)
    first = UploadedModel.objects.get()
    client.post(reverse("library:publish", args=[first.pk]))
    upload(client, sql=SQL.replace("where status = '在押'", "where status = '在押' and true"))
    second = UploadedModel.objects.exclude(pk=first.pk).get()
    assert second.version != first.version

    client.post(reverse("library:publish", args=[second.pk]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("已停用", "已发布")
    detail = client.get(reverse("library:detail", args=[MODEL_ID])).content.decode()
    assert f"<code>{second.version}</code>" in detail


# --- what the loader refuses -------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"yml": model_yml(engine="python")},
            "模型未能上传：模型 dead_in_custody 的 engine 为 python：用户编写的模型只能用 SQL",
        ),
        (
            {"sql": "select * from staff"},
            "模型未能上传：模型 dead_in_custody 读取了未在 inputs 中声明的数据集：staff",
        ),
        (
            {"sql": "select * from _row_issues"},
            "模型未能上传：模型 dead_in_custody 不允许读取数据仓库的导入日志 _row_issues",
        ),
        (
            {"sql": "select getenv('HOME')"},
            "模型未能上传：模型 dead_in_custody 的 SQL 不允许调用函数 getenv",
        ),
        (
            {"yml": model_yml(model_id="parole_prohibited"), "name": "parole_prohibited"},
            "模型未能上传：模型编号 parole_prohibited 已被模型库内置模型使用，请换一个编号",
        ),
        ({"yml": "id: [", "sql": SQL}, "模型未能上传：模型 dead_in_custody 的 yml 无法解析"),
    ],
)
def test_the_loader_refuses_and_nothing_is_stored(
    modellers: World, kwargs: dict[str, Any], message: str
) -> None:
    response = upload(client_for(modellers, "jinan_modeller"), **kwargs)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UploadedModel.objects.exists()
    assert audit_actions() == []


def test_files_that_do_not_match_are_refused(modellers: World) -> None:
    client = client_for(modellers, "jinan_modeller")
    mismatched = files()
    mismatched["sql_file"] = SimpleUploadedFile("other.sql", SQL.encode("utf-8"))
    gbk = files()
    gbk["yml_file"] = SimpleUploadedFile(f"{MODEL_ID}.yml", model_yml().encode("gbk"))
    swapped = files()
    swapped["yml_file"] = SimpleUploadedFile(f"{MODEL_ID}.txt", b"id: x")
    cases = [
        (mismatched, "两个文件应同名（&lt;编号&gt;.yml 与 &lt;编号&gt;.sql），收到的是"),
        (gbk, f"文件 {MODEL_ID}.yml 不是 UTF-8 编码，请另存为 UTF-8 后重新上传"),
        (swapped, f"应上传 .yml 文件，收到的是 {MODEL_ID}.txt"),
    ]
    for data, message in cases:
        response = client.post(reverse("library:upload_model"), data)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not UploadedModel.objects.exists()


def test_an_id_taken_by_another_unit_is_refused(modellers: World) -> None:
    upload(client_for(modellers, "jinan_modeller"))
    response = upload(client_for(modellers, "qingdao_modeller"))
    assert response.status_code == 400
    assert "模型编号 dead_in_custody 已被其他单位上传的模型使用，请换一个编号" in (
        response.content.decode()
    )
    assert UploadedModel.objects.count() == 1


# --- a published model runs from its record ----------------------------------------


@pytest.fixture
def published(modellers: World, settings: Any, province: Path) -> UploadedModel:
    settings.TASKS = IMMEDIATE
    settings.HOME = province
    client = client_for(modellers, "jinan_modeller")
    upload(client)
    record = UploadedModel.objects.get()
    client.post(reverse("library:publish", args=[record.pk]))
    record.refresh_from_db()
    return record


def run_now(client: Client, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse("library:run", args=[MODEL_ID]), {"as_of": AS_OF})


def test_a_published_model_runs_in_the_background_from_its_record(
    modellers: World, published: UploadedModel, django_capture_on_commit_callbacks: Any
) -> None:
    response = run_now(client_for(modellers, "modeller"), django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("library:job", args=[job.pk])
    assert job.parameters == {
        "model_id": MODEL_ID,
        "as_of": AS_OF,
        "params": {},
        "upload_id": published.pk,
        "version": published.version,
    }
    run = ModelRun.objects.get(model_id=MODEL_ID)
    assert (job.status, run.hit_count, run.new_count, run.model_version) == (
        "完成",
        2,
        2,
        published.version,
    )
    leads = Lead.objects.filter(model_id=MODEL_ID).order_by("facility_code")
    assert [lead.facility_code for lead in leads] == ["37JY08", "37JY19"]


def test_a_city_modellers_run_changes_only_leads_in_its_scope(
    modellers: World, published: UploadedModel, django_capture_on_commit_callbacks: Any
) -> None:
    # the province's prisons are outside 济南's test facilities: no lead is created
    run_now(client_for(modellers, "jinan_modeller"), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert job.status == "完成"
    assert (job.result["new_leads"], job.result["outside_scope"]) == (0, 2)
    assert not Lead.objects.filter(model_id=MODEL_ID).exists()


def test_a_run_over_the_cap_fails_with_no_leads(
    modellers: World,
    published: UploadedModel,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MODEL_MAX_ROWS = 1
    run_now(client_for(modellers, "modeller"), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert job.status == "失败"
    assert job.message == (
        f"模型运行出错：模型 {MODEL_ID} 的结果超过 1 行，已拒绝，未生成线索：请收窄模型的条件"
        "（例如按查询日、场所或情形过滤），确需更多结果时由系统管理员调高结果行数上限"
        "（环境变量 ZHIJIAN_MODEL_MAX_ROWS）"
    )
    assert ModelRun.objects.get(model_id=MODEL_ID).complete is False
    assert not Lead.objects.filter(model_id=MODEL_ID).exists()


def test_a_model_withdrawn_before_its_job_runs_is_not_run(
    modellers: World, published: UploadedModel, settings: Any
) -> None:
    from zhijian.web.library.actions import request_model_run, withdraw_model
    from zhijian.web.library.catalogue import upload_spec
    from zhijian.web.library.tasks import run_model_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    spec = upload_spec(published)
    assert spec is not None
    actor = modellers.users["modeller"]
    job = request_model_run(spec, date(2025, 6, 30), {}, actor=actor, upload=published)
    withdraw_model(published.pk, actor=modellers.users["jinan_modeller"])

    run_model_job.call(job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == ("失败", f"模型库中已没有模型 {MODEL_ID}")
    assert not ModelRun.objects.filter(model_id=MODEL_ID).exists()
