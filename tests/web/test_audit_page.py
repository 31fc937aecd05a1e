"""The audit page, scoped: a city's 系统管理员 reads the rows of its own units' people and
the rows about its facilities, never another city's; the 省院's reads every row. The page
names units, facilities and object types, shows the detail as labelled text and ID
numbers masked, and any filter a user can type answers without a server error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.hits import id_number
from tests.web.personas import JINAN_PRISON, PASSWORD, QINGDAO_PRISON, World
from zhijian.law.idnumber import mask_id_number
from zhijian.web.accounts import actions as accounts
from zhijian.web.accounts.models import Role, Unit
from zhijian.web.audit.chain import record
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.actions import view_lead
from zhijian.web.people.keys import person_key

WHOLE_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")
PERSON = id_number(3)


@pytest.fixture
def audited(world: World) -> dict[str, AuditEntry]:
    """The city administrators, and rows of both cities, of the 省院 and of the system."""
    for username, unit in (
        ("qingdao_admin", "青岛市人民检察院"),
        ("jinan_admin", "济南市人民检察院"),
    ):
        world.users[username] = accounts.create_user(
            username,
            PASSWORD,
            full_name=username,
            unit=Unit.objects.get(name=unit),
            roles=(Role.Code.ADMIN,),
        )
    users, leads = world.users, world.leads
    view_lead(leads[JINAN_PRISON], actor=users["jinan_resident"])
    view_lead(leads[QINGDAO_PRISON], actor=users["qingdao_resident"])
    view_lead(leads[QINGDAO_PRISON], actor=users["province_head"])
    view_lead(leads[JINAN_PRISON], actor=users["province_head"])
    entries = list(AuditEntry.objects.filter(action="查看线索").order_by("pk"))
    rows = dict(
        zip(("jinan_look", "qingdao_look", "province_qd", "province_jn"), entries, strict=True)
    )
    rows["circuit"] = record(users["circuit_member"], "测试操作", object_type="测试")
    rows["system"] = record(None, "系统操作", object_type="测试")
    rows["person"] = record(
        users["qingdao_resident"],
        "查看人员档案",
        object_type="人员",
        object_id=person_key(PERSON),
        detail={"id_number": PERSON, "name": "测试人员3"},
        facility_code=QINGDAO_PRISON,
    )
    rows["move"] = record(
        users["qingdao_resident"],
        "线索开始核查",
        object_type="线索",
        object_id=leads[QINGDAO_PRISON].pk,
        detail={"from": "待核查", "to": "核查中", "reason": "到监区核实"},
        facility_code=QINGDAO_PRISON,
    )
    return rows


def page(world: World, username: str, **query: str) -> tuple[int, str, list[int]]:
    client = Client()
    client.force_login(world.users[username])
    response = client.get(reverse("audit:list"), query)
    shown = (
        [row.entry.pk for row in response.context["rows"]] if response.status_code == 200 else []
    )
    return response.status_code, response.content.decode(), shown


def pks(rows: dict[str, AuditEntry], *names: str) -> list[int]:
    return sorted((rows[name].pk for name in names), reverse=True)


def test_a_city_administrator_reads_its_citys_rows_and_none_of_another_citys(
    world: World, audited: dict[str, AuditEntry]
) -> None:
    status, html, shown = page(world, "qingdao_admin")

    assert status == 200
    assert shown == pks(audited, "qingdao_look", "province_qd", "circuit", "person", "move")
    assert "山东省青岛测试监狱" in html and "青岛市人民检察院派驻青岛测试监狱检察室" in html
    assert mask_id_number(PERSON) in html
    assert not WHOLE_ID.search(html) and "测试人员" not in html
    assert "山东省测试监狱" not in html  # Jinan's prison: none of its rows
    assert "原状态：待核查" in html and "新状态：核查中" in html and "{&#x27;" not in html


def test_the_other_city_reads_only_its_own(world: World, audited: dict[str, AuditEntry]) -> None:
    status, html, shown = page(world, "jinan_admin")

    assert (status, shown) == (200, pks(audited, "jinan_look", "province_jn"))
    assert "青岛" not in html.split("<table", 1)[1]


def test_the_province_administrator_reads_every_row(
    world: World, audited: dict[str, AuditEntry]
) -> None:
    status, html, shown = page(world, "admin")

    everything = list(AuditEntry.objects.order_by("-pk").values_list("pk", flat=True)[:50])
    assert (status, shown) == (200, everything)
    assert audited["system"].pk in shown
    assert not WHOLE_ID.search(html) and "测试人员" not in html


def test_only_administrators_read_the_audit_page(
    world: World, audited: dict[str, AuditEntry]
) -> None:
    for username in ("jinan_resident", "province_head", "modeller", "investigator"):
        status, html, _ = page(world, username)
        assert status == 403, username
        assert audited["person"].entry_hash[:12] not in html


def test_filters_by_action_account_and_dates_keep_the_scope(
    world: World, audited: dict[str, AuditEntry]
) -> None:
    today = timezone.localdate()
    yesterday = (today - timedelta(days=1)).isoformat()

    assert page(world, "qingdao_admin", action="查看线索")[2] == pks(
        audited, "qingdao_look", "province_qd"
    )
    assert page(world, "qingdao_admin", actor="qingdao_resident")[2] == pks(
        audited, "qingdao_look", "person", "move"
    )
    assert page(world, "qingdao_admin", actor="jinan_resident")[2] == []
    assert page(world, "qingdao_admin", date_from=today.isoformat(), action="测试操作")[2] == pks(
        audited, "circuit"
    )
    assert page(world, "qingdao_admin", date_to=yesterday)[2] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, ""),
        ({"date_to": "9999-12-31"}, ""),
        ({"date_from": "0001-01-01"}, ""),
        ({"date_from": "abc"}, "日期自：输入一个有效的日期。"),
        ({"date_to": "2026-13-45"}, "至：输入一个有效的日期。"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "截止日期早于起始日期"),
        ({"page": "abc"}, ""),
        ({"page": "9999"}, ""),
        ({"page": "-1"}, ""),
        ({"page": "0"}, ""),
        ({"page": "9" * 40}, ""),
        ({"action": "x" * 500, "actor": "<script>"}, ""),
    ],
)
def test_what_a_user_can_type_never_breaks_the_page(
    world: World, audited: dict[str, AuditEntry], query: dict[str, str], message: str
) -> None:
    status, html, shown = page(world, "qingdao_admin", **query)

    assert status == 200
    assert message in html
    assert "<script>" not in html.split("<main", 1)[1]
    every = pks(audited, "qingdao_look", "province_qd", "circuit", "person", "move")
    if "action" not in query and "截止" not in message:
        assert shown == every  # a mistyped filter filters nothing; the scope holds
