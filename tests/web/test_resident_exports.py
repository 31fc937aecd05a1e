"""The 一志八表 workbook and the monthly report, read back with openpyxl and python-docx,
and the statistics page per office, city and province."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from tests.web.test_resident_fixtures import (
    DAY,
    build_warehouse,
    client_for,
    write_everything,
    write_log,
)
from zhijian.web.audit.models import AuditEntry
from zhijian.web.resident import actions
from zhijian.web.resident.exports import XLSX
from zhijian.web.resident.models import Problem
from zhijian.web.resident.stats import working_days

JUNE = "2025-06"


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("resident-exports-home"))


@pytest.fixture
def resident_world(world: World, warehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    return world


def submitted_logs(world: World, days: list[date], code: str = JINAN_PRISON) -> None:
    actor = world.users["jinan_resident" if code == JINAN_PRISON else "qingdao_resident"]
    for day in days:
        actions.submit_log(write_log(world, day, code=code), actor=actor)


def test_the_registers_workbook_holds_the_records_in_the_register_layout(
    resident_world: World,
) -> None:
    records = write_everything(resident_world)
    jinan = resident_world.users["jinan_resident"]
    actions.add_log_problem(
        records["log"],
        {"description": '=HYPERLINK("x")', "handling": Problem.Handling.NOTICE},
        actor=jinan,
    )
    client = client_for(resident_world, "jinan_head")

    response = client.get(
        reverse("resident:reports"), {"facility": JINAN_PRISON, "month": JUNE, "kind": "registers"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "监狱检察日志",
        "监外执行罪犯出监告知表",
        "监狱提请减刑不当情况登记表",
        "监狱提请假释情况登记表",
        "监狱呈报暂予监外执行情况登记表",
        "重大事故登记表",
        "控告举报和申诉登记表",
        "检察纠正违法情况登记表",
        "严重违法情况登记表",
        "安全防范检察登记",
        "谈话教育登记",
    ]
    log_sheet = book["监狱检察日志"]
    assert log_sheet["A1"].value == "监狱检察日志"
    assert log_sheet["A2"].value == "派驻场所：山东省测试监狱"
    header = [cell.value for cell in log_sheet[3]]
    assert header[:3] == ["日期", "在押（在册）人数", "收押"]
    row = [cell.value for cell in log_sheet[4]]
    assert (row[0].date(), row[1], row[-3], row[-2], row[-1]) == (
        DAY,
        4,
        "济南派驻检察官",
        "草稿",
        1,
    )
    assert row[header.index("发现问题及处理")] == '=HYPERLINK("x")（纠正违法）'
    complaints = book["控告举报和申诉登记表"]
    complaint_row = [cell.value for cell in complaints[4]]
    assert complaint_row[:3] == ["2025-001", complaint_row[1], "控告"]
    assert complaint_row[1].date() == DAY
    assert complaint_row[5:7][0] == "是"
    assert complaint_row[6].date() == DAY + timedelta(days=7)
    corrections = book["检察纠正违法情况登记表"]
    rows = [[c.value for c in r] for r in corrections.iter_rows(min_row=4, max_row=5)]
    assert [(r[0], r[3], r[4]) for r in rows] == [
        (1, "监室铺板松动", "口头纠正"),
        (2, '=HYPERLINK("x")', "纠正违法"),
    ]
    assert corrections.cell(5, 4).data_type == "s"  # text, not a formula
    talks = book["谈话教育登记"]
    assert [c.value for c in talks[4]][1:4] == ["个别谈话", "王守法", None]
    assert AuditEntry.objects.filter(action="导出派驻检察台账", object_id=JINAN_PRISON).count() == 1


def test_the_monthly_report_counts_the_month(resident_world: World) -> None:
    write_everything(resident_world)
    submitted_logs(resident_world, [DAY + timedelta(days=1), DAY + timedelta(days=2)])
    client = client_for(resident_world, "jinan_resident")

    response = client.get(
        reverse("resident:reports"), {"facility": JINAN_PRISON, "month": JUNE, "kind": "monthly"}
    )

    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "济南市人民检察院派驻测试监狱检察室" in text
    assert "派驻检察工作月报（2025年6月）" in text
    assert "本月填写检察日志2篇，在场所检察2个工作日（本月共21个工作日），未达到" in text
    assert "本月开展安全防范检察1次" in text
    assert "本月谈话教育1人次，其中个别谈话1人次" in text
    assert "案件线索1件" in text
    assert "1. 06月02日（安全防范检察）监室铺板松动——口头纠正" in text


def test_another_office_cannot_export_the_registers(resident_world: World) -> None:
    client = client_for(resident_world, "qingdao_resident")
    response = client.get(
        reverse("resident:reports"), {"facility": JINAN_PRISON, "month": JUNE, "kind": "registers"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "请选择场所和月份" in response.content.decode()


def june_working_days(count: int) -> list[date]:
    return working_days(date(2025, 6, 1), date(2025, 6, 30))[:count]


def test_statistics_count_per_office_city_and_province(resident_world: World) -> None:
    jinan_log = write_everything(resident_world)["log"]
    actions.submit_log(jinan_log, actor=resident_world.users["jinan_resident"])
    submitted_logs(resident_world, june_working_days(17)[1:])
    write_everything(resident_world, QINGDAO_PRISON)  # its log stays a draft: not counted
    submitted_logs(resident_world, june_working_days(3)[1:], QINGDAO_PRISON)
    params = {"start": "2025-06-01", "end": "2025-06-30"}

    response = client_for(resident_world, "province_head").get(
        reverse("resident:statistics"), params
    )

    result = response.context["result"]
    by_office = {row.label: row for row in result.offices}
    jinan = by_office["济南市人民检察院派驻测试监狱检察室"]
    qingdao = by_office["青岛市人民检察院派驻青岛测试监狱检察室"]
    assert (jinan.counts["logs"], jinan.days_on_site) == (17, {JUNE: 17})
    assert (qingdao.counts["logs"], qingdao.days_on_site) == (2, {JUNE: 2})
    assert qingdao.months_below_goal == [JUNE] and jinan.months_below_goal == []
    assert {r.label: r.counts["logs"] for r in result.cities} == {
        "济南市人民检察院小计": 17,
        "青岛市人民检察院小计": 2,
    }
    total = result.total.counts
    assert (total["logs"], total["inspections"], total["talks"], total["complaints"]) == (
        19,
        2,
        2,
        2,
    )
    assert (total["problems"], total["rectified"]) == (2, 0)
    page = response.content.decode()
    assert 'id="total-logs">19<' in page
    assert "第五十一条（未核对原文）" in page
    assert 'id="resident-stats"' in page


def test_an_office_counts_only_its_own_records(resident_world: World) -> None:
    write_everything(resident_world, JINAN_PRISON)
    write_everything(resident_world, QINGDAO_PRISON)
    params = {"start": "2025-06-01", "end": "2025-06-30"}

    response = client_for(resident_world, "qingdao_resident").get(
        reverse("resident:statistics"), params
    )

    result = response.context["result"]
    assert [row.label for row in result.offices] == ["青岛市人民检察院派驻青岛测试监狱检察室"]
    assert result.total.counts["talks"] == 1


def test_a_city_head_may_not_pick_another_city(resident_world: World) -> None:
    qingdao = resident_world.unit("青岛市人民检察院")
    response = client_for(resident_world, "jinan_head").get(
        reverse("resident:statistics"), {"unit": qingdao.pk}
    )
    assert response.status_code == 400
    assert response.context["result"] is None
