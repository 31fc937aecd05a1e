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

from tests.web.hits import id_number
from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from tests.web.test_resident_fixtures import (
    DAY,
    build_warehouse,
    client_for,
    write_everything,
    write_log,
)
from zhijian.supervision.spec import LIBRARY, load_spec
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.models import Lead
from zhijian.web.resident import actions
from zhijian.web.resident.exports import (
    NO_DATA,
    XLSX,
    Period,
    reduction_model_ids,
    registers_workbook,
)
from zhijian.web.resident.models import Problem
from zhijian.web.resident.stats import working_days

JUNE = "2025-06"
PAROLED = id_number(201)  # 假释: proposed and granted in June, case at 历下区
PAROLED_UNDATED = id_number(202)  # 假释 without a proposal date, granted in June
PAROLED_EARLIER = id_number(203)  # 假释 proposed in May, granted in June
ON_LEAVE = id_number(204)  # 暂予监外执行 proposed and decided in June, no case yet
REDUCED = id_number(205)  # 减刑 proposed in June: in none of these registers
PAROLED_JULY = id_number(206)  # 假释 proposed in July
PAROLED_QINGDAO = id_number(207)  # proposed by another facility
SENTENCE_TABLES: dict[str, list[str]] = {
    "sentence_changes": [
        "change_id,id_number,name,judgment_id,facility_code,change_type,proposal_date,decision_date,"
        "decided_by,reduction_months,parole_months,medical_reason",
        f"X1,{PAROLED},吴假释,J1,{JINAN_PRISON},假释,2025-06-05,2025-06-20,济南市中级人民法院,,24,",
        f"X2,{PAROLED_UNDATED},郑无日,J2,{JINAN_PRISON},假释,,2025-06-10,济南市中级人民法院,,12,",
        f"X3,{PAROLED_EARLIER},冯五月,J3,{JINAN_PRISON},假释,2025-05-20,2025-06-03,"
        "济南市中级人民法院,,6,",
        f"X4,{ON_LEAVE},陈保外,J4,{JINAN_PRISON},暂予监外执行,2025-06-08,2025-06-25,"
        "山东省监狱管理局,,,严重疾病",
        f"X5,{REDUCED},褚减刑,J5,{JINAN_PRISON},减刑,2025-06-09,2025-06-26,济南市中级人民法院,6,,",
        f"X6,{PAROLED_JULY},卫七月,J6,{JINAN_PRISON},假释,2025-07-01,2025-07-20,"
        "济南市中级人民法院,,12,",
        f"X7,{PAROLED_QINGDAO},蒋青岛,J7,{QINGDAO_PRISON},假释,2025-06-05,2025-06-20,"
        "青岛市中级人民法院,,12,",
    ],
    "community_corrections": [
        "case_id,id_number,name,correction_type,agency_region_code,change_id,"
        "decision_effective_date,status",
        f"K1,{PAROLED},吴假释,假释,370102,X1,2025-06-20,在矫",
        # No change id: found by person and kind.
        f"K2,{PAROLED_UNDATED},郑无日,假释,370103,,2025-06-10,在矫",
        f"K3,{PAROLED_EARLIER},冯五月,假释,370102,X3,2025-06-03,在矫",
    ],
}


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = build_warehouse(tmp_path_factory.mktemp("resident-exports-home"))
    workspace = Workspace(home)
    for dataset, lines in SENTENCE_TABLES.items():
        path = home / f"{dataset}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary = import_file(dataset, path, workspace=workspace)
        assert summary.rejected == 0, (dataset, summary)
    return home


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


def reduction_lead(serial: int, model_id: str, status: str, as_of: date, **fields: object) -> Lead:
    values: dict[str, object] = {
        "fingerprint": f"fp-{serial}",
        "model_id": model_id,
        "model_name": model_id,
        "category": "刑罚变更执行监督",
        "severity": "高",
        "id_number": id_number(serial),
        "name": f"线索人员{serial}",
        "facility_code": JINAN_PRISON,
        "status": status,
        "evidence": {"proposal_date": "2025-06-04"},
        "message": f"线索{serial}",
        "as_of": as_of,
    }
    return Lead.objects.create(**{**values, **fields})


def sheet_rows(book: object, title: str) -> list[list[object]]:
    sheet = book[title]  # type: ignore[index]
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]


def as_dates(row: list[object]) -> list[object]:
    return [value.date() if hasattr(value, "date") else value for value in row]


SENTENCE_REGISTERS = (
    "监外执行罪犯出监告知表",
    "监狱提请减刑不当情况登记表",
    "监狱提请假释情况登记表",
    "监狱呈报暂予监外执行情况登记表",
)


def test_the_reduction_models_are_the_librarys_models_of_reduction() -> None:
    names = {
        path.stem: load_spec(path).name
        for path in sorted((LIBRARY / "sentence_changes").glob("*.yml"))
    }
    assert set(reduction_model_ids()) == {i for i, name in names.items() if "减刑" in name}
    assert "reduction_timing_amount" in reduction_model_ids()
    assert "parole_prohibited" not in reduction_model_ids()


def test_the_sentence_change_registers_hold_the_facilitys_changes_and_leads(
    resident_world: World,
) -> None:
    june = date(2025, 6, 30)
    reduction_lead(
        301,
        "reduction_timing_amount",
        Lead.Status.SUPERVISING,
        june,
        measure=Lead.Measure.NOTICE,
        message='=HYPERLINK("x")减刑间隔不足一年',
    )
    reduction_lead(302, "property_unpaid_reduction", Lead.Status.CONFIRMED, june)
    reduction_lead(303, "property_unpaid_reduction", Lead.Status.VERIFYING, june)  # not verified
    reduction_lead(304, "reduction_timing_amount", Lead.Status.EXCLUDED, june)  # 不属实
    reduction_lead(305, "parole_prohibited", Lead.Status.CONFIRMED, june)  # not 减刑
    reduction_lead(306, "reduction_timing_amount", Lead.Status.CLOSED, date(2025, 3, 31))
    reduction_lead(
        307, "reduction_timing_amount", Lead.Status.CONFIRMED, june, facility_code=QINGDAO_PRISON
    )
    period = Period(resident_world.facility(JINAN_PRISON), date(2025, 6, 1), date(2025, 6, 30))

    book = load_workbook(io.BytesIO(registers_workbook(period)))

    departures = sheet_rows(book, "监外执行罪犯出监告知表")
    assert [c.value for c in book["监外执行罪犯出监告知表"][3]] == [
        "序号",
        "姓名",
        "身份证号",
        "出监日期",
        "执行地",
        "告知日期",
    ]
    assert [as_dates(r) for r in departures[:4]] == [
        [1, "冯五月", PAROLED_EARLIER, date(2025, 6, 3), "济南市历下区", None],
        [2, "郑无日", PAROLED_UNDATED, date(2025, 6, 10), "济南市市中区", None],
        [3, "吴假释", PAROLED, date(2025, 6, 20), "济南市历下区", None],
        [4, "陈保外", ON_LEAVE, date(2025, 6, 25), None, None],
    ]
    assert "出监日期按裁定、决定日期填写" in str(departures[4][0])
    paroles = sheet_rows(book, "监狱提请假释情况登记表")
    assert [as_dates(r) for r in paroles[:2]] == [
        [
            1,
            "吴假释",
            PAROLED,
            date(2025, 6, 5),
            None,
            "准予假释，考验期24个月（济南市中级人民法院 2025-06-20）",
        ],
        [
            2,
            "郑无日",
            PAROLED_UNDATED,
            None,
            None,
            "准予假释，考验期12个月（济南市中级人民法院 2025-06-10）",
        ],
    ]
    assert str(paroles[2][0]).startswith("数据来源")
    temporary = sheet_rows(book, "监狱呈报暂予监外执行情况登记表")
    assert as_dates(temporary[0]) == [1, "陈保外", ON_LEAVE, date(2025, 6, 8), "严重疾病", None]
    assert str(temporary[1][0]).startswith("数据来源")
    reductions = sheet_rows(book, "监狱提请减刑不当情况登记表")
    assert [as_dates(r) for r in reductions[:2]] == [
        [
            1,
            "线索人员301",
            id_number(301),
            date(2025, 6, 4),
            '=HYPERLINK("x")减刑间隔不足一年',
            "纠正违法通知书（监督中）",
        ],
        [2, "线索人员302", id_number(302), date(2025, 6, 4), "线索302", "属实"],
    ]
    assert book["监狱提请减刑不当情况登记表"].cell(4, 5).data_type == "s"  # not a formula
    assert str(reductions[2][0]).startswith("数据来源")


def test_the_sentence_change_registers_of_a_facility_without_data_say_so(
    resident_world: World,
) -> None:
    period = Period(resident_world.facility(QINGDAO_PRISON), date(2025, 7, 1), date(2025, 7, 31))

    book = load_workbook(io.BytesIO(registers_workbook(period)))

    for title in SENTENCE_REGISTERS:
        rows = sheet_rows(book, title)
        assert len(rows) == 2, title  # the note, then the source of the names
        assert str(rows[0][0]).startswith(NO_DATA), title
        assert "暂未在本系统中登记" not in str(rows[0][0]), title
    assert "暂未在本系统中登记" in str(sheet_rows(book, "严重违法情况登记表")[0][0])
