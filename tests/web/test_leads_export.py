"""``export_leads``: every lead to CSV (for Excel) or JSON, with fixed fields."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.web.hits import FACILITY, MODEL_ID, MODEL_NAME, hit, id_number, run_result
from zhijian.web.leads.actions import EXPORT_FIELDS, export_leads, sync_run
from zhijian.web.leads.models import Lead

pytestmark = pytest.mark.django_db

FIELDS = [
    "lead_id",
    "model_id",
    "model_name",
    "id_number",
    "name",
    "facility_code",
    "severity",
    "status",
    "first_seen_run",
    "last_seen_run",
    "as_of",
    "message",
    "evidence",
]
EVIDENCE = {"interval_months": 11, "required_months": 12, "ruling_date": "2025-03-01"}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_the_fields_are_fixed() -> None:
    assert list(EXPORT_FIELDS) == FIELDS


def test_json_export(tmp_path: Path) -> None:
    first = sync_run(run_result([hit(1), hit(2)]))
    second = sync_run(run_result([hit(1)]))
    path = tmp_path / "线索.json"

    assert export_leads(path, "json") == 2

    leads = json.loads(path.read_text(encoding="utf-8"))
    assert [list(lead) for lead in leads] == [FIELDS, FIELDS]
    assert leads[0] == {
        "lead_id": Lead.objects.get(id_number=id_number(1)).pk,
        "model_id": MODEL_ID,
        "model_name": MODEL_NAME,
        "id_number": id_number(1),
        "name": "测试人员1",
        "facility_code": FACILITY,
        "severity": "高",
        "status": "待分派",
        "first_seen_run": first.pk,
        "last_seen_run": second.pk,
        "as_of": "2025-06-30",
        "message": "两次减刑间隔 11 个月，不足 12 个月",
        "evidence": EVIDENCE,
    }
    assert (leads[1]["status"], leads[1]["last_seen_run"]) == ("不再命中", first.pk)


def test_csv_export_opens_in_excel(tmp_path: Path) -> None:
    run = sync_run(run_result([hit(1), hit(2)]))
    path = tmp_path / "线索.csv"

    assert export_leads(path, "csv") == 2

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    header, first, second = read_csv(path)
    assert header == FIELDS
    lead = Lead.objects.get(id_number=id_number(1))
    assert first[:12] == [
        str(lead.pk),
        MODEL_ID,
        MODEL_NAME,
        "\t" + id_number(1),  # the tab keeps Excel from turning it into 3.70102E+17
        "测试人员1",
        FACILITY,
        "高",
        "待分派",
        str(run.pk),
        str(run.pk),
        "2025-06-30",
        "两次减刑间隔 11 个月，不足 12 个月",
    ]
    assert json.loads(first[12]) == EVIDENCE
    assert second[3] == "\t" + id_number(2)


def test_csv_defuses_formula_like_cells(tmp_path: Path) -> None:
    sync_run(
        run_result(
            [
                hit(1, name='=HYPERLINK("http://example.invalid","点此")', message="-1+1"),
                hit(2, name="@SUM(A1:A9)", message="+86 电话", facility_code="-场所"),
            ]
        )
    )
    path = tmp_path / "线索.csv"

    export_leads(path, "csv")

    _, first, second = read_csv(path)
    assert first[4] == """'=HYPERLINK("http://example.invalid","点此")"""
    assert first[11] == "'-1+1"
    assert (second[4], second[5], second[11]) == ("'@SUM(A1:A9)", "'-场所", "'+86 电话")
    assert first[6] == "高"


def test_json_keeps_values_as_they_are(tmp_path: Path) -> None:
    sync_run(run_result([hit(1, name="=1+1")]))
    path = tmp_path / "线索.json"

    export_leads(path, "json")

    assert json.loads(path.read_text(encoding="utf-8"))[0]["name"] == "=1+1"


@pytest.mark.parametrize(("fmt", "content"), [("json", "[]\n"), ("csv", ",".join(FIELDS))])
def test_no_leads(tmp_path: Path, fmt: str, content: str) -> None:
    path = tmp_path / f"线索.{fmt}"

    assert export_leads(path, fmt) == 0  # type: ignore[arg-type]

    assert path.read_text(encoding="utf-8-sig").strip() == content.strip()


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="不支持的导出格式：xlsx"):
        export_leads(tmp_path / "线索.xlsx", "xlsx")  # type: ignore[arg-type]
    assert not (tmp_path / "线索.xlsx").exists()
