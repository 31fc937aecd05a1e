"""Uploads are scoped by facility: a city's 建模人员 writes the rows of the facilities its
unit supervises and nothing else. The attack: 济南's modeller uploads a custody file that
(1) places 青岛's prisoner in 济南's prison, to read the whole file from 济南, and (2)
overwrites 青岛's record of that prisoner as released. Both rows are quarantined with
their reason; 青岛's record is as it was; 济南 still cannot open the person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.law.idnumber import checksum_char
from zhijian.warehouse.compute import run_query
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts.actions import create_user
from zhijian.web.accounts.models import Role, SupervisedFacility, User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.datahub.models import DataSource
from zhijian.web.datahub.scope import region_name, region_prefix, write_scope_for
from zhijian.web.library.models import BackgroundJob
from zhijian.web.people.keys import person_key

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CUSTODY = "record_id,facility_code,id_number,name,custody_type,admission_date,status\n"


def person(n: int) -> str:
    body = f"37020219700101{n:03d}"
    return body + checksum_char(body)


QINGDAO_PRISONER = person(1)


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    settings.HOME = tmp_path / "home"
    settings.TASKS = IMMEDIATE
    return Path(settings.HOME)


@pytest.fixture
def warehouse(home: Path, world: World, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The three test facilities, and 青岛's prisoner held at 青岛's prison, imported on
    the command line (the server's operator writes everything)."""
    monkeypatch.setenv("ZHIJIAN_HOME", str(home))
    workspace = Workspace(home)
    folder = home.parent / "given"
    folder.mkdir()
    facilities = folder / "facilities.csv"
    facilities.write_text(
        "facility_code,name,facility_type,region_code\n"
        f"{JINAN_PRISON},山东省测试监狱,监狱,370102\n"
        "JN-KSS,济南市历下区看守所,看守所,370102\n"
        f"{QINGDAO_PRISON},山东省青岛测试监狱,监狱,370202\n"
        "QD-SQJZ,青岛市市南区社区矫正机构,社区矫正机构,370202\n",
        encoding="utf-8",
    )
    import_file("facilities", facilities, workspace=workspace)
    custody = folder / "custody_records.csv"
    custody.write_text(
        CUSTODY + f"QD-0001,{QINGDAO_PRISON},{QINGDAO_PRISONER},青岛在押,服刑,2024-03-01,在押\n",
        encoding="utf-8",
    )
    import_file("custody_records", custody, workspace=workspace)
    return workspace


def modeller(world: World, unit: str, username: str) -> User:
    return create_user(
        username, "x", full_name="建模人员", unit=world.unit(unit), roles=[Role.Code.MODELLER]
    )


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, dataset: str, content: str, **fields: str) -> Any:
    file = SimpleUploadedFile(f"{dataset}.csv", content.encode(), content_type="text/csv")
    return client.post(
        reverse("datahub:list"), {"dataset": dataset, "file": file, "source": "", **fields}
    )


def custody_rows() -> dict[str, tuple[str, str]]:
    _, rows = run_query("select record_id, facility_code, status from custody_records")
    return {record: (facility, status) for record, facility, status in rows}


def test_a_city_upload_writes_its_own_facilities_rows_only(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    jinan = modeller(world, "济南市人民检察院", "jn_modeller")
    rows = (
        f"JN-0001,{JINAN_PRISON},{person(2)},济南新收,服刑,2025-01-02,在押\n"
        f"QD-0002,{QINGDAO_PRISON},{person(3)},青岛他人,服刑,2025-01-02,在押\n"
        # 青岛's record, moved to 济南 and released: an overwrite of another unit's record.
        f"QD-0001,{JINAN_PRISON},{QINGDAO_PRISONER},青岛在押,服刑,2024-03-01,已出所\n"
        # 青岛's prisoner placed in 济南's prison while 青岛 holds them.
        f"JN-0002,{JINAN_PRISON},{QINGDAO_PRISONER},青岛在押,服刑,2025-02-01,在押\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_of(jinan), "custody_records", CUSTODY + rows)

    assert response.status_code == 302
    job = BackgroundJob.objects.get()
    assert job.status == BackgroundJob.Status.DONE, job.message
    summary = job.result
    assert (summary["received"], summary["inserted"], summary["rejected"]) == (4, 1, 3)
    assert custody_rows() == {
        "QD-0001": (QINGDAO_PRISON, "在押"),
        "JN-0001": (JINAN_PRISON, "在押"),
    }
    _, issues = run_query(
        "select row_number, reason from _row_issues where action = '拒收' order by row_number"
    )
    reasons = dict(issues)
    assert set(reasons) == {3, 4, 5}
    assert "不在jn_modeller（济南市人民检察院）的监督范围内" in reasons[3]
    assert "该记录属于场所 QD-JY01（山东省青岛测试监狱）" in reasons[4]
    assert "一人不能同时在两地羁押" in reasons[5]
    # 济南's procurators still cannot open 青岛's prisoner.
    page = client_of(world.users["jinan_resident"]).get(
        reverse("people:detail", args=[person_key(QINGDAO_PRISONER)])
    )
    assert page.status_code == 404


def test_the_province_writes_any_facility(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    province = modeller(world, "山东省人民检察院", "sd_modeller")
    rows = f"QD-0003,{QINGDAO_PRISON},{person(4)},青岛新收,服刑,2025-01-02,在押\n"

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_of(province), "custody_records", CUSTODY + rows)

    assert BackgroundJob.objects.get().result["inserted"] == 1
    assert custody_rows()["QD-0003"] == (QINGDAO_PRISON, "在押")


BENEFITS = (
    "身份证号,姓名,待遇类型,发放月份,类别,金额,发放地区划\n"
    f"{person(5)},测试,城镇职工基本养老金,2025-01,发放,1000.50,370202\n"
)


def test_a_province_wide_dataset_is_refused_to_a_city_without_a_registered_source(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    qingdao = modeller(world, "青岛市人民检察院", "qd_modeller")
    audit_rows = AuditEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_of(qingdao), "benefit_payments", BENEFITS)

    assert response.status_code == 400
    errors = response.context["form"].errors["dataset"]
    assert "只能由省院或省院登记的数据来源导入" in errors[0]
    assert "请将文件交省院导入" in errors[0]
    assert BackgroundJob.objects.count() == 0
    assert AuditEntry.objects.count() == audit_rows


def test_a_registered_source_lets_a_city_import_its_province_wide_data(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    qingdao = modeller(world, "青岛市人民检察院", "qd_modeller")
    DataSource.objects.create(
        name="青岛市人社局", unit=world.unit("青岛市人民检察院"), datasets=["benefit_payments"]
    )
    client = client_of(qingdao)

    refused = upload(client, "benefit_payments", BENEFITS, source="其他来源")
    assert refused.status_code == 400
    assert "青岛市人社局" in refused.context["form"].errors["dataset"][0]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = upload(client, "benefit_payments", BENEFITS, source="青岛市人社局")

    assert accepted.status_code == 302
    assert BackgroundJob.objects.get().result["inserted"] == 1


def test_community_corrections_are_scoped_by_the_region_of_the_agency(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    qingdao = modeller(world, "青岛市人民检察院", "qd_modeller")
    header = (
        "case_id,id_number,name,correction_type,agency_region_code,decision_effective_date,status\n"
    )
    rows = (
        f"SJ-QD1,{person(6)},青岛矫正,缓刑,370202,2025-01-02,在矫\n"
        f"SJ-JN1,{person(7)},济南矫正,缓刑,370102,2025-01-02,在矫\n"
    )
    assert write_scope_for(qingdao).region_prefixes == frozenset({"3702"})

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_of(qingdao), "community_corrections", header + rows)

    result = BackgroundJob.objects.get().result
    assert (result["inserted"], result["rejected"]) == (1, 1)
    _, cases = run_query("select case_id from community_corrections")
    assert cases == [("SJ-QD1",)]


def test_each_city_sees_only_its_own_uploads_and_batches(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    jinan = modeller(world, "济南市人民检察院", "jn_modeller")
    qingdao = modeller(world, "青岛市人民检察院", "qd_modeller")
    with django_capture_on_commit_callbacks(execute=True):
        upload(
            client_of(jinan),
            "custody_records",
            CUSTODY + f"JN-0009,{JINAN_PRISON},{person(9)},济南,服刑,2025-01-02,在押\n",
        )
    job = BackgroundJob.objects.get()
    batch_id = job.result["batch_id"]
    qingdao_client = client_of(qingdao)

    page = qingdao_client.get(reverse("datahub:list"))

    assert list(page.context["jobs"]) == []
    assert page.context["batches"] == []
    assert qingdao_client.get(reverse("datahub:job", args=[job.pk])).status_code == 404
    assert qingdao_client.get(reverse("datahub:batch", args=[batch_id])).status_code == 404
    own = client_of(jinan).get(reverse("datahub:list"))
    assert [j.pk for j in own.context["jobs"]] == [job.pk]
    assert [b.batch_id for b in own.context["batches"]] == [batch_id]
    province = client_of(world.users["admin"]).get(reverse("datahub:list"))
    assert batch_id in {b.batch_id for b in province.context["batches"]}


def test_an_office_writes_the_region_of_the_corrections_agency_it_supervises(
    world: World,
) -> None:
    office = world.unit("青岛市人民检察院派驻青岛测试监狱检察室")
    member = modeller(world, office.name, "office_modeller")
    assert write_scope_for(member).region_prefixes == frozenset()

    SupervisedFacility.objects.create(
        facility_code="QD-SQJZ",
        name="青岛市市南区社区矫正机构",
        facility_type="社区矫正机构",
        region_code="370202",
        city_code="370200",
        unit=office,
    )

    member = User.objects.get(pk=member.pk)
    scope = write_scope_for(member)
    assert scope.region_prefixes == frozenset({"370202"})
    assert scope.facility_codes == frozenset({QINGDAO_PRISON, "QD-SQJZ"})
    assert scope.who == "office_modeller（青岛市人民检察院派驻青岛测试监狱检察室）"


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("370000", "37"), ("370200", "3702"), ("370202", "370202"), ("", ""), ("37x", "37x")],
)
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("37", "山东省（37）"), ("3702", "青岛市（3702）"), ("370102", "济南市历下区（370102）")],
)
def test_region_name(prefix: str, name: str) -> None:
    assert region_name(prefix) == name


def test_a_county_inside_the_city_adds_no_prefix(world: World) -> None:
    jinan = modeller(world, "济南市人民检察院", "jn_modeller")

    # 济南市院 (3701) and, below it, 济南市历下区人民检察院 (370102).
    assert write_scope_for(jinan).region_prefixes == frozenset({"3701"})


def test_the_batch_names_its_uploader_and_the_records_of_another_source_it_changed(
    world: World, warehouse: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    qingdao = modeller(world, "青岛市人民检察院", "qd_modeller")
    rows = (
        # 青岛's record, written by the operator's import, now released by 青岛监狱's file.
        f"QD-0001,{QINGDAO_PRISON},{QINGDAO_PRISONER},青岛在押,服刑,2024-03-01,已出所\n"
        f"QD-0003,{QINGDAO_PRISON},{person(4)},青岛新收,服刑,2025-03-01,在押\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_of(qingdao), "custody_records", CUSTODY + rows, source="青岛监狱")
    job = BackgroundJob.objects.get()
    assert job.status == BackgroundJob.Status.DONE, job.message
    assert (job.result["updated"], job.result["updated_other_source"]) == (1, 1)

    page = client_of(qingdao).get(reverse("datahub:batch", args=[job.result["batch_id"]]))

    assert page.status_code == 200
    batch = page.context["batch"]
    assert (batch.uploader, batch.updated_other_source) == ("qd_modeller（青岛市人民检察院）", 1)
    html = page.content.decode()
    assert "<th>导入人</th><td>qd_modeller（青岛市人民检察院）</td>" in html
    assert '<td data-figure="updated_other_source">1</td>' in html
    listing = client_of(qingdao).get(reverse("datahub:list")).content.decode()
    assert "<td>qd_modeller（青岛市人民检察院）</td>" in listing
