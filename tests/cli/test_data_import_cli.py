"""``zhijian init`` and ``zhijian data import | import-dir | batches | rejected | sql``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.warehouse.test_ingest import good_rows, payments_csv
from zhijian.cli import main


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("ZHIJIAN_HOME", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_init_is_idempotent(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "init")[0] == 0
    assert (home / "warehouse").is_dir()


@pytest.mark.django_db
def test_import_json_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = payments_csv(tmp_path / "p.csv", [*good_rows(2), "bad,row,x,y,z,1,2"])
    code, out, _ = run(capsys, "data", "import", "benefit_payments", str(path), "--json")
    assert code == 0
    summary = json.loads(out)
    assert {
        k: summary[k]
        for k in ("dataset", "received", "inserted", "updated", "unchanged", "rejected")
    } == {
        "dataset": "benefit_payments",
        "received": 3,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    code, out, _ = run(capsys, "data", "rejected", "--batch", summary["batch_id"], "--json")
    rows = json.loads(out)
    assert {r["row_number"] for r in rows} == {4}
    assert all(r["action"] == "拒收" for r in rows)
    code, out, _ = run(
        capsys, "data", "sql", "select count(*) as n from benefit_payments", "--json"
    )
    assert json.loads(out) == [{"n": 2}]
    code, out, _ = run(capsys, "data", "batches")
    assert "成功" in out and "benefit_payments" in out


def test_import_text_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = payments_csv(tmp_path / "p.csv", good_rows(2))
    code, out, _ = run(capsys, "data", "import", "benefit_payments", str(path))
    assert code == 0
    assert "收到 2 行：新增 2，更新 0，未变 0，拒收 0" in out


def test_import_dir_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    payments_csv(folder / "benefit_payments.csv", good_rows(2))
    code, out, _ = run(capsys, "data", "import-dir", str(folder), "--json")
    assert code == 0
    assert [s["dataset"] for s in json.loads(out)] == ["benefit_payments"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("data", "import", "benefit_payments", "{missing}"), "文件不存在"),
        (("data", "import", "nope", "{missing}"), "未知数据集"),
        (("data", "import", "benefit_payments", "{empty}"), "文件为空"),
        (("data", "sql", "drop view judgments"), "只允许只读的 SELECT 查询"),
        (("data", "import-dir", "{missing}"), "目录不存在"),
    ],
)
def test_bad_input_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    filled = [a.format(missing=tmp_path / "missing.csv", empty=empty) for a in args]
    code, _, err = run(capsys, *filled)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_import_named_excel_sheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "说明"
    first.append(["本表为某区人社局报送"])
    second = book.create_sheet("发放明细")
    second.append(["身份证号", "姓名", "待遇类型", "发放月份", "类别", "金额", "发放地区划"])
    for row in good_rows(3):
        second.append(row.split(","))
    path = tmp_path / "payments.xlsx"
    book.save(path)
    code, out, _ = run(
        capsys, "data", "import", "benefit_payments", str(path), "--sheet", "发放明细", "--json"
    )
    assert code == 0
    assert json.loads(out)["inserted"] == 3
    code, _, err = run(capsys, "data", "import", "benefit_payments", str(path), "--sheet", "无此表")
    assert code == 2
    assert "无此表" in err


def test_a_court_export_without_the_flag_columns_imports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.warehouse.test_absent_columns import NOTE, ROWS, court_export

    path = court_export(tmp_path / "判决.csv", ROWS)
    code, out, err = run(capsys, "data", "import", "judgments", str(path))
    assert (code, err) == (0, "")
    assert "收到 5 行：新增 5，更新 0，未变 0，拒收 0（其中 1 行已导入但被标记）" in out
    assert f"  说明：{NOTE.format(n=1)}\n" in out
    code, out, _ = run(capsys, "data", "batches")
    assert code == 0
    assert out.rstrip().endswith(f"标记 1  {NOTE.format(n=1)}")
