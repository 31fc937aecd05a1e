"""What an audit row holds about a person: the masked ID number and the person key, never
the name or the whole number — enforced by ``record()`` itself, and checked over every
row a whole working session writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.hits import id_number
from tests.web.personas import JINAN_PRISON, World
from tests.web.test_resident_fixtures import (
    DAY,
    HELD,
    HELD_TOO,
    TABLES,
    build_warehouse,
    client_for,
    write_everything,
)
from zhijian.cli import main
from zhijian.law.idnumber import mask_id_number
from zhijian.web.audit.chain import record
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.actions import assign_lead, start_verification
from zhijian.web.people.keys import person_key

WHOLE_ID = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")


def names_in_the_warehouse() -> set[str]:
    names = set()
    for lines in TABLES.values():
        header = lines[0].split(",")
        for line in lines[1:]:
            names.add(line.split(",")[header.index("name")])
    return names


PERSON_NAMES = names_in_the_warehouse() | {"测试人员1", "测试人员2", "测试人员3"}


@pytest.mark.django_db
def test_record_turns_an_id_number_into_the_masked_number_and_the_person_key() -> None:
    number, other = id_number(7), id_number(8)

    entry = record(
        None,
        "测试操作",
        object_type="人员",
        object_id=f"查询 {number}",
        detail={
            "id_number": number,
            "name": "测试人员7",
            "reason": f"核对{number}与 {other[:15]} 的记录",
            "complainant_id_number": other,
            "nested": {"id_number": other, "full_name": "某某", "items": [number, 3]},
            "empty_id_number": "",
            "query": "select * from judgments where id_number = '370102800101001'",
        },
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.object_id == f"查询 {mask_id_number(number)}"
    assert stored.detail == {
        "id_masked": mask_id_number(number),
        "person_key": person_key(number),
        "reason": f"核对{mask_id_number(number)}与 {mask_id_number(other[:15])} 的记录",
        "complainant_id_masked": mask_id_number(other),
        "complainant_person_key": person_key(other),
        "nested": {
            "id_masked": mask_id_number(other),
            "person_key": person_key(other),
            "items": [mask_id_number(number), 3],
        },
        "query": "select * from judgments where id_number = '370102*****1001'",
    }


@pytest.mark.django_db
def test_longer_or_shorter_numbers_are_not_taken_for_id_numbers() -> None:
    text = "批次 2026120500001 电话 13800138000 卡号 6222021234567890123 编号 1234567890123456"

    entry = record(None, "测试操作", detail={"note": text})

    assert AuditEntry.objects.get(pk=entry.pk).detail == {"note": text}


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("audit-privacy-home"))


def test_no_audit_row_of_a_working_session_holds_a_whole_number_or_a_name(
    world: World,
    warehouse_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    records = write_everything(world)
    resident = client_for(world, "jinan_resident")
    lead = world.leads[JINAN_PRISON]
    # A procurator's day: leads, a person, a talk, the resident records, a search.
    resident.get(reverse("leads:detail", args=[lead.pk]))
    assign_lead(lead, world.users["jinan_resident"], actor=world.users["jinan_head"])
    lead.refresh_from_db()
    start_verification(lead, actor=world.users["jinan_resident"], reason=f"核对 {HELD}")
    resident.post(reverse("people:search"), {"query": HELD})
    resident.post(reverse("people:search"), {"query": "王守法"})
    resident.get(reverse("people:detail", kwargs={"key": person_key(HELD)}))
    resident.post(reverse("resident:inmate_lookup"), {"facility": JINAN_PRISON, "person": HELD_TOO})
    talk = {"facility": JINAN_PRISON, "day": DAY, "kind": "个别谈话", "person": HELD_TOO}
    resident.post(reverse("resident:talk_new"), {**talk, "subject": "了解情况", "content": "无"})
    for name in ("talk_list", "complaint_list"):
        resident.get(reverse(f"resident:{name}"))
    for name, kind in (("talk_detail", "talk"), ("complaint_detail", "complaint")):
        resident.get(reverse(f"resident:{name}", args=[records[kind].pk]))
    resident.get(reverse("resident:problem_detail", args=[records["problem"].pk]))
    # The command line: a query naming a person, and the rejected rows.
    query = f"select name, id_number from custody_records where id_number = '{HELD}'"
    assert main(["data", "sql", query]) == 0
    assert "王守法" in capsys.readouterr().out  # the look was shown, and audited
    assert main(["data", "rejected", "--all"]) == 0

    rows = list(AuditEntry.objects.order_by("pk").values())
    actions = {row["action"] for row in rows}
    assert {"查看线索", "线索开始核查", "查询人员", "查看人员档案", "查找在押人员"} <= actions
    assert {"登记谈话", "查看谈话记录", "查看谈话记录列表", "查看控告举报申诉"} <= actions
    assert {"查看发现问题", "数据仓库查询", "查看拒收记录"} <= actions
    text = "\n".join(json.dumps(row, ensure_ascii=False, default=str) for row in rows)
    assert WHOLE_ID.findall(text) == []
    assert [name for name in PERSON_NAMES if name in text] == []
    assert mask_id_number(HELD) in text and person_key(HELD) in text

    # And the audit page that shows them.
    admin = Client()
    admin.force_login(world.users["admin"])
    page = admin.get(reverse("audit:list")).content.decode()
    assert WHOLE_ID.findall(page) == []
    assert [name for name in PERSON_NAMES if name in page] == []
    assert mask_id_number(HELD) in page
