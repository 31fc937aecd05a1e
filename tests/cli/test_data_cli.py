"""``zhijian data datasets``: the data standard on the command line. Output on stdout and
exit 0; bad input exits 2 with a Chinese message on stderr."""

from __future__ import annotations

import json

import pytest

from zhijian.cli import main
from zhijian.warehouse.standard import DATASETS, render_markdown


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["data", "datasets", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_of_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["数据集", "中文名", "主键", "字段数"]
    assert len(lines) == 1 + len(DATASETS)
    assert lines[1].split() == ["facilities", "监管场所与执行机构", "facility_code", "8"]
    assert "(id_number, benefit_type, month, kind)" in out


def test_table_of_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "deaths")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("deaths 死亡登记")
    assert "主键：(id_number, source)" in lines[0]
    assert lines[1].split() == ["字段", "类型", "中文名", "必填", "可选值"]
    assert lines[5].split() == [
        "source",
        "enum",
        "来源",
        "是",
        "公安户籍注销、民政火化、卫健死亡医学证明、监管场所报告",
    ]
    assert lines[6].split() == ["place", "text", "死亡地点", "否"]


def test_columns_are_aligned_by_display_width(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "video_segments")
    header, first = out.splitlines()[1:3]
    # 字段 is two characters but four cells wide; 类型 starts where text does.
    assert header.index("类型") + 2 == first.index("text")


def test_json_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json")
    assert code == 0
    datasets = json.loads(out)
    assert [d["name"] for d in datasets] == list(DATASETS)


def test_json_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "benefit_payments", "--json")
    assert code == 0
    dataset = json.loads(out)
    assert dataset["key"] == ["id_number", "benefit_type", "month", "kind"]
    assert dataset["label"] == "社会保障待遇发放（人社、民政）"
    assert dataset["section"] == "其他机关比对数据"
    kind = next(c for c in dataset["columns"] if c["name"] == "kind")
    assert kind == {
        "name": "kind",
        "type": "enum",
        "label": "类别",
        "required": True,
        "values": ["发放", "基数调整"],
        "notes": "",
        "aliases": [],
        "may_be_absent": False,
        "derived_from": None,
    }


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--markdown")
    assert code == 0
    assert out == render_markdown()


def test_markdown_of_one_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "staff", "--markdown")
    assert code == 0
    assert out.startswith("### staff 司法工作人员 — key: staff_id\n")
    assert "judgments" not in out


def test_unknown_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "judgment")
    assert code == 2
    assert out == ""
    assert err.startswith("错误：未知数据集：judgment。可用的数据集：facilities、")
    assert "Traceback" not in err


def test_json_and_markdown_together(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--json", "--markdown")
    assert code == 2
    assert "只能选一个" in err


def test_data_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["data"])
    assert raised.value.code == 2
    assert "缺少必填参数" in capsys.readouterr().err
