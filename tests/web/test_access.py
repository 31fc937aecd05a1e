"""The access helpers: a unit sees what it and the units below it supervise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.accounts import access
from zhijian.web.accounts.actions import grant_facility
from zhijian.web.accounts.models import Unit, User


def fresh(user: User) -> User:
    """The user as a new request sees them (nothing cached)."""
    return User.objects.get(pk=user.pk)


def test_the_unit_tree_is_built_from_the_facilities(world: World) -> None:
    office = world.unit("济南市人民检察院派驻测试监狱检察室")
    basic = world.unit("济南市历下区人民检察院")
    city = world.unit("济南市人民检察院")
    assert (office.kind, office.parent, office.short_name) == ("派驻检察室", city, "鲁济检")
    assert (basic.kind, basic.parent, basic.short_name) == ("基层院", city, "鲁济历检")
    assert city.parent == world.unit("山东省人民检察院")
    assert Unit.objects.filter(kind="市院").count() == 16
    assert world.facility(JINAN_PRISON).unit == office
    assert world.facility(JINAN_PRISON).city_code == "370100"


def test_each_unit_sees_its_own_and_its_descendants_facilities(world: World) -> None:
    users = world.users
    assert access.visible_facility_codes(fresh(users["jinan_resident"])) == {JINAN_PRISON}
    assert access.visible_facility_codes(fresh(users["jinan_head"])) == {
        JINAN_PRISON,
        JINAN_DETENTION,
    }
    assert access.visible_facility_codes(fresh(users["qingdao_resident"])) == {QINGDAO_PRISON}
    assert access.visible_facility_codes(fresh(users["province_head"])) is None


def test_another_units_lead_is_a_404(world: World) -> None:
    qingdao_lead = world.leads[QINGDAO_PRISON]
    jinan = fresh(world.users["jinan_resident"])
    with pytest.raises(Http404):
        access.get_lead_for_user(jinan, qingdao_lead.pk)
    with pytest.raises(Http404):
        access.get_lead_for_user(jinan, "not-a-number")
    own = access.get_lead_for_user(jinan, world.leads[JINAN_PRISON].pk)
    assert own.facility_code == JINAN_PRISON
    assert list(access.leads_for(jinan).values_list("facility_code", flat=True)) == [JINAN_PRISON]
    assert access.leads_for(fresh(world.users["province_head"])).count() == 3


def test_a_grant_opens_a_facility_until_it_ends(world: World) -> None:
    member = world.users["circuit_member"]
    jinan_prison = world.facility(JINAN_PRISON)
    assert JINAN_PRISON not in (access.visible_facility_codes(fresh(member)) or ())

    grant = grant_facility(
        member, jinan_prison, ends_at=timezone.now() + timedelta(days=10), reason="巡回检察"
    )
    assert JINAN_PRISON in (access.visible_facility_codes(fresh(member)) or ())

    type(grant).objects.filter(pk=grant.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert JINAN_PRISON not in (access.visible_facility_codes(fresh(member)) or ())


def test_administrators_see_no_data_beyond_their_unit(world: World) -> None:
    clerk = world.users["admin"]
    clerk.unit = world.unit("青岛市人民检察院")
    clerk.save()
    assert access.visible_facility_codes(fresh(clerk)) == {QINGDAO_PRISON}


def test_id_numbers_are_masked_unless_the_role_allows(world: World) -> None:
    number = world.leads[JINAN_PRISON].id_number
    assert access.display_id(fresh(world.users["jinan_resident"]), number) == number
    masked = access.display_id(fresh(world.users["jinan_head"]), number)
    assert masked == number[:6] + "********" + number[-4:]
