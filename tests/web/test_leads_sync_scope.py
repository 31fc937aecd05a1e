"""A model run asked for below the 省院 changes only the leads of the facilities its unit
supervises: hits elsewhere are counted and left alone, another unit's leads are neither
refreshed nor marked as gone."""

from __future__ import annotations

import pytest

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.accounts.access import supervised_facility_codes
from zhijian.web.accounts.actions import create_user
from zhijian.web.accounts.models import Role, User
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadEvent

MODEL = "scope_model"


def _modeller(world: World, unit: str) -> User:
    return create_user(
        f"modeller_{unit}", "x", full_name="建模", unit=world.unit(unit), roles=[Role.Code.MODELLER]
    )


def _leads() -> dict[str, tuple[str, str, int | None]]:
    return {
        lead.name: (lead.facility_code, lead.status, lead.last_seen_run_id)
        for lead in Lead.objects.filter(model_id=MODEL)
    }


def test_a_city_run_creates_and_drops_only_its_own_facilities_leads(world: World) -> None:
    province = sync_run(
        run_result(
            [
                hit(101, facility_code=JINAN_PRISON, name="济南甲"),
                hit(102, facility_code=QINGDAO_PRISON, name="青岛乙"),
                hit(103, facility_code=QINGDAO_PRISON, name="青岛丙"),
            ],
            model_id=MODEL,
        )
    )
    jinan = supervised_facility_codes(_modeller(world, "济南市人民检察院"))
    assert jinan == frozenset({JINAN_PRISON, JINAN_DETENTION})

    # 济南's run finds 甲 again, a new 丁 in 济南 and a new 戊 in 青岛, and no longer 青岛丙.
    city = sync_run(
        run_result(
            [
                hit(101, facility_code=JINAN_PRISON, name="济南甲"),
                hit(104, facility_code=JINAN_DETENTION, name="济南丁"),
                hit(105, facility_code=QINGDAO_PRISON, name="青岛戊"),
                hit(102, facility_code=QINGDAO_PRISON, name="青岛乙"),
            ],
            model_id=MODEL,
        ),
        facility_codes=jinan,
    )

    assert (city.hit_count, city.new_count, city.dropped_count, city.outside_count) == (2, 1, 0, 2)
    assert city.facility_scope == sorted([JINAN_DETENTION, JINAN_PRISON])
    assert _leads() == {
        "济南甲": (JINAN_PRISON, "待分派", city.pk),
        "济南丁": (JINAN_DETENTION, "待分派", city.pk),
        # 青岛's leads keep the 省院 run: neither refreshed nor marked 不再命中.
        "青岛乙": (QINGDAO_PRISON, "待分派", province.pk),
        "青岛丙": (QINGDAO_PRISON, "待分派", province.pk),
    }
    assert not LeadEvent.objects.filter(run=city, lead__facility_code=QINGDAO_PRISON).exists()


def test_a_city_run_marks_its_own_absent_leads(world: World) -> None:
    sync_run(
        run_result(
            [
                hit(111, facility_code=JINAN_PRISON, name="济南甲"),
                hit(112, facility_code=QINGDAO_PRISON, name="青岛乙"),
            ],
            model_id=MODEL,
        )
    )
    jinan = supervised_facility_codes(_modeller(world, "济南市人民检察院"))

    city = sync_run(run_result([], model_id=MODEL), facility_codes=jinan)

    assert city.dropped_count == 1
    assert {name: status for name, (_, status, _) in _leads().items()} == {
        "济南甲": "不再命中",
        "青岛乙": "待分派",
    }


def test_a_known_lead_stays_with_its_unit_when_the_hit_moves(world: World) -> None:
    """A person moved from 青岛 to 济南: the lead placed at 青岛 is 青岛's; 济南's run does
    not refresh it, and the province's lead is not marked gone by 济南 either."""
    sync_run(run_result([hit(121, facility_code=QINGDAO_PRISON, name="迁移")], model_id=MODEL))
    jinan = supervised_facility_codes(_modeller(world, "济南市人民检察院"))

    city = sync_run(
        run_result([hit(121, facility_code=JINAN_PRISON, name="迁移")], model_id=MODEL),
        facility_codes=jinan,
    )

    assert (city.hit_count, city.outside_count, city.new_count) == (0, 1, 0)
    assert _leads()["迁移"][0] == QINGDAO_PRISON


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("山东省人民检察院", None),
        ("青岛市人民检察院", frozenset({QINGDAO_PRISON})),
        ("济南市历下区人民检察院", frozenset({JINAN_DETENTION})),
    ],
)
def test_what_a_unit_may_change(world: World, unit: str, expected: frozenset[str] | None) -> None:
    assert supervised_facility_codes(_modeller(world, unit)) == expected


def test_a_grant_lets_its_holder_read_not_change(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from zhijian.web.accounts.access import visible_facility_codes
    from zhijian.web.accounts.actions import grant_facility

    member = world.users["circuit_member"]  # 青岛
    grant_facility(
        member,
        world.facility(JINAN_PRISON),
        ends_at=timezone.now() + timedelta(days=3),
        reason="巡回检察",
        actor=world.users["admin"],
    )
    member = User.objects.get(pk=member.pk)
    assert visible_facility_codes(member) == frozenset({QINGDAO_PRISON, JINAN_PRISON})
    assert supervised_facility_codes(member) == frozenset({QINGDAO_PRISON})
