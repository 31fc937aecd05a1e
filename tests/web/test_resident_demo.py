"""``zhijian demo`` fills months of resident work for the demo offices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from tests.web.personas import World
from tests.web.test_resident_fixtures import build_warehouse, client_for
from zhijian.web.resident.demo import fill
from zhijian.web.resident.models import DailyLog, Inspection, Talk

AS_OF = date(2025, 6, 30)


def test_the_demo_fills_three_months_for_each_demo_office(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIJIAN_HOME", str(build_warehouse(tmp_path / "home")))
    said: list[str] = []

    fill(AS_OF, say=said.append)

    jinan = world.unit("济南市人民检察院派驻测试监狱检察室")
    logs = DailyLog.objects.filter(office=jinan)
    assert logs.count() == 18 + 17 + 19  # April, May, June 2025
    assert set(logs.values_list("status", flat=True)) == {"已提交"}
    # Pre-filled from the warehouse: four people held before 2 June, four after it.
    assert set(logs.values_list("population", flat=True)) == {4}
    assert Talk.objects.filter(office=jinan, kind="个别谈话").exists()
    assert Inspection.objects.filter(office=jinan).count() == 6
    assert said == [
        "    济南市人民检察院派驻测试监狱检察室：检察日志 54 篇",
        "    青岛市人民检察院派驻青岛测试监狱检察室：检察日志 47 篇",
    ]
    # With no period chosen the page counts the year of the latest log.
    page = client_for(world, "province_head").get(reverse("resident:statistics"))
    result = page.context["result"]
    assert (result.start, result.total.counts["logs"]) == (date(2025, 1, 1), 101)
    qingdao = next(row for row in result.offices if row.label.startswith("青岛"))
    assert qingdao.months_below_goal == ["2025-05"]
