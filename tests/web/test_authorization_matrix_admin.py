"""The authorization matrix of the pages that administer and feed the platform: the
admin pages, the audit page and uploads × every role × an object of the user's own unit,
of a unit below it and of another city's unit.

As in ``test_authorization_matrix``, the users belong to 济南市人民检察院 and hold one role
each. "own" objects are 济南市人民检察院 itself, a user of it, a facility it supervises
directly (JN-JY02) and a grant on that facility; "child" ones are those of 济南市历下区人民
检察院 (JN-KSS); "foreign" ones those of 青岛市人民检察院 (QD-JY01). A refused request
changes nothing; an allowed one does what it says, and only within the unit's reach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.personas import JINAN_DETENTION, QINGDAO_PRISON, World
from zhijian.law.idnumber import checksum_char
from zhijian.warehouse.compute import run_query
from zhijian.web.accounts.actions import create_user, grant_facility
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit, User
from zhijian.web.audit.chain import record
from zhijian.web.audit.models import AuditEntry
from zhijian.web.library.models import BackgroundJob

ROLES = tuple(Role.Code.values)
SIDES = ("own", "child", "foreign")
OWN_FACILITY = "JN-JY02"
FACILITY = {"own": OWN_FACILITY, "child": JINAN_DETENTION, "foreign": QINGDAO_PRISON}
UNIT = {"own": "济南市人民检察院", "child": "济南市历下区人民检察院", "foreign": "青岛市人民检察院"}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class Objects:
    units: dict[str, Unit]
    users: dict[str, User]
    facilities: dict[str, SupervisedFacility]
    grants: dict[str, FacilityGrant]


@pytest.fixture
def objects(
    world: World, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Objects:
    settings.HOME = tmp_path / "home"
    settings.TASKS = IMMEDIATE
    monkeypatch.setenv("ZHIJIAN_HOME", str(settings.HOME))
    jinan = world.unit(UNIT["own"])
    SupervisedFacility.objects.create(
        facility_code=OWN_FACILITY,
        name="济南市直属测试监狱",
        facility_type="监狱",
        region_code="370100",
        city_code="370100",
        unit=jinan,
    )
    for role in ROLES:
        create_user(f"only_{role}", "x", full_name=f"济南{role}", unit=jinan, roles=[role])
    users = {
        side: create_user(
            f"member_{side}",
            "x",
            full_name=f"{side}用户",
            unit=world.unit(UNIT[side]),
            roles=[Role.Code.CIRCUIT],
        )
        for side in SIDES
    }
    ends = timezone.now() + timedelta(days=10)
    grants = {
        side: grant_facility(
            users[side], world.facility(FACILITY[side]), ends_at=ends, reason="巡回检察"
        )
        for side in SIDES
    }
    for side in SIDES:
        # A row by an actor of each unit, and one by the system about each facility.
        record(users[side], f"矩阵操作_{side}", object_type="测试")
        record(None, f"矩阵场所_{side}", object_type="测试", facility_code=FACILITY[side])
    return Objects(
        units={side: world.unit(UNIT[side]) for side in SIDES},
        users=users,
        facilities={side: world.facility(FACILITY[side]) for side in SIDES},
        grants=grants,
    )


def state() -> tuple[Any, ...]:
    return (
        list(FacilityGrant.objects.order_by("pk").values_list("pk", "user_id", "facility_id")),
        list(User.objects.order_by("pk").values_list("pk", "unit_id", "is_active")),
        list(Unit.objects.order_by("pk").values_list("pk", "name", "parent_id")),
        list(SupervisedFacility.objects.order_by("pk").values_list("pk", "unit_id", "name")),
        BackgroundJob.objects.count(),
    )


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=f"only_{role}"))
    return client


ADMIN_OBJECTS: dict[str, Callable[[Objects, str], Any]] = {
    "unit": lambda o, side: o.units[side],
    "user": lambda o, side: o.users[side],
    "supervisedfacility": lambda o, side: o.facilities[side],
    "facilitygrant": lambda o, side: o.grants[side],
}


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("model", list(ADMIN_OBJECTS))
@pytest.mark.parametrize("role", ROLES)
def test_admin_change_pages(objects: Objects, role: str, model: str, side: str) -> None:
    obj = ADMIN_OBJECTS[model](objects, side)
    before = state()

    page = client_for(role).get(reverse(f"admin:accounts_{model}_change", args=[obj.pk]))

    if role != Role.Code.ADMIN:
        assert page.status_code == 302
        assert page.url.startswith(reverse("admin:login"))
    elif side == "foreign":
        # Outside the administrator's units the object does not exist for them.
        assert page.status_code == 302
        assert page.url == reverse("admin:index")
    else:
        assert page.status_code == 200
        assert page.context["original"] == obj
    assert state() == before


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("role", ROLES)
def test_admin_revoking_a_grant(objects: Objects, role: str, side: str) -> None:
    grant = objects.grants[side]
    audit_rows = AuditEntry.objects.count()

    page = client_for(role).post(
        reverse("admin:accounts_facilitygrant_delete", args=[grant.pk]), {"post": "yes"}
    )

    assert page.status_code == 302
    revoked = not FacilityGrant.objects.filter(pk=grant.pk).exists()
    assert revoked == (role == Role.Code.ADMIN and side != "foreign")
    assert (AuditEntry.objects.count() > audit_rows) == revoked


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("role", ROLES)
def test_admin_granting_a_facility_to_oneself(objects: Objects, role: str, side: str) -> None:
    user = User.objects.get(username=f"only_{role}")
    starts, ends = timezone.localtime(), timezone.localtime() + timedelta(days=3)
    before = state()

    page = client_for(role).post(
        reverse("admin:accounts_facilitygrant_add"),
        {
            "user": str(user.pk),
            "facility": str(objects.facilities[side].pk),
            "starts_at_0": f"{starts:%Y-%m-%d}",
            "starts_at_1": f"{starts:%H:%M:%S}",
            "ends_at_0": f"{ends:%Y-%m-%d}",
            "ends_at_1": f"{ends:%H:%M:%S}",
            "reason": "自行授权",
        },
    )

    granted = FacilityGrant.objects.filter(user=user).exists()
    if role == Role.Code.ADMIN and side != "foreign":
        assert (page.status_code, granted) == (302, True)
    else:
        assert page.status_code in (200, 302)
        assert not granted
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_audit_page(objects: Objects, role: str) -> None:
    page = client_for(role).get(reverse("audit:list"), {"page": "1"})

    if role != Role.Code.ADMIN:
        assert page.status_code == 403
        return
    assert page.status_code == 200
    shown = {entry.action for entry in page.context["page"].object_list}
    for side in SIDES:
        expected = side != "foreign"
        assert (f"矩阵操作_{side}" in shown) == expected, side
        assert (f"矩阵场所_{side}" in shown) == expected, side


def person(n: int) -> str:
    body = f"37010219800101{n:03d}"
    return body + checksum_char(body)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("role", ROLES)
def test_uploads(
    objects: Objects, role: str, side: str, django_capture_on_commit_callbacks: Any
) -> None:
    content = (
        "record_id,facility_code,id_number,name,custody_type,admission_date,status\n"
        f"M-{side},{FACILITY[side]},{person(SIDES.index(side))},测试,服刑,2025-01-02,在押\n"
    )
    file = SimpleUploadedFile("custody_records.csv", content.encode())
    before = state()

    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(role).post(
            reverse("datahub:list"), {"dataset": "custody_records", "file": file}
        )

    if role not in (Role.Code.MODELLER, Role.Code.ADMIN):
        assert page.status_code == 403
        assert state() == before
        return
    assert page.status_code == 302
    job = BackgroundJob.objects.get()
    assert job.status == BackgroundJob.Status.DONE, job.message
    written = side != "foreign"
    assert (job.result["inserted"], job.result["rejected"]) == (int(written), int(not written))
    _, rows = run_query("select record_id from custody_records")
    assert rows == ([(f"M-{side}",)] if written else [])
