"""The data page: an uploaded file imported in the background (immediate task backend),
its batch result and rejected rows, bad files, and who may import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from tests.web.personas import PASSWORD, PERSONAS, World
from zhijian.law.idnumber import checksum_char
from zhijian.web.accounts.actions import create_user
from zhijian.web.accounts.models import Role
from zhijian.web.audit.models import AuditEntry
from zhijian.web.library.models import BackgroundJob

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
IMPORTERS = ("admin", "modeller")
HEADER = "身份证号,姓名,待遇类型,发放月份,类别,金额,发放地区划\n"
BAD_MONTH_REASON = "发放月份（month）：不是有效月份（如 2023-05、2023年5月、202305）"


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    """An empty workspace; tasks run at once."""
    settings.HOME = tmp_path / "home"
    settings.TASKS = IMMEDIATE
    return Path(settings.HOME)


def person(n: int) -> str:
    body = f"37010219600101{n:03d}"
    return body + checksum_char(body)


def payments(good: int, bad_months: int = 0) -> bytes:
    rows = [
        f"{person(i)},测试{i},城镇职工基本养老金,2024-0{1 + i % 9},发放,{1000 + i}.50,370102"
        for i in range(good)
    ]
    rows += [
        f"{person(500 + i)},测试,城镇职工基本养老金,2024/13,发放,100,370102"
        for i in range(bad_months)
    ]
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def upload(
    client: Client, capture: Any, content: bytes, name: str = "养老金.csv", **fields: str
) -> Any:
    data = {"dataset": "benefit_payments", "file": SimpleUploadedFile(name, content)} | fields
    with capture(execute=True):
        return client.post(reverse("datahub:list"), data)


def audit_actions() -> list[tuple[str, int | None]]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", "actor"))[-3:]


@pytest.mark.parametrize("username", IMPORTERS)
def test_an_uploaded_file_is_imported_and_its_rejected_row_shown_with_the_reason(
    world: World, home: Path, django_capture_on_commit_callbacks: Any, username: str
) -> None:
    client = client_for(world, username)

    response = upload(client, django_capture_on_commit_callbacks, payments(3, bad_months=1))

    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("datahub:job", args=[job.pk])
    assert (job.kind, job.status, job.progress) == ("数据导入", "完成", 100)
    summary = job.result
    assert (summary["received"], summary["inserted"], summary["rejected"]) == (4, 3, 1)
    assert (summary["updated"], summary["unchanged"], summary["flagged"]) == (0, 0, 0)
    assert job.message == "收到 4 行：新增 3，更新 0，未变 0，拒收 1"
    user = world.users[username].pk
    assert audit_actions()[-2:] == [("上传数据文件", user), ("完成数据导入", None)]

    job_page = client.get(response["Location"]).content.decode()
    assert 'data-figure="received">4<' in job_page and 'data-figure="rejected">1<' in job_page
    assert "hx-trigger" not in job_page
    batch_url = reverse("datahub:batch", args=[summary["batch_id"]])
    assert batch_url in job_page

    batch_page = client.get(batch_url)
    html = batch_page.content.decode()
    assert batch_page.status_code == 200
    assert "拒收与标记的行（1 项）" in html
    issues = re.findall(
        r"<tr><td>(\d+)</td><td>(\w+)</td><td>([^<]*)</td>.*?<td>([^<]*)</td></tr>", html
    )
    assert issues == [("5", "month", "2024/13", BAD_MONTH_REASON)]
    assert audit_actions()[-1] == ("查看拒收记录", user)
    listing = client.get(reverse("datahub:list")).content.decode()
    assert summary["batch_id"] in listing and "养老金.csv" in listing


def test_rejected_values_are_shown_to_the_province_and_the_uploader_only(
    world: World, home: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """A rejected value may be anyone's in the province: a city's modeller sees the
    values of the files they uploaded; a colleague of the same unit sees only where and
    why; another city does not see the batch at all."""
    users = (
        ("jinan_modeller", "济南市人民检察院"),
        ("jinan_modeller2", "济南市人民检察院"),
        ("qingdao_modeller", "青岛市人民检察院"),
    )
    for username, unit in users:
        world.users[username] = create_user(
            username,
            PASSWORD,
            full_name="建模人员",
            unit=world.unit(unit),
            roles=[Role.Code.MODELLER],
        )
    custody = (
        "record_id,facility_code,id_number,name,custody_type,admission_date,status\n"
        f"JN-1,JN-JY01,{person(1)},测试,服刑,2024-01-05,在押\n"
        f"JN-2,JN-JY01,{person(2)},测试,服刑,2024/13/01,在押\n"
    )
    upload(
        client_for(world, "jinan_modeller"),
        django_capture_on_commit_callbacks,
        custody.encode(),
        name="在押.csv",
        dataset="custody_records",
    )
    url = reverse("datahub:batch", args=[BackgroundJob.objects.get().result["batch_id"]])

    def shown(username: str) -> tuple[int, bool, bool, bool]:
        before = AuditEntry.objects.count()
        response = client_for(world, username).get(url)
        html = response.content.decode()
        audited = AuditEntry.objects.count() > before
        return response.status_code, "2024/13/01" in html, "收押日期" in html, audited

    assert shown("jinan_modeller") == (200, True, True, True)
    assert shown("modeller") == (200, True, True, True)  # of the 省院
    assert shown("jinan_modeller2") == (200, False, True, False)
    assert shown("qingdao_modeller") == (404, False, False, False)


def test_the_file_is_kept_under_a_generated_name_in_the_uploads_folder(
    world: World, home: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world, "admin")
    upload(client, django_capture_on_commit_callbacks, payments(1), name="../../月度 数据.CSV")

    job = BackgroundJob.objects.get()
    stored = job.parameters["stored_as"]
    assert re.fullmatch(r"\d{14}-[0-9a-f]{8}-月度_数据\.csv", stored)
    assert [p.name for p in (home / "uploads").iterdir()] == [stored]
    assert (home / "uploads" / stored).read_bytes() == payments(1)
    assert job.parameters["file_name"] == "月度 数据.CSV"
    assert job.status == "完成"


def test_rejected_rows_are_paginated(
    world: World, home: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world, "modeller")
    upload(client, django_capture_on_commit_callbacks, payments(0, bad_months=53))
    batch_id = BackgroundJob.objects.get().result["batch_id"]
    url = reverse("datahub:batch", args=[batch_id])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()
    beyond = client.get(url, {"page": "99"}).content.decode()

    assert "拒收与标记的行（53 项）" in first
    assert first.count(BAD_MONTH_REASON) == 50 and second.count(BAD_MONTH_REASON) == 3
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second and "第 2 / 2 页" in beyond
    assert "<tr><td>2</td>" in first and "<tr><td>54</td>" in second


@pytest.mark.parametrize(
    ("name", "content", "dataset", "error"),
    [
        ("broken.parquet", b"PAR1 not really", "benefit_payments", None),
        ("broken.xlsx", b"this is not a workbook", "benefit_payments", None),
        ("payments.csv", payments(2), "deaths", "death_date"),
    ],
)
def test_a_bad_file_fails_the_job_with_the_warehouses_chinese_error(
    world: World,
    home: Path,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    dataset: str,
    error: str | None,
) -> None:
    client = client_for(world, "admin")

    response = upload(client, django_capture_on_commit_callbacks, content, name, dataset=dataset)

    job = BackgroundJob.objects.get()
    assert job.status == "失败"
    assert error is None or error in job.message
    assert re.search(r"[\u4e00-\u9fff]", job.message)  # Chinese, as the warehouse says it
    assert not job.message.startswith("内部错误")
    assert audit_actions()[-1] == ("数据导入失败", None)
    page = client.get(response["Location"]).content.decode()
    assert job.message in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "Traceback" not in page
    listing = client.get(reverse("datahub:list")).content.decode()
    assert "失败" in listing and name in listing


def test_an_unexpected_error_is_a_chinese_message_without_details(
    world: World,
    home: Path,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("zhijian.web.datahub.tasks.import_file", broken)
    client = client_for(world, "admin")
    response = upload(client, django_capture_on_commit_callbacks, payments(1))

    job = BackgroundJob.objects.get()
    assert job.status == "失败" and job.message.startswith("内部错误：文件未能导入")
    page = client.get(response["Location"]).content.decode()
    assert "secret internal detail" not in page


@pytest.mark.parametrize(
    ("name", "content", "dataset", "error"),
    [
        ("payments.exe", payments(1), "benefit_payments", "不支持的文件类型“.exe”"),
        ("payments", payments(1), "benefit_payments", "不支持的文件类型“无扩展名”"),
        ("payments.csv", payments(1), "no_such_dataset", "选择一个有效的选项"),
        ("empty.csv", b"", "benefit_payments", "所提交的是空文件"),
    ],
)
def test_an_invalid_upload_saves_and_queues_nothing(
    world: World,
    home: Path,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    dataset: str,
    error: str,
) -> None:
    audit_rows = AuditEntry.objects.count()
    response = upload(
        client_for(world, "admin"),
        django_capture_on_commit_callbacks,
        content,
        name,
        dataset=dataset,
    )
    assert response.status_code == 400
    assert error in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert not BackgroundJob.objects.exists()
    assert not (home / "uploads").exists()
    assert AuditEntry.objects.count() == audit_rows


def test_the_job_page_polls_while_the_import_is_queued(
    world: World, home: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(world, "admin")
    response = upload(client, django_capture_on_commit_callbacks, payments(1))

    job = BackgroundJob.objects.get()
    assert (job.status, job.progress) == ("排队中", 0)
    progress_url = reverse("datahub:job_progress", args=[job.pk])
    assert (
        f'hx-get="{progress_url}" hx-trigger="every 1s"'
        in client.get(response["Location"]).content.decode()
    )
    assert 'data-status="排队中"' in client.get(progress_url).content.decode()


def test_reading_progress_rises_and_stays_below_the_end() -> None:
    from zhijian.web.datahub.tasks import read_progress

    steps = [read_progress(rows) for rows in (0, 1_000, 50_000, 1_000_000, 10**9)]
    assert steps == sorted(steps)
    assert steps[0] == 10 and steps[2] == 40 and steps[-1] < 70


@pytest.mark.parametrize("username", sorted(set(PERSONAS) - set(IMPORTERS)))
def test_other_roles_may_neither_see_nor_upload(
    world: World, home: Path, django_capture_on_commit_callbacks: Any, username: str
) -> None:
    client = client_for(world, username)
    audit_rows = AuditEntry.objects.count()

    assert client.get(reverse("datahub:list")).status_code == 403
    response = upload(client, django_capture_on_commit_callbacks, payments(1))

    assert response.status_code == 403
    assert not BackgroundJob.objects.exists()
    assert not (home / "uploads").exists()
    assert AuditEntry.objects.count() == audit_rows
    batch = reverse("datahub:batch", args=["20260101000000-abcdef"])
    assert client.get(batch).status_code == 403


def test_an_unknown_batch_is_a_404(world: World, home: Path) -> None:
    client = client_for(world, "admin")
    assert client.get(reverse("datahub:batch", args=["20260101000000-abcdef"])).status_code == 404
    assert client.get(reverse("datahub:batch", args=["x' OR 1=1 --"])).status_code == 404


def test_upload_checks_csrf(world: World, home: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    data = {"dataset": "benefit_payments", "file": SimpleUploadedFile("p.csv", payments(1))}
    assert client.post(reverse("datahub:list"), data).status_code == 403
    assert not BackgroundJob.objects.exists()


@pytest.mark.parametrize("namespace", ["library", "datahub"])
def test_no_view_is_exempt_from_csrf(namespace: str) -> None:
    resolver = get_resolver()
    patterns = resolver.namespace_dict[namespace][1].url_patterns
    views = [p.callback for p in patterns if isinstance(p, URLPattern)]
    assert len(views) >= 4
    assert not [view for view in views if getattr(view, "csrf_exempt", False)]
