"""An administrator administers their own unit and the units below it, nothing else: the
admin pages of a city's 系统管理员 list, offer and change only that city's units,
facilities, users and grants, and refuse what reaches above or beside it.

The attack each test reproduces is a 青岛市人民检察院 系统管理员 going after 济南's data:
granting themselves 济南's prison, moving a user to the 省院, opening 济南's users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.personas import JINAN_PRISON, PASSWORD, QINGDAO_PRISON, World
from zhijian.web.accounts import actions
from zhijian.web.accounts.access import audit_entries_for
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit, User
from zhijian.web.audit.models import AuditEntry

QINGDAO = "青岛市人民检察院"
QINGDAO_OFFICE = "青岛市人民检察院派驻青岛测试监狱检察室"


@pytest.fixture
def qingdao_admin(world: World) -> User:
    return actions.create_user(
        "qd_admin",
        PASSWORD,
        full_name="青岛系统管理员",
        unit=world.unit(QINGDAO),
        roles=[Role.Code.ADMIN],
    )


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state() -> tuple[Any, ...]:
    return (
        list(FacilityGrant.objects.values_list("pk", "user_id", "facility_id", "ends_at")),
        list(User.objects.order_by("pk").values_list("pk", "unit_id", "is_active", "is_staff")),
        list(Unit.objects.order_by("pk").values_list("pk", "name", "parent_id", "path")),
        list(SupervisedFacility.objects.order_by("pk").values_list("pk", "unit_id")),
        sorted(User.roles.through.objects.values_list("user_id", "role_id")),
        AuditEntry.objects.count(),
    )


def grant_form(user: User, facility: SupervisedFacility) -> dict[str, str]:
    ends = timezone.localtime() + timedelta(days=5)
    starts = timezone.localtime()
    return {
        "user": str(user.pk),
        "facility": str(facility.pk),
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": f"{starts:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
        "reason": "巡回检察",
    }


def listed(client: Client, model: str) -> set[str]:
    """The objects' names on the admin list page of ``model``."""
    page = client.get(reverse(f"admin:accounts_{model}_changelist"))
    assert page.status_code == 200
    return set(page.context["cl"].result_list)


def test_a_city_administrator_lists_only_its_city(world: World, qingdao_admin: User) -> None:
    client = client_of(qingdao_admin)

    assert {u.name for u in listed(client, "unit")} == {QINGDAO, QINGDAO_OFFICE}
    assert {f.facility_code for f in listed(client, "supervisedfacility")} == {QINGDAO_PRISON}
    assert {u.username for u in listed(client, "user")} == {
        "qingdao_resident",
        "circuit_member",
        "qd_admin",
    }


def test_the_province_administrator_lists_everything(world: World) -> None:
    client = client_of(world.users["admin"])

    assert len(listed(client, "unit")) == Unit.objects.count()
    assert len(listed(client, "user")) == User.objects.count()
    assert len(listed(client, "supervisedfacility")) == 3


@pytest.mark.parametrize(
    ("model", "target"),
    [
        ("unit", lambda w: w.unit("济南市人民检察院")),
        ("unit", lambda w: w.unit("山东省人民检察院")),
        ("supervisedfacility", lambda w: w.facility(JINAN_PRISON)),
        ("user", lambda w: w.users["jinan_resident"]),
        ("user", lambda w: w.users["admin"]),
    ],
)
def test_objects_outside_the_city_cannot_be_opened(
    world: World, qingdao_admin: User, model: str, target: Any
) -> None:
    client = client_of(qingdao_admin)
    obj = target(world)
    before = state()

    for view in ("change", "delete"):
        page = client.get(reverse(f"admin:accounts_{model}_{view}", args=[obj.pk]))
        # The admin answers an object it cannot find with a redirect to its index.
        assert page.status_code == 302, (model, view)
        assert page.url == reverse("admin:index")
    posted = client.post(reverse(f"admin:accounts_{model}_delete", args=[obj.pk]), {"post": "yes"})
    assert posted.status_code == 302

    assert state() == before
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_city_administrator_cannot_grant_itself_another_citys_prison(
    world: World, qingdao_admin: User
) -> None:
    client = client_of(qingdao_admin)
    before = state()

    page = client.post(
        reverse("admin:accounts_facilitygrant_add"),
        grant_form(qingdao_admin, world.facility(JINAN_PRISON)),
    )

    assert page.status_code == 200
    assert "facility" in page.context["adminform"].form.errors
    assert state() == before
    # And the prison's leads stay out of reach.
    lead = world.leads[JINAN_PRISON]
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404


def test_a_city_administrator_cannot_grant_its_prison_to_another_citys_user(
    world: World, qingdao_admin: User
) -> None:
    client = client_of(qingdao_admin)
    before = state()

    page = client.post(
        reverse("admin:accounts_facilitygrant_add"),
        grant_form(world.users["jinan_resident"], world.facility(QINGDAO_PRISON)),
    )

    assert page.status_code == 200
    assert "user" in page.context["adminform"].form.errors
    assert state() == before


def test_a_city_administrator_grants_its_own_prison_to_its_own_user(
    world: World, qingdao_admin: User
) -> None:
    client = client_of(qingdao_admin)
    member = world.users["circuit_member"]

    page = client.post(
        reverse("admin:accounts_facilitygrant_add"),
        grant_form(member, world.facility(QINGDAO_PRISON)),
    )

    assert page.status_code == 302
    grant = FacilityGrant.objects.get()
    assert (grant.user, grant.facility.facility_code, grant.granted_by) == (
        member,
        QINGDAO_PRISON,
        qingdao_admin,
    )
    assert AuditEntry.objects.filter(action="新增临时授权", actor=qingdao_admin).count() == 1


def test_a_grant_must_end_after_it_starts(world: World, qingdao_admin: User) -> None:
    form = grant_form(world.users["circuit_member"], world.facility(QINGDAO_PRISON))
    form["ends_at_0"] = form["starts_at_0"]
    form["ends_at_1"] = "00:00:00"
    before = state()

    page = client_of(qingdao_admin).post(reverse("admin:accounts_facilitygrant_add"), form)

    assert page.status_code == 200
    assert page.context["adminform"].form.errors["ends_at"] == ["结束时间应晚于开始时间"]
    assert state() == before


def user_form(unit: Unit, *roles: Role) -> dict[str, Any]:
    return {
        "username": "new_user",
        "full_name": "新用户",
        "unit": str(unit.pk),
        "roles": [str(role.pk) for role in roles],
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
    }


@pytest.mark.parametrize("unit", ["山东省人民检察院", "济南市人民检察院"])
def test_a_city_administrator_cannot_create_a_user_above_or_beside_it(
    world: World, qingdao_admin: User, unit: str
) -> None:
    before = state()
    admin_role = Role.objects.get(code=Role.Code.ADMIN)

    page = client_of(qingdao_admin).post(
        reverse("admin:accounts_user_add"), user_form(world.unit(unit), admin_role)
    )

    assert page.status_code == 200
    assert "unit" in page.context["adminform"].form.errors
    assert state() == before


def test_a_city_administrator_creates_a_user_of_its_resident_office(
    world: World, qingdao_admin: User
) -> None:
    resident = Role.objects.get(code=Role.Code.RESIDENT)

    page = client_of(qingdao_admin).post(
        reverse("admin:accounts_user_add"), user_form(world.unit(QINGDAO_OFFICE), resident)
    )

    assert page.status_code == 302
    user = User.objects.get(username="new_user")
    assert user.unit == world.unit(QINGDAO_OFFICE)
    assert set(user.roles.values_list("code", flat=True)) == {Role.Code.RESIDENT}
    assert user.is_staff is False


def test_an_administrator_cannot_move_itself_or_change_its_own_roles(
    world: World, qingdao_admin: User
) -> None:
    client = client_of(qingdao_admin)
    url = reverse("admin:accounts_user_change", args=[qingdao_admin.pk])
    every_role = Role.objects.all()
    before = User.objects.get(pk=qingdao_admin.pk)

    page = client.post(
        url,
        {
            "username": "qd_admin",
            "full_name": "青岛系统管理员",
            "unit": str(world.unit("山东省人民检察院").pk),
            "roles": [str(r.pk) for r in every_role],
            "is_active": "on",
        },
    )

    assert page.status_code == 302
    after = User.objects.get(pk=qingdao_admin.pk)
    assert after.unit_id == before.unit_id
    assert set(after.roles.values_list("code", flat=True)) == {Role.Code.ADMIN}


def test_a_city_unit_cannot_be_moved_out_of_the_city_or_made_a_root(
    world: World, qingdao_admin: User
) -> None:
    client = client_of(qingdao_admin)
    office = world.unit(QINGDAO_OFFICE)
    url = reverse("admin:accounts_unit_change", args=[office.pk])
    base = {"name": office.name, "short_name": office.short_name, "kind": office.kind}
    before = state()

    for parent in ("", str(world.unit("济南市人民检察院").pk), str(office.pk)):
        page = client.post(url, {**base, "parent": parent, "region_code": ""})
        assert page.status_code == 200, parent
        assert "parent" in page.context["adminform"].form.errors, parent

    new_root = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "青岛另立省院", "short_name": "鲁另检", "kind": "省院", "parent": ""},
    )
    assert new_root.status_code == 200
    assert state() == before


def test_a_city_facility_cannot_be_handed_to_another_city(
    world: World, qingdao_admin: User
) -> None:
    facility = world.facility(QINGDAO_PRISON)
    before = state()

    page = client_of(qingdao_admin).post(
        reverse("admin:accounts_supervisedfacility_change", args=[facility.pk]),
        {
            "facility_code": facility.facility_code,
            "name": facility.name,
            "facility_type": facility.facility_type,
            "region_code": facility.region_code,
            "city_code": facility.city_code,
            "unit": str(world.unit("济南市人民检察院").pk),
        },
    )

    assert page.status_code == 200
    assert "unit" in page.context["adminform"].form.errors
    assert state() == before


@pytest.mark.parametrize(
    ("model", "field", "term"),
    [
        ("facilitygrant", "facility", "测试监狱"),
        ("facilitygrant", "user", "派驻"),
        ("supervisedfacility", "unit", "人民检察院"),
        ("user", "unit", "人民检察院"),
    ],
)
def test_the_search_boxes_of_the_forms_offer_only_the_city(
    world: World, qingdao_admin: User, model: str, field: str, term: str
) -> None:
    page = client_of(qingdao_admin).get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": model, "field_name": field, "term": term},
    )

    assert page.status_code == 200
    offered = {item["text"] for item in page.json()["results"]}
    assert offered
    assert not any("济南" in text or "山东省人民检察院" in text for text in offered), offered


def test_roles_cannot_be_renamed(world: World) -> None:
    role = Role.objects.get(code=Role.Code.RESIDENT)
    before = state()

    page = client_of(world.users["admin"]).post(
        reverse("admin:accounts_role_change", args=[role.pk]), {"code": "部门负责人"}
    )

    assert page.status_code == 403
    assert state() == before


def test_the_actions_refuse_an_administrator_outside_its_scope(
    world: World, qingdao_admin: User
) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        actions.grant_facility(
            qingdao_admin,
            world.facility(JINAN_PRISON),
            ends_at=timezone.now() + timedelta(days=1),
            reason="越权",
            actor=qingdao_admin,
        )
    with pytest.raises(PermissionDenied):
        actions.create_user(
            "upstairs",
            PASSWORD,
            full_name="越权",
            unit=world.unit("山东省人民检察院"),
            roles=[Role.Code.ADMIN],
            actor=qingdao_admin,
        )
    with pytest.raises(PermissionDenied):
        actions.create_user(
            "by_resident",
            PASSWORD,
            full_name="非管理员",
            unit=world.unit(QINGDAO_OFFICE),
            roles=[Role.Code.RESIDENT],
            actor=world.users["qingdao_resident"],
        )
    assert state() == before


def test_the_provinces_grant_on_a_city_prison_reaches_that_citys_audit_log(
    world: World, qingdao_admin: User
) -> None:
    province_admin = world.users["admin"]
    member = world.users["circuit_member"]
    client_of(province_admin).post(
        reverse("admin:accounts_facilitygrant_add"),
        grant_form(member, world.facility(QINGDAO_PRISON)),
    )
    grant = FacilityGrant.objects.get()
    client_of(province_admin).post(
        reverse("admin:accounts_facilitygrant_delete", args=[grant.pk]), {"post": "yes"}
    )
    client_of(province_admin).post(
        reverse("admin:accounts_facilitygrant_add"),
        grant_form(member, world.facility(JINAN_PRISON)),
    )

    seen = audit_entries_for(qingdao_admin).filter(actor=province_admin)
    assert sorted(seen.values_list("action", "facility_code")) == [
        ("删除临时授权", QINGDAO_PRISON),
        ("新增临时授权", QINGDAO_PRISON),
    ]


def test_the_user_add_page_speaks_chinese(world: World) -> None:
    page = client_of(world.users["admin"]).get(reverse("admin:accounts_user_add"))

    html = page.content.decode()
    assert "创建用户后，可在该用户的页面修改更多信息。" in html
    assert "After you" not in html
