"""The per-process access cache: a user's roles and visible facilities are computed once
and reused while the access stamp is unchanged, and every change to what decides access
(by any path, plain SQL included) is seen on the next request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from tests.web.test_leads_views import as_user
from zhijian.web.accounts import access
from zhijian.web.accounts.actions import grant_facility
from zhijian.web.accounts.backends import UnitModelBackend
from zhijian.web.accounts.models import AccessStamp, FacilityGrant, Role, SupervisedFacility, User

MaxQueries = Callable[..., Any]


def loaded(user: User) -> User:
    """The user as the authentication backend loads them for a request."""
    found = UnitModelBackend().get_user(user.pk)
    assert found is not None
    return found


def stamp() -> str:
    return AccessStamp.objects.get(pk=1).stamp


def test_a_second_request_reads_only_the_user(
    world: World, django_assert_num_queries: MaxQueries
) -> None:
    head = world.users["jinan_head"]
    first = loaded(head)
    assert access.visible_facility_codes(first) == {JINAN_PRISON, JINAN_DETENTION}
    assert first.role_codes() == {Role.Code.HEAD}

    with django_assert_num_queries(1):
        again = loaded(head)
        assert access.visible_facility_codes(again) == {JINAN_PRISON, JINAN_DETENTION}
        assert again.role_codes() == {Role.Code.HEAD}


def test_every_change_to_access_data_renews_the_stamp(db: None) -> None:
    """Which statements renew it is the migration's list; here, that each kind does."""
    seen = {stamp()}

    def changed() -> None:
        now = stamp()
        assert now not in seen
        seen.add(now)

    from tests.web.personas import build_world

    build_world()
    changed()
    user = User.objects.get(username="jinan_resident")
    update_last_login(None, user)  # logging in changes nothing cached
    assert stamp() in seen
    User.objects.filter(pk=user.pk).update(email="x@example.org")  # nor does an e-mail
    assert stamp() in seen
    User.objects.filter(pk=user.pk).update(full_name="改名")
    changed()
    User.objects.filter(pk=user.pk).update(is_active=False)
    changed()
    user.roles.clear()
    changed()
    SupervisedFacility.objects.filter(facility_code=JINAN_PRISON).update(name="改名监狱")
    changed()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_unit SET name = name || '（测试）'")
    changed()
    grant_facility(
        user,
        SupervisedFacility.objects.get(facility_code=QINGDAO_PRISON),
        ends_at=timezone.now() + timedelta(days=1),
        reason="巡回检察",
    )
    changed()
    FacilityGrant.objects.all().delete()
    changed()


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(
            lambda world: SupervisedFacility.objects.filter(facility_code=JINAN_PRISON).update(
                unit=world.unit("青岛市人民检察院")
            ),
            id="facility moved to another unit by a bulk update",
        ),
        pytest.param(
            lambda world: User.objects.filter(username="jinan_resident").update(
                unit=world.unit("青岛市人民检察院")
            ),
            id="user moved to another unit",
        ),
    ],
)
def test_a_cached_user_loses_a_facility_on_the_next_request(
    world: World, revoke: Callable[[World], Any]
) -> None:
    client = as_user(world, "jinan_resident")
    detail = reverse("leads:detail", args=[world.leads[JINAN_PRISON].pk])
    assert client.get(detail).status_code == 200

    revoke(world)

    assert client.get(detail).status_code == 404


def test_a_role_removed_in_sql_is_gone_on_the_next_request(world: World) -> None:
    head = world.users["jinan_head"]
    assert access.is_assigner(loaded(head))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_user_roles WHERE user_id = %s", [head.pk])

    assert not access.is_assigner(loaded(head))


def test_a_cached_grant_opens_at_its_start_and_closes_at_its_end(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = world.users["circuit_member"]
    start = timezone.now() + timedelta(hours=1)
    end = start + timedelta(days=3)
    grant = grant_facility(member, world.facility(JINAN_PRISON), ends_at=end, reason="巡回检察")
    FacilityGrant.objects.filter(pk=grant.pk).update(starts_at=start)

    def at(moment: datetime) -> frozenset[str] | None:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return access.visible_facility_codes(loaded(member))

    assert at(start - timedelta(seconds=1)) == {QINGDAO_PRISON}
    assert at(start) == {QINGDAO_PRISON, JINAN_PRISON}
    assert at(end - timedelta(seconds=1)) == {QINGDAO_PRISON, JINAN_PRISON}
    assert at(end) == {QINGDAO_PRISON}
