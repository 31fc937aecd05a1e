"""``zhijian data sql`` and ``zhijian data rejected`` show warehouse rows, which are
people's data: each writes its audit row, naming the operating-system account, with any
ID number in the query masked. A query that fails shows nothing and writes nothing."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from tests.warehouse.test_ingest import good_rows, payments_csv, person
from zhijian.cli import main
from zhijian.law.idnumber import mask_id_number
from zhijian.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
VIA = f"命令行（系统账号 {getpass.getuser()}）"


@pytest.fixture(autouse=True)
def batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """Three payments imported and one row rejected; the batch's id."""
    monkeypatch.setenv("ZHIJIAN_HOME", str(tmp_path / "home"))
    path = payments_csv(tmp_path / "p.csv", [*good_rows(3), "bad,row,x,y,z,1,2"])
    assert main(["data", "import", "benefit_payments", str(path), "--json"]) == 0
    batch_id: str = json.loads(capsys.readouterr().out)["batch_id"]
    return batch_id


def last() -> tuple[str, str, str, object, int | None, str]:
    entry = AuditEntry.objects.latest("pk")
    return (
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.detail,
        entry.actor_id,
        entry.actor_name,
    )


def test_a_query_is_audited_with_its_row_count_and_the_number_in_it_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = person(1)
    query = f"select id_number, amount_yuan from benefit_payments where id_number = '{number}'"

    assert main(["data", "sql", query, "--json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert [row["id_number"] for row in shown] == [number]
    masked_query = query.replace(number, mask_id_number(number))
    assert last() == (
        "数据仓库查询",
        "数据仓库",
        "SQL",
        {"query": masked_query, "rows": 1, "via": VIA},
        None,
        "",
    )


def test_a_refused_query_shows_nothing_and_writes_no_audit_row(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = AuditEntry.objects.count()

    assert main(["data", "sql", f"drop view benefit_payments -- {person(1)}"]) == 2

    assert "只允许只读的 SELECT 查询" in capsys.readouterr().err
    assert AuditEntry.objects.count() == before


def test_the_rejected_rows_shown_are_audited(
    capsys: pytest.CaptureFixture[str], batch: str
) -> None:
    assert main(["data", "rejected", "--batch", batch]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == 3 and all("拒收" in line for line in shown)  # the bad row's problems
    assert last() == (
        "查看拒收记录",
        "导入批次",
        batch,
        {"rows": 3, "all": False, "via": VIA},
        None,
        "",
    )

    assert main(["data", "rejected", "--all", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert [row["action"] for row in every].count("拒收") == 3  # and the flagged rows
    assert last()[2:4] == ("全部", {"rows": len(every), "all": True, "via": VIA})
