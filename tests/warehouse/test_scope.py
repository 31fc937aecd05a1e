"""Write scope: a unit's uploader writes only the rows of the facilities and regions its
unit supervises. The attacks of issue 12, each refused: another city's row, overwriting
another city's record (as released, or moved into one's own facility), pulling another
city's prisoner into one's own facility, and a province-wide dataset; with exact counts,
reasons, and the tables unchanged.

The facilities are the web personas' (``tests.web.personas``): 济南 supervises JN-JY01,
青岛 QD-JY01."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.personas import FACILITIES, JINAN_PRISON, QINGDAO_PRISON
from zhijian.law.idnumber import checksum_char
from zhijian.warehouse import storage
from zhijian.warehouse.compute import run_query
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.scope import WriteScope
from zhijian.warehouse.workspace import Workspace

QINGDAO = WriteScope(
    who="qingdao_resident（青岛市人民检察院）",
    facility_codes=frozenset({QINGDAO_PRISON}),
    region_prefixes=frozenset({"3702"}),
)
CUSTODY_HEADER = (
    "record_id,facility_code,id_number,name,custody_type,admission_date,release_date,status"
)
NOT_OURS = "不在qingdao_resident（青岛市人民检察院）的监督范围内"


def person(n: int) -> str:
    body = f"37010219700101{n:03d}"
    return body + checksum_char(body)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace holding the personas' facilities and two 济南 prisoners (persons 1
    and 2, in custody at JN-JY01 since 2023-01-01), imported on the command line."""
    ws = Workspace(tmp_path / "home")
    header = "facility_code,name,facility_type,region_code"
    rows = [
        f"{f['facility_code']},{f['name']},{f['facility_type']},{f['region_code']}"
        for f in FACILITIES
    ]
    import_file("facilities", write_csv(tmp_path / "f.csv", header, rows), workspace=ws)
    custody = [
        f"JN1,{JINAN_PRISON},{person(1)},甲,服刑,2023-01-01,,在押",
        f"JN2,{JINAN_PRISON},{person(2)},乙,服刑,2023-01-01,2024-06-30,已出所",
    ]
    import_file(
        "custody_records",
        write_csv(tmp_path / "jinan.csv", CUSTODY_HEADER, custody),
        workspace=ws,
        source="济南监狱系统",
    )
    return ws


def custody(ws: Workspace) -> list[tuple[object, ...]]:
    return run_query(
        "SELECT record_id, facility_code, id_number, status FROM custody_records ORDER BY 1", ws
    )[1]


def issues(ws: Workspace, batch_id: str) -> list[tuple[object, ...]]:
    return run_query(
        "SELECT row_number, column_name, value, reason, action FROM _row_issues "
        "WHERE batch_id = ? ORDER BY row_number, column_name",
        ws,
        [batch_id],
    )[1]


JINAN_ROWS = [
    ("JN1", JINAN_PRISON, person(1), "在押"),
    ("JN2", JINAN_PRISON, person(2), "已出所"),
]


def test_rows_of_another_citys_facility_are_rejected(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        f"QD1,{QINGDAO_PRISON},{person(10)},丙,服刑,2024-01-01,,在押",
        f"JN9,{JINAN_PRISON},{person(11)},丁,服刑,2024-01-01,,在押",
    ]
    summary = import_file(
        "custody_records",
        write_csv(tmp_path / "qd.csv", CUSTODY_HEADER, rows),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.received, summary.inserted, summary.rejected) == (2, 1, 1)
    assert summary.uploader == QINGDAO.who
    assert issues(workspace, summary.batch_id) == [
        (
            3,
            "facility_code",
            JINAN_PRISON,
            f"场所 {JINAN_PRISON}（山东省测试监狱）{NOT_OURS}，不能写入；"
            "如确需写入，请由省院或该场所的监督单位导入",
            "拒收",
        )
    ]
    assert custody(workspace) == [*JINAN_ROWS, ("QD1", QINGDAO_PRISON, person(10), "在押")]
    logged = run_query(
        "SELECT uploader, received, inserted, rejected FROM _import_batches WHERE batch_id = ?",
        workspace,
        [summary.batch_id],
    )[1]
    assert logged == [(QINGDAO.who, 2, 1, 1)]


@pytest.mark.parametrize(
    ("row", "why"),
    [
        # Marks another city's inmate as released.
        (f"JN1,{JINAN_PRISON},{person(1)},甲,服刑,2023-01-01,2024-01-01,已出所", "own"),
        # Moves another city's record into one's own facility.
        (f"JN1,{QINGDAO_PRISON},{person(1)},甲,服刑,2023-01-01,,在押", "overwrite"),
    ],
)
def test_another_citys_record_cannot_be_rewritten(
    workspace: Workspace, tmp_path: Path, row: str, why: str
) -> None:
    version = storage.table_version(workspace.table_path("custody_records"))
    summary = import_file(
        "custody_records",
        write_csv(tmp_path / "qd.csv", CUSTODY_HEADER, [row]),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.received, summary.inserted, summary.updated, summary.rejected) == (1, 0, 0, 1)
    [(row_number, column, value, reason, action)] = issues(workspace, summary.batch_id)
    assert (row_number, action) == (2, "拒收")
    if why == "own":
        assert (column, value) == ("facility_code", JINAN_PRISON)
    else:
        assert (column, value) == ("record_id", "JN1")
        assert reason == (
            f"该记录属于场所 {JINAN_PRISON}（山东省测试监狱），{NOT_OURS}，不能改写；"
            "如确需改写，请由省院或该场所的监督单位导入"
        )
    assert custody(workspace) == JINAN_ROWS
    assert storage.table_version(workspace.table_path("custody_records")) == version


def test_a_prisoner_held_by_another_city_cannot_be_placed_in_ones_own_facility(
    workspace: Workspace, tmp_path: Path
) -> None:
    rows = [
        # Person 1 is held at JN-JY01 since 2023-01-01, open-ended: any later start overlaps.
        f"QD1,{QINGDAO_PRISON},{person(1)},甲,服刑,2024-03-01,,在押",
        # Person 2 was held at JN-JY01 until 2024-06-30 (exclusive): ends before it starts.
        f"QD2,{QINGDAO_PRISON},{person(2)},乙,服刑,2022-01-01,2023-01-01,已出所",
        # … and from the day it ended.
        f"QD3,{QINGDAO_PRISON},{person(2)},乙,服刑,2024-06-30,,在押",
        # … but not the day before.
        f"QD4,{QINGDAO_PRISON},{person(2)},乙,服刑,2024-06-29,2024-06-30,已出所",
    ]
    summary = import_file(
        "custody_records",
        write_csv(tmp_path / "qd.csv", CUSTODY_HEADER, rows),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.received, summary.inserted, summary.rejected) == (4, 2, 2)
    place = f"场所 {JINAN_PRISON}（山东省测试监狱）"
    tail = "一人不能同时在两地羁押；请由省院或该场所的监督单位核实"
    assert issues(workspace, summary.batch_id) == [
        (
            2,
            "id_number",
            person(1),
            f"该人员同期在{place}羁押（记录 JN1，2023-01-01起），{tail}",
            "拒收",
        ),
        (
            5,
            "id_number",
            person(2),
            f"该人员同期在{place}羁押（记录 JN2，2023-01-01起），{tail}",
            "拒收",
        ),
    ]
    stored = [r[0] for r in custody(workspace)]
    assert stored == ["JN1", "JN2", "QD2", "QD3"]


def test_the_province_writes_everything(workspace: Workspace, tmp_path: Path) -> None:
    province = WriteScope("province_head（山东省人民检察院）", None, None)
    rows = [f"JN1,{JINAN_PRISON},{person(1)},甲,服刑,2023-01-01,2024-01-01,已出所"]
    summary = import_file(
        "custody_records",
        write_csv(tmp_path / "p.csv", CUSTODY_HEADER, rows),
        workspace=workspace,
        scope=province,
    )
    assert (summary.updated, summary.rejected) == (1, 0)
    assert custody(workspace)[0] == ("JN1", JINAN_PRISON, person(1), "已出所")


def test_a_province_wide_dataset_is_refused_whole(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "deaths.csv",
        "身份证号,姓名,死亡日期,来源",
        [f"{person(1)},甲,2024-05-01,民政火化"],
    )
    with pytest.raises(WarehouseError) as refused:
        import_file("deaths", path, workspace=workspace, scope=QINGDAO)
    message = (
        "qingdao_resident（青岛市人民检察院）不能导入 deaths（死亡登记）：该数据集为全省参考数据"
        "或其他机关的全省数据，只能由省院或登记为该数据来源的报送单位导入；请将文件交省院导入"
    )
    assert str(refused.value) == message
    assert storage.open_table(workspace.table_path("deaths")) is None
    assert list(workspace.staging.iterdir()) == []
    logged = run_query(
        "SELECT status, message, uploader FROM _import_batches WHERE dataset = 'deaths'", workspace
    )[1]
    assert logged == [("失败", message, QINGDAO.who)]
    registered = WriteScope(QINGDAO.who, QINGDAO.facility_codes, None, frozenset({"deaths"}))
    summary = import_file("deaths", path, workspace=workspace, scope=registered)
    assert (summary.inserted, summary.rejected) == (1, 0)


def test_reference_data_is_the_provinces(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        "facility_code,name,facility_type,region_code",
        ["QD-X,某所,看守所,370202"],
    )
    with pytest.raises(WarehouseError, match="facilities（监管场所与执行机构）"):
        import_file("facilities", path, workspace=workspace, scope=QINGDAO)
    _, rows = run_query("SELECT count(*) FROM facilities", workspace)
    assert rows == [(len(FACILITIES),)]


def test_a_change_without_a_facility_is_out_of_scope(workspace: Workspace, tmp_path: Path) -> None:
    header = (
        "change_id,id_number,name,judgment_id,facility_code,change_type,decision_date,decided_by"
    )
    rows = [
        f"C1,{person(10)},丙,J1,,减刑,2024-01-01,某中院",
        f"C2,{person(10)},丙,J1,{QINGDAO_PRISON},减刑,2024-06-01,某中院",
    ]
    summary = import_file(
        "sentence_changes",
        write_csv(tmp_path / "c.csv", header, rows),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert issues(workspace, summary.batch_id) == [
        (2, "facility_code", None, "未填报场所编码，无法确定所属单位", "拒收")
    ]


CORRECTIONS_HEADER = (
    "case_id,id_number,name,correction_type,agency_region_code,decision_effective_date,status"
)


def test_community_corrections_by_region_and_their_events_by_case(
    workspace: Workspace, tmp_path: Path
) -> None:
    jinan_case = f"CC-JN,{person(20)},戊,缓刑,370102,2024-01-01,在矫"
    import_file(
        "community_corrections",
        write_csv(tmp_path / "jn.csv", CORRECTIONS_HEADER, [jinan_case]),
        workspace=workspace,
    )
    rows = [f"CC-QD,{person(21)},己,缓刑,370203,2024-01-01,在矫", jinan_case.replace("戊", "戊改")]
    summary = import_file(
        "community_corrections",
        write_csv(tmp_path / "qd.csv", CORRECTIONS_HEADER, rows),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.inserted, summary.updated, summary.rejected) == (1, 0, 1)
    assert issues(workspace, summary.batch_id) == [
        (
            3,
            "agency_region_code",
            "370102",
            f"执行地（区划 370102）{NOT_OURS}，不能写入；"
            "如确需写入，请由省院或该地区的监督单位导入",
            "拒收",
        )
    ]
    header = "event_id,case_id,id_number,event_type,event_date"
    events = [
        f"E1,CC-QD,{person(21)},走访,2024-02-01",
        f"E2,CC-JN,{person(20)},走访,2024-02-01",
        f"E3,CC-NONE,{person(22)},走访,2024-02-01",
    ]
    summary = import_file(
        "correction_events",
        write_csv(tmp_path / "e.csv", header, events),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.inserted, summary.rejected) == (1, 2)
    assert issues(workspace, summary.batch_id) == [
        (
            3,
            "case_id",
            "CC-JN",
            f"矫正案件编号 CC-JN 所属的执行地（区划 370102）{NOT_OURS}，不能写入；"
            "如确需写入，请由省院或该地区的监督单位导入",
            "拒收",
        ),
        (
            4,
            "case_id",
            "CC-NONE",
            "社区矫正对象（community_corrections）中没有矫正案件编号 CC-NONE 的记录，"
            "无法确定所属单位；请先导入该记录",
            "拒收",
        ),
    ]
    _, stored = run_query("SELECT event_id FROM correction_events", workspace)
    assert stored == [("E1",)]


def test_video_segments_follow_their_camera(workspace: Workspace, tmp_path: Path) -> None:
    cameras = ["CAM-JN,JN-JY01,监室,一监区,是", "CAM-QD,QD-JY01,监室,一监区,是"]
    import_file(
        "video_cameras",
        write_csv(tmp_path / "cam.csv", "camera_id,facility_code,area_type,name,key_area", cameras),
        workspace=workspace,
    )
    segments = [
        "CAM-QD,2024-01-01 00:00:00,2024-01-01 12:00:00",
        "CAM-JN,2024-01-01 00:00:00,2024-01-01 12:00:00",
    ]
    summary = import_file(
        "video_segments",
        write_csv(tmp_path / "seg.csv", "camera_id,start_time,end_time", segments),
        workspace=workspace,
        scope=QINGDAO,
    )
    assert (summary.inserted, summary.rejected) == (1, 1)
    [(row_number, column, value, reason, _)] = issues(workspace, summary.batch_id)
    assert (row_number, column, value) == (3, "camera_id", "CAM-JN")
    assert str(reason).startswith(
        f"点位编号 CAM-JN 所属的场所 {JINAN_PRISON}（山东省测试监狱）{NOT_OURS}"
    )


def test_an_update_of_another_sources_row_is_counted_and_flagged(
    workspace: Workspace, tmp_path: Path
) -> None:
    jinan = write_csv(
        tmp_path / "again.csv",
        CUSTODY_HEADER,
        [f"JN1,{JINAN_PRISON},{person(1)},甲,服刑,2023-01-01,2024-01-01,已出所"],
    )
    same_source = import_file("custody_records", jinan, workspace=workspace, source="济南监狱系统")
    assert (same_source.updated, same_source.updated_other_source) == (1, 0)
    edited = write_csv(
        tmp_path / "other.csv",
        CUSTODY_HEADER,
        [
            f"JN1,{JINAN_PRISON},{person(1)},甲,服刑,2023-01-01,2024-02-01,已出所",
            f"JN3,{JINAN_PRISON},{person(3)},丙,服刑,2023-01-01,,在押",
        ],
    )
    summary = import_file("custody_records", edited, workspace=workspace, source="省监狱管理局")
    assert (summary.inserted, summary.updated, summary.updated_other_source) == (1, 1, 1)
    assert issues(workspace, summary.batch_id) == [
        (
            2,
            "source_system",
            "济南监狱系统 → 省监狱管理局",
            "本行更新了其他来源写入的记录：原记录来源系统为“济南监狱系统”、报送来源为“济南监狱系统”"
            f"（批次 {same_source.batch_id}），"
            "本次来源系统为“省监狱管理局”、报送来源为“省监狱管理局”",
            "标记",
        )
    ]
    logged = run_query(
        "SELECT updated_other_source FROM _import_batches WHERE batch_id = ?",
        workspace,
        [summary.batch_id],
    )[1]
    assert logged == [(1,)]
