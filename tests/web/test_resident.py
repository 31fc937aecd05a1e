"""The resident office's records: logs (pre-filled, submitted, amended), talks with an
inmate found in the warehouse, inspections with findings, photos and rectification,
complaints and the 7-day rule; who sees and who may write what."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from tests.web.test_resident_fixtures import (
    DAY,
    EXPECTED_COUNTS,
    HELD,
    HELD_NUMBER,
    QINGDAO_NUMBER,
    build_warehouse,
    client_for,
    write_everything,
    write_log,
)
from zhijian.web.audit.models import AuditEntry
from zhijian.web.resident import actions
from zhijian.web.resident.actions import ResidentError
from zhijian.web.resident.models import (
    Complaint,
    DailyLog,
    Inspection,
    LogRevision,
    Problem,
    ProblemPhoto,
    Rectification,
    Talk,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("resident-home"))


@pytest.fixture
def resident_world(world: World, warehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    return world


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "files"
    return tmp_path / "files"


# 检察日志 ----------------------------------------------------------------------------


def test_a_new_log_is_prefilled_from_the_warehouse(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")

    response = client.get(reverse("resident:log_new"), {"facility": JINAN_PRISON, "day": DAY})

    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form.initial[name] for name in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert "已按数据仓库" in response.content.decode()


def test_a_log_is_written_submitted_and_locked(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")
    data = {
        "facility": JINAN_PRISON,
        "day": DAY.isoformat(),
        **{name: value for name, value in EXPECTED_COUNTS.items()},
        "population": 5,  # the procurator counted one more than the data
        "areas": ["监区", "禁闭室"],
        "notes": "监管秩序正常",
    }

    response = client.post(reverse("resident:log_new"), data)

    log = DailyLog.objects.get()
    assert response.status_code == 302
    assert (log.status, log.population, log.admitted, log.areas) == (
        "草稿",
        5,
        1,
        ["监区", "禁闭室"],
    )
    assert log.prefilled == EXPECTED_COUNTS
    assert log.office == resident_world.unit("济南市人民检察院派驻测试监狱检察室")
    client.post(reverse("resident:log_submit", args=[log.pk]))
    log.refresh_from_db()
    assert log.status == "已提交"
    assert list(
        AuditEntry.objects.filter(object_type="检察日志").values_list("action", flat=True)
    ) == ["填写检察日志", "提交检察日志"]
    page = client.get(reverse("resident:log_detail", args=[log.pk])).content.decode()
    assert "（仓库 4）" in page and "更正日志" in page


def test_a_submitted_log_changes_only_by_an_amendment_that_keeps_history(
    resident_world: World,
) -> None:
    jinan = resident_world.users["jinan_resident"]
    log = actions.submit_log(write_log(resident_world), actor=jinan)
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(ResidentError, match="只能通过更正修改"):
        actions.update_log(log, {"notes": "改"}, actor=jinan)
    assert AuditEntry.objects.count() == audit_rows

    client = client_for(resident_world, "jinan_resident")
    missing_reason = client.post(
        reverse("resident:log_edit", args=[log.pk]), {"population": 6, "notes": "更正后"}
    )
    assert missing_reason.status_code == 400
    assert "这个字段是必填项" in missing_reason.content.decode()
    client.post(
        reverse("resident:log_edit", args=[log.pk]),
        {"population": 6, "notes": "更正后", "reason": "人数统计有误"},
    )

    log.refresh_from_db()
    revision = LogRevision.objects.get()
    assert (log.population, log.notes, log.version) == (6, "更正后", 2)
    assert (revision.version, revision.reason) == (1, "人数统计有误")
    assert (revision.content["population"], revision.content["notes"]) == (4, "正常")


def test_one_log_per_facility_and_day(resident_world: World) -> None:
    log = write_log(resident_world)
    with pytest.raises(ResidentError, match="已有检察日志"):
        write_log(resident_world)
    client = client_for(resident_world, "jinan_resident")
    response = client.get(reverse("resident:log_new"), {"facility": JINAN_PRISON, "day": DAY})
    assert response.status_code == 302
    assert response["Location"] == reverse("resident:log_detail", args=[log.pk])


def test_a_log_for_a_future_day_is_refused_in_chinese(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")
    response = client.get(
        reverse("resident:log_new"),
        {"facility": JINAN_PRISON, "day": str(timezone.localdate() + timedelta(days=1))},
    )
    assert "不能填写今天以后的检察日志" in response.content.decode()


def test_a_problem_added_to_a_submitted_log_is_an_amendment(resident_world: World) -> None:
    jinan = resident_world.users["jinan_resident"]
    log = actions.submit_log(write_log(resident_world), actor=jinan)
    fields = {"description": "会见室录像缺失", "handling": Problem.Handling.NOTICE}

    with pytest.raises(ResidentError, match="更正理由"):
        actions.add_log_problem(log, fields, actor=jinan)
    assert not Problem.objects.exists()
    problem = actions.add_log_problem(log, fields, actor=jinan, reason="补登当日发现问题")

    log.refresh_from_db()
    assert (problem.found_on, problem.log_id, log.version) == (DAY, log.pk, 2)
    assert LogRevision.objects.get().content["problems"] == []


# 谈话教育 ----------------------------------------------------------------------------


def talk_form(person: str, facility: str = JINAN_PRISON) -> dict[str, str]:
    return {
        "facility": facility,
        "day": DAY.isoformat(),
        "kind": Talk.Kind.INDIVIDUAL,
        "person": person,
        "subject": "了解改造情况",
        "content": "情绪稳定，无诉求",
    }


def test_a_talk_finds_the_inmate_by_inmate_number(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")

    response = client.post(reverse("resident:talk_new"), talk_form(HELD_NUMBER))

    talk = Talk.objects.get()
    assert response.status_code == 302
    assert (talk.id_number, talk.name, talk.inmate_number) == (HELD, "王守法", HELD_NUMBER)
    lookup = client.post(
        reverse("resident:inmate_lookup"), {"facility": JINAN_PRISON, "person": HELD}
    )
    assert "王守法" in lookup.content.decode()


def test_a_talk_with_someone_not_held_there_is_refused(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")

    response = client.post(reverse("resident:talk_new"), talk_form(QINGDAO_NUMBER))

    assert response.status_code == 400
    assert "未找到该身份证号或罪犯编号" in response.content.decode()
    assert not Talk.objects.exists()


def test_the_weekly_talk_rule_is_shown(resident_world: World) -> None:
    write_everything(resident_world)  # one 个别谈话 in the week of DAY
    from zhijian.web.resident.stats import talk_weeks

    office = resident_world.unit("济南市人民检察院派驻测试监狱检察室")
    weeks = talk_weeks(resident_world.users["jinan_head"], office, 3, DAY + timedelta(days=8))

    assert [(w.monday, w.individual_talks, w.met) for w in weeks] == [
        (DAY + timedelta(days=7), 0, False),
        (DAY, 1, True),
        (DAY - timedelta(days=7), 0, False),
    ]
    page = client_for(resident_world, "jinan_resident").get(reverse("resident:talk_list"))
    assert "未谈话" in page.content.decode()


# 安全防范检察、问题、照片、整改 ----------------------------------------------------------


def inspection_form(**checks: str) -> dict[str, str]:
    data = {
        "facility": JINAN_PRISON,
        "day": DAY.isoformat(),
        "kind": Inspection.Kind.HOLIDAY,
        "inspectors": "检察官甲、检察官乙",
        "summary": "节前安全大检查",
    }
    for code in (
        "walls",
        "locks",
        "windows",
        "bed_boards",
        "kitchen",
        "medicines",
        "prohibited",
        "cameras",
        "high_risk",
    ):
        data[f"check_{code}"] = "正常"
    data.update(checks)
    return data


def test_an_inspection_with_a_problem_item_needs_its_note(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")

    refused = client.post(
        reverse("resident:inspection_new"), inspection_form(check_locks="存在问题")
    )
    assert refused.status_code == 400
    assert "“监室门锁”存在问题，请写明情况" in refused.content.decode()
    client.post(
        reverse("resident:inspection_new"),
        inspection_form(check_locks="存在问题", note_locks="3监区2号监室门锁损坏"),
    )

    inspection = Inspection.objects.get()
    assert inspection.checklist["locks"] == {"result": "存在问题", "note": "3监区2号监室门锁损坏"}
    assert inspection.checklist["walls"] == {"result": "正常", "note": ""}


def test_a_finding_gets_photos_and_a_rectification(resident_world: World, media: Path) -> None:
    records = write_everything(resident_world)
    problem = records["problem"]
    client = client_for(resident_world, "jinan_resident")
    photo_url = reverse("resident:photo_add", args=[problem.pk])

    client.post(photo_url, {"image": SimpleUploadedFile("门锁.png", PNG, "image/png")})
    wrong_type = client.post(
        photo_url, {"image": SimpleUploadedFile("x.png", b"<html>", "image/png")}, follow=True
    )
    too_big = client.post(
        photo_url,
        {"image": SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024))},
        follow=True,
    )

    photo = ProblemPhoto.objects.get()
    assert (photo.original_name, photo.content_type, photo.size) == ("门锁.png", "image/png", 72)
    assert Path(photo.image.path).is_relative_to(media)
    assert "只能上传 JPG 或 PNG 格式的照片" in wrong_type.content.decode()
    assert "照片不能超过 5 MB" in too_big.content.decode()
    assert client.get(reverse("resident:photo", args=[photo.pk])).status_code == 200
    other = client_for(resident_world, "qingdao_resident")
    assert other.get(reverse("resident:photo", args=[photo.pk])).status_code == 404

    client.post(
        reverse("resident:rectification_add", args=[problem.pk]),
        {"requirement": "更换铺板", "due_date": (DAY + timedelta(days=10)).isoformat()},
    )
    item = Rectification.objects.get()
    client.post(
        reverse("resident:rectification_follow", args=[item.pk]),
        {"note": "已更换", "on": (DAY + timedelta(days=5)).isoformat(), "completed": "on"},
    )
    item.refresh_from_db()
    problem.refresh_from_db()
    assert (item.status, item.completed_on) == ("已整改", DAY + timedelta(days=5))
    assert problem.rectified_on == DAY + timedelta(days=5)


# 控告、举报、申诉 ----------------------------------------------------------------------


def test_an_investigation_clue_must_be_transferred_within_seven_days(
    resident_world: World,
) -> None:
    complaint = write_everything(resident_world)["complaint"]
    jinan = resident_world.users["jinan_resident"]

    assert complaint.number == "2025-001"
    assert complaint.transfer_due == DAY + timedelta(days=7)
    assert not complaint.transfer_overdue(DAY + timedelta(days=7))
    assert complaint.transfer_overdue(DAY + timedelta(days=8))
    late = actions.update_complaint(
        complaint,
        {"transferred_to": "检察侦查部门", "transferred_on": DAY + timedelta(days=8)},
        actor=jinan,
    )
    assert late.transfer_overdue(DAY + timedelta(days=30))
    with pytest.raises(ResidentError, match="答复日期不能早于收到日期"):
        actions.update_complaint(complaint, {"replied_on": DAY - timedelta(days=1)}, actor=jinan)


def test_complaints_are_numbered_per_office_and_year(resident_world: World) -> None:
    first = write_everything(resident_world)["complaint"]
    second = write_everything(resident_world, QINGDAO_PRISON)["complaint"]
    jinan = resident_world.users["jinan_resident"]
    third = actions.record_complaint(
        resident_world.facility(JINAN_PRISON),
        {"received_on": DAY, "kind": "申诉", "complainant": "李平安", "content": "对减刑有异议"},
        actor=jinan,
    )
    assert [first.number, second.number, third.number] == ["2025-001", "2025-001", "2025-002"]


# 访问控制 ----------------------------------------------------------------------------

DETAIL_PAGES = (
    "log_detail",
    "inspection_detail",
    "problem_detail",
    "talk_detail",
    "complaint_detail",
)
RECORD_OF_PAGE = dict(
    zip(DETAIL_PAGES, ("log", "inspection", "problem", "talk", "complaint"), strict=True)
)


@pytest.mark.parametrize("page", DETAIL_PAGES)
@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("jinan_resident", 200),
        ("jinan_head", 200),
        ("province_head", 200),
        ("qingdao_resident", 404),
        ("circuit_member", 404),
        ("modeller", 200),  # a 省院 user sees every facility
    ],
)
def test_who_sees_a_jinan_record(
    resident_world: World, page: str, username: str, status: int
) -> None:
    record = write_everything(resident_world)[RECORD_OF_PAGE[page]]
    response = client_for(resident_world, username).get(
        reverse(f"resident:{page}", args=[record.pk])
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("url_name", "username", "count"),
    [
        ("log_list", "jinan_resident", 1),
        ("log_list", "qingdao_resident", 1),
        ("log_list", "jinan_head", 1),
        ("log_list", "province_head", 2),
        ("talk_list", "qingdao_resident", 1),
        ("talk_list", "province_head", 2),
        ("complaint_list", "jinan_head", 1),
        ("inspection_list", "province_head", 2),
    ],
)
def test_lists_show_only_the_records_in_scope(
    resident_world: World, url_name: str, username: str, count: int
) -> None:
    write_everything(resident_world)
    write_everything(resident_world, QINGDAO_PRISON)
    response = client_for(resident_world, username).get(reverse(f"resident:{url_name}"))
    page = response.content.decode()
    assert page.count("山东省测试监狱") + page.count("山东省青岛测试监狱") >= count
    if username in ("jinan_resident", "jinan_head"):
        assert "山东省青岛测试监狱" not in page
    if username == "qingdao_resident":
        assert "山东省测试监狱</td>" not in page


@pytest.mark.parametrize(("username", "status"), [("qingdao_resident", 404), ("jinan_head", 403)])
def test_denied_writes_change_nothing(resident_world: World, username: str, status: int) -> None:
    records = write_everything(resident_world)
    log = records["log"]
    audit_rows = AuditEntry.objects.count()
    client = client_for(resident_world, username)

    posts = [
        (reverse("resident:log_submit", args=[log.pk]), {}),
        (reverse("resident:log_edit", args=[log.pk]), {"notes": "篡改"}),
        (
            reverse("resident:log_problem_add", args=[log.pk]),
            {"description": "x", "handling": "口头纠正"},
        ),
        (reverse("resident:problem_lead", args=[records["problem"].pk]), {}),
        (
            reverse("resident:complaint_detail", args=[records["complaint"].pk]),
            {"result": "x"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == status, url

    log.refresh_from_db()
    assert (log.status, log.notes, log.version) == ("草稿", "正常", 1)
    assert Problem.objects.count() == 1
    assert Complaint.objects.get().result == ""
    assert AuditEntry.objects.count() == audit_rows


def test_a_head_may_not_open_the_new_record_forms(resident_world: World) -> None:
    client = client_for(resident_world, "province_head")
    for name in ("log_new", "talk_new", "inspection_new", "complaint_new"):
        assert client.get(reverse(f"resident:{name}")).status_code == 403, name
    response = client.post(
        reverse("resident:log_new"), {"facility": JINAN_PRISON, "day": DAY.isoformat()}
    )
    assert response.status_code == 403
    assert not DailyLog.objects.exists()


def test_a_forged_facility_is_a_form_error(resident_world: World) -> None:
    client = client_for(resident_world, "jinan_resident")
    response = client.post(reverse("resident:talk_new"), talk_form(HELD, QINGDAO_PRISON))
    assert response.status_code == 400
    assert "请选择本院派驻的场所" in response.content.decode()
    assert not Talk.objects.exists()


def test_the_office_home_lists_leads_about_its_facility(resident_world: World) -> None:
    page = client_for(resident_world, "jinan_resident").get(reverse("resident:home"))
    content = page.content.decode()
    own, other = resident_world.leads[JINAN_PRISON], resident_world.leads[QINGDAO_PRISON]
    assert reverse("leads:detail", args=[own.pk]) in content
    assert reverse("leads:detail", args=[other.pk]) not in content
    assert "填写今日日志" in content


def test_a_problem_becomes_a_lead(resident_world: World) -> None:
    problem = write_everything(resident_world)["problem"]
    client = client_for(resident_world, "jinan_resident")

    response = client.post(reverse("resident:problem_lead", args=[problem.pk]))

    problem.refresh_from_db()
    assert problem.lead is not None
    assert response["Location"] == reverse("leads:detail", args=[problem.lead.pk])
    assert problem.lead.facility_code == JINAN_PRISON
    assert "监室铺板松动" in problem.lead.message
    again = client.post(reverse("resident:problem_lead", args=[problem.pk]), follow=True)
    assert "该问题已转为线索" in again.content.decode()


def test_a_problem_handled_as_a_lead_becomes_one_when_registered(
    resident_world: World,
) -> None:
    log = write_log(resident_world)
    client = client_for(resident_world, "jinan_resident")

    client.post(
        reverse("resident:log_problem_add", args=[log.pk]),
        {
            "description": "禁闭审批手续不全",
            "handling": "转为线索",
            "person_name": "王守法",
            "id_number": HELD,
        },
    )

    problem = Problem.objects.get()
    assert problem.lead is not None
    assert (problem.lead.id_number, problem.lead.name, problem.lead.category) == (
        HELD,
        "王守法",
        "监管执法与交付执行监督",
    )
    assert problem.lead.evidence["来源"] == f"检察日志 {DAY}"
    actions_written = AuditEntry.objects.filter(object_type__in=("发现问题", "线索")).values_list(
        "action", flat=True
    )
    assert sorted(actions_written) == sorted(["登记发现问题", "人工录入线索", "问题转为线索"])


def test_user_text_is_escaped(resident_world: World) -> None:
    log = write_log(resident_world, notes="<script>alert(1)</script>")
    page = client_for(resident_world, "jinan_resident").get(
        reverse("resident:log_detail", args=[log.pk])
    )
    assert "<script>alert(1)</script>" not in page.content.decode()
