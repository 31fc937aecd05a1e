"""A court export without the 限制减刑 and 终身监禁 columns imports: each flag is 否 for a
penalty that cannot carry it, read from the 判决主文 for a 死缓, and unknown (null,
flagged, said in the batch log) when there is no 主文. Unknown never overwrites a value
known before; a file that has the column still must fill it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.test_ingest import person
from zhijian.warehouse.compute import run_query
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace

COLUMNS = "裁判编号,案号,审判法院,身份证号,姓名,罪名,主刑,刑期（月）,累犯,判决日期,生效日期"
LIMITED = "判处死刑，缓期二年执行，剥夺政治权利终身；同时决定对其限制减刑。"
FOR_LIFE = (
    "判处死刑，缓期二年执行，剥夺政治权利终身，并处没收个人全部财产；"
    "在其死刑缓期执行二年期满依法减为无期徒刑后，终身监禁，不得减刑、假释。"
)
PLAIN_SUSPENDED = "判处死刑，缓期二年执行，剥夺政治权利终身。"
DEATH = "死刑缓期二年执行"
NOTE = (
    "文件没有“限制减刑”“终身监禁”列：非死刑缓期执行的判决依法为“否”，"
    "死刑缓期执行的判决按判决主文识别；{n} 行无法确定，按未知保存并已标记"
)


def judgment(n: int, crimes: str, penalty: str, months: str = "") -> str:
    return (
        f"J{n},（2020）鲁01刑初{n}号,某市中级人民法院,{person(n)},某{n},{crimes},{penalty},"
        f"{months},否,2020-01-10,2020-02-01"
    )


ROWS = [
    (judgment(1, "盗窃罪", "有期徒刑", "36"), ""),
    (judgment(2, "故意杀人罪", DEATH), LIMITED),
    (judgment(3, "贪污罪", DEATH), FOR_LIFE),
    (judgment(4, "故意杀人罪", DEATH), ""),  # no 主文: unknown
    (judgment(5, "抢劫罪", DEATH), PLAIN_SUSPENDED),
]


def court_export(path: Path, rows: list[tuple[str, str]], *, with_text: bool = True) -> Path:
    header = COLUMNS + (",判决主文" if with_text else "")
    body = [row + (f",{text}" if with_text else "") for row, text in rows]
    path.write_text(header + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "home")


def flags(ws: Workspace) -> list[tuple[Any, ...]]:
    return run_query(
        "SELECT judgment_id, limited_reduction, life_without_parole FROM judgments ORDER BY 1", ws
    )[1]


def test_a_court_export_without_the_flags_imports(workspace: Workspace, tmp_path: Path) -> None:
    summary = import_file("judgments", court_export(tmp_path / "j.csv", ROWS), workspace=workspace)
    assert (summary.received, summary.inserted, summary.rejected, summary.flagged) == (5, 5, 0, 1)
    assert summary.message == NOTE.format(n=1)
    assert flags(workspace) == [
        ("J1", False, False),
        ("J2", True, False),
        ("J3", False, True),
        ("J4", None, None),
        ("J5", False, False),
    ]
    issues = run_query(
        "SELECT row_number, column_name, reason, action FROM _row_issues ORDER BY 1, 2", workspace
    )[1]
    tail = "本行也没有判决主文，按未知保存并标记（模型按“未知”处理）"
    assert issues == [
        (5, "life_without_parole", f"文件没有“终身监禁”列，{tail}", "标记"),
        (5, "limited_reduction", f"文件没有“限制减刑”列，{tail}", "标记"),
    ]
    logged = run_query("SELECT status, flagged, message FROM _import_batches", workspace)[1]
    assert logged == [("成功", 1, NOTE.format(n=1))]


def test_without_the_judgment_text_a_death_suspension_is_unknown(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = court_export(tmp_path / "j.csv", ROWS, with_text=False)
    summary = import_file("judgments", path, workspace=workspace)
    assert (summary.inserted, summary.flagged) == (5, 4)
    assert summary.message == NOTE.format(n=4)
    assert flags(workspace) == [("J1", False, False)] + [
        (f"J{n}", None, None) for n in (2, 3, 4, 5)
    ]


def test_unknown_never_overwrites_a_known_flag(workspace: Workspace, tmp_path: Path) -> None:
    complete = tmp_path / "complete.csv"
    complete.write_text(
        COLUMNS + ",限制减刑,终身监禁\n" + ROWS[3][0] + ",是,否\n", encoding="utf-8"
    )
    import_file("judgments", complete, workspace=workspace)
    again = court_export(tmp_path / "j.csv", [ROWS[3]], with_text=False)
    summary = import_file("judgments", again, workspace=workspace)
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert flags(workspace) == [("J4", True, False)]


def test_a_file_with_the_column_must_fill_it(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text(
        COLUMNS + ",限制减刑,终身监禁\n" + ROWS[0][0] + ",否,否\n" + ROWS[3][0] + ",,否\n",
        encoding="utf-8",
    )
    summary = import_file("judgments", path, workspace=workspace)
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.message is None
    issues = run_query("SELECT row_number, column_name, reason FROM _row_issues", workspace)[1]
    assert issues == [(3, "limited_reduction", "限制减刑（limited_reduction）：必填字段为空")]
