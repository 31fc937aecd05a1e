"""Shared set-up of the resident tests: a small warehouse around one day at JN-JY01, and
helpers that write records through the actions as the 济南 resident procurator.

The warehouse (imported from CSV through the real importer) holds, for ``DAY`` at
JN-JY01: two people held since 2025, 新收押 ``NEWCOMER``, ``MOVER`` transferred in by
移押 from JN-KSS that day, ``RELEASED`` (刑满释放) and ``OUT_ON_LEAVE`` (暂予监外执行)
leaving that day, and one 出所就医 event: population 4 at the end of the day. ``HELD``
has inmate number ``HELD_NUMBER``. ``QINGDAO_INMATE`` is held at QD-JY01.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.test import Client

from tests.web.hits import id_number
from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace
from zhijian.web.resident import actions
from zhijian.web.resident.models import Complaint, DailyLog, Inspection, Problem, Talk

DAY = date(2025, 6, 2)  # a Monday
HELD = id_number(101)
HELD_NUMBER = "3701000101"
HELD_TOO = id_number(102)
NEWCOMER = id_number(103)
MOVER = id_number(104)
RELEASED = id_number(105)
OUT_ON_LEAVE = id_number(106)
QINGDAO_INMATE = id_number(107)
QINGDAO_NUMBER = "3702000107"
EXPECTED_COUNTS = {
    "population": 4,
    "admitted": 1,
    "released": 1,
    "transferred_in": 1,
    "transferred_out": 0,
    "deaths": 0,
    "escapes": 0,
    "temporary_release": 1,
    "outside_medical": 1,
}

TABLES: dict[str, list[str]] = {
    "custody_records": [
        "record_id,facility_code,id_number,name,inmate_number,custody_type,admission_date,"
        "release_date,release_reason,status",
        f"R1,{JINAN_PRISON},{HELD},王守法,{HELD_NUMBER},服刑,2025-01-06,,,在押",
        f"R2,{JINAN_PRISON},{HELD_TOO},李平安,3701000102,服刑,2025-02-03,,,在押",
        f"R3,{JINAN_PRISON},{NEWCOMER},赵新收,3701000103,服刑,{DAY},,,在押",
        f"R4,JN-KSS,{MOVER},钱移押,,未决羁押,2025-03-03,{DAY},移押,已出所",
        f"R5,{JINAN_PRISON},{MOVER},钱移押,3701000104,服刑,{DAY},,,在押",
        f"R6,{JINAN_PRISON},{RELEASED},孙期满,3701000105,服刑,2022-01-04,{DAY},刑满释放,已出所",
        f"R7,{JINAN_PRISON},{OUT_ON_LEAVE},周保外,3701000106,服刑,2023-01-04,{DAY},"
        "暂予监外执行,已出所",
        f"R8,{QINGDAO_PRISON},{QINGDAO_INMATE},吴青岛,{QINGDAO_NUMBER},服刑,2024-01-02,,,在押",
    ],
    "custody_events": [
        "event_id,facility_code,id_number,name,event_type,start_time,end_time,area_type",
        f"E1,{JINAN_PRISON},{HELD},王守法,出所就医,{DAY} 09:00:00,{DAY} 15:00:00,医务室",
    ],
}


def build_warehouse(home: Path) -> Path:
    workspace = Workspace(home)
    workspace.init()
    for dataset, lines in TABLES.items():
        path = home / f"{dataset}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary = import_file(dataset, path, workspace=workspace)
        assert summary.rejected == 0, (dataset, summary)
    return home


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def write_log(
    world: World, day: date = DAY, *, code: str = JINAN_PRISON, **fields: Any
) -> DailyLog:
    username = "jinan_resident" if code == JINAN_PRISON else "qingdao_resident"
    return actions.create_log(
        world.facility(code),
        day,
        {"population": 4, "notes": "正常", **fields},
        prefilled={},
        actor=world.users[username],
    )


def write_everything(world: World, code: str = JINAN_PRISON) -> dict[str, Any]:
    """One record of each kind at the facility, written by its office's procurator."""
    actor = world.users["jinan_resident" if code == JINAN_PRISON else "qingdao_resident"]
    facility = world.facility(code)
    log = write_log(world, code=code)
    inspection = actions.create_inspection(
        facility,
        {"day": DAY, "kind": Inspection.Kind.HOLIDAY, "inspectors": "检察官甲", "checklist": {}},
        actor=actor,
    )
    problem = actions.add_inspection_problem(
        inspection,
        {"description": "监室铺板松动", "handling": Problem.Handling.ORAL, "category": "铺板"},
        actor=actor,
    )
    talk = actions.record_talk(
        facility,
        {
            "day": DAY,
            "kind": Talk.Kind.INDIVIDUAL,
            "id_number": HELD,
            "name": "王守法",
            "subject": "了解改造情况",
            "content": "情绪稳定",
        },
        actor=actor,
    )
    complaint = actions.record_complaint(
        facility,
        {
            "received_on": DAY,
            "kind": Complaint.Kind.ACCUSATION,
            "complainant": "王守法",
            "content": "反映民警体罚",
            "is_investigation_clue": True,
        },
        actor=actor,
    )
    return {
        "log": log,
        "inspection": inspection,
        "problem": problem,
        "talk": talk,
        "complaint": complaint,
    }
