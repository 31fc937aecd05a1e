"""The dashboard: exact figures per unit, a fixed number of queries, chart data passed
as JSON that cannot break out of its script tag."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from tests.web.hits import hit, id_number, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.accounts import access
from zhijian.web.dashboard import stats
from zhijian.web.dashboard.stats import Headline, count_figures
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEATHS_MODEL = "dead_still_supervised"
UNREGISTERED = "XX-UNKNOWN"
JINAN_CITY = ["济南市"]


@pytest.fixture
def leads(world: World) -> World:
    """Seven leads: the world's three (减刑间隔不足, 刑罚变更执行监督) and four of a 跨部门
    model, one at a facility no unit supervises; statuses and months set below."""
    sync_run(
        run_result(
            [
                hit(10, facility_code=JINAN_PRISON, model_id=DEATHS_MODEL),
                hit(11, facility_code=JINAN_DETENTION, model_id=DEATHS_MODEL),
                hit(12, facility_code=QINGDAO_PRISON, model_id=DEATHS_MODEL),
                hit(13, facility_code=UNREGISTERED, model_id=DEATHS_MODEL),
            ],
            model_id=DEATHS_MODEL,
        )
    )
    Lead.objects.filter(model_id=DEATHS_MODEL).update(
        category="跨部门数据比对", model_name="死亡人员仍在册"
    )
    statuses = {
        id_number(1): Lead.Status.CONFIRMED,
        id_number(3): Lead.Status.EXCLUDED,
        id_number(10): Lead.Status.OVERDUE,
        id_number(12): Lead.Status.CLOSED,
    }
    for number, status in statuses.items():
        Lead.objects.filter(id_number=number).update(status=status)
    Lead.objects.update(created_at=datetime(2026, 3, 10, 9, tzinfo=SHANGHAI))
    # 1 February 00:30 in 济南 is still January in UTC: months are counted in local time.
    Lead.objects.filter(id_number=id_number(1)).update(
        created_at=datetime(2026, 1, 15, tzinfo=SHANGHAI)
    )
    Lead.objects.filter(id_number=id_number(2)).update(
        created_at=datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI)
    )
    return world


def charts_of(page: str) -> dict[str, Any]:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def get(world: World, username: str) -> tuple[Any, dict[str, Any]]:
    client = Client()
    client.force_login(world.users[username])
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return response, charts_of(response.content.decode())


def city_counts(charts: dict[str, Any]) -> dict[str, int]:
    return {
        name: value
        for name, value in zip(charts["city"]["names"], charts["city"]["values"], strict=True)
        if value
    }


def test_the_figures_of_the_jinan_city_procuratorate(leads: World) -> None:
    response, charts = get(leads, "jinan_head")

    assert response.context["headline"] == Headline(total=4, to_assign=2, confirmed=2, overdue=1)
    assert charts["category_status"] == {
        "categories": ["刑罚变更执行监督", "跨部门数据比对"],
        "series": [
            {"name": "待分派", "data": [1, 1]},
            {"name": "属实", "data": [1, 0]},
            {"name": "逾期未整改", "data": [0, 1]},
        ],
    }
    assert city_counts(charts) == {"济南市": 4}
    assert len(charts["city"]["names"]) == 16  # every city, with its zero
    assert charts["month"] == {"months": ["2026-01", "2026-02", "2026-03"], "values": [1, 1, 2]}
    assert charts["top_models"] == {
        "models": ["死亡人员仍在册", "减刑间隔不足"],
        "model_ids": [DEATHS_MODEL, "reduction_interval_too_short"],
        "values": [1, 1],
    }
    page = response.content.decode()
    assert '<strong id="kpi-total">4</strong>' in page
    assert '<strong id="kpi-overdue">1</strong>' in page


def test_the_figures_of_the_province(leads: World) -> None:
    response, charts = get(leads, "province_head")

    assert response.context["headline"] == Headline(total=7, to_assign=3, confirmed=3, overdue=1)
    assert charts["category_status"]["series"] == [
        {"name": "待分派", "data": [1, 2]},
        {"name": "属实", "data": [1, 0]},
        {"name": "不属实", "data": [1, 0]},
        {"name": "逾期未整改", "data": [0, 1]},
        {"name": "办结", "data": [0, 1]},
    ]
    assert city_counts(charts) == {"济南市": 4, "青岛市": 2, "未登记场所": 1}
    assert charts["month"] == {"months": ["2026-01", "2026-02", "2026-03"], "values": [1, 1, 5]}
    assert charts["top_models"]["model_ids"] == [DEATHS_MODEL, "reduction_interval_too_short"]
    assert charts["top_models"]["values"] == [2, 1]


def test_a_resident_office_sees_its_own_facility_only(leads: World) -> None:
    response, charts = get(leads, "qingdao_resident")

    assert response.context["headline"] == Headline(total=2, to_assign=0, confirmed=1, overdue=0)
    assert city_counts(charts) == {"青岛市": 2}


def test_a_unit_without_leads_sees_zeros(world: World) -> None:
    Lead.objects.update(facility_code=QINGDAO_PRISON)

    response, charts = get(world, "jinan_head")

    assert response.context["headline"] == Headline(total=0, to_assign=0, confirmed=0, overdue=0)
    assert charts["category_status"] == {"categories": [], "series": []}
    assert charts["month"] == {"months": [], "values": []}
    assert sum(charts["city"]["values"]) == 0


def test_the_figures_take_three_queries_however_many_leads(
    leads: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from zhijian.web.accounts.models import User

    user = User.objects.select_related("unit").get(username="jinan_head")
    access.visible_facility_codes(user)  # looked up once per request, before the figures

    # by category, status, facility and model; the facilities' cities; by month
    with django_assert_num_queries(3):
        count_figures(user)


def test_the_page_takes_a_fixed_number_of_queries(
    leads: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    client.force_login(leads.users["jinan_head"])
    client.get(reverse("dashboard:index"))
    sync_run(run_result([hit(serial) for serial in range(100, 140)]))
    stats.clear_cache()

    # session, user with its unit and the access stamp, the two GROUP BY queries (roles,
    # facilities and their cities are cached since the first request); the session is
    # not written again within the minute
    with django_assert_num_queries(4):
        response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200


def test_a_scopes_figures_are_kept_for_a_minute(
    leads: World,
    django_assert_num_queries: DjangoAssertNumQueries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = Client()
    client.force_login(leads.users["jinan_head"])
    first = client.get(reverse("dashboard:index"))
    sync_run(run_result([hit(serial, facility_code=JINAN_PRISON) for serial in range(100, 103)]))

    with django_assert_num_queries(2):  # session, user: the figures are those counted
        again = client.get(reverse("dashboard:index"))
    clock = stats.time.monotonic() + stats.FIGURES_SECONDS
    monkeypatch.setattr(stats.time, "monotonic", lambda: clock)
    later = client.get(reverse("dashboard:index"))

    totals = [r.context["headline"].total for r in (first, again, later)]
    assert totals == [4, 4, 7]
    assert again.context["counted_at"] == first.context["counted_at"]
    assert later.context["counted_at"] > first.context["counted_at"]
    assert "统计于" in later.content.decode()


def test_a_script_in_a_model_name_stays_inside_the_json(leads: World) -> None:
    Lead.objects.filter(model_id=DEATHS_MODEL).update(model_name="</script><script>alert(1)")

    response, charts = get(leads, "province_head")

    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert charts["top_models"]["models"][0] == "</script><script>alert(1)"


def test_the_charts_are_drawn_with_the_vendored_echarts(leads: World) -> None:
    response, _ = get(leads, "jinan_head")

    page = response.content.decode()
    assert "/static/vendor/echarts-6.1.0/echarts.min.js" in page
    assert "cdn" not in page.lower()
