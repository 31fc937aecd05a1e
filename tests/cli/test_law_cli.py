"""The ``zhijian law`` command-line contract: JSON on stdout and exit 0; bad input exits 2
with a Chinese message on stderr and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zhijian.cli import main

ISSUE_EXAMPLE = {
    "penalty": "有期徒刑",
    "term_months": 120,
    "crimes": ["故意杀人罪"],
    "recidivist": False,
    "limited_reduction": False,
    "judgment_effective_date": "2015-02-10",
    "execution_start_date": "2015-03-01",
    "pretrial_detention_days": 200,
    "property_unpaid_with_ability": False,
    "history": [
        {
            "type": "减刑",
            "proposal_date": "2017-03-01",
            "decision_date": "2017-04-20",
            "served_date": "2017-04-25",
            "months": 9,
            "basis": "悔改表现",
        }
    ],
    "proposal": {"type": "减刑", "proposal_date": "2019-03-01", "months": 9, "basis": "悔改表现"},
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    output = json.loads(captured.out) if code == 0 else captured.out
    return code, output, captured.err


def exit_code(*args: str) -> int:
    with pytest.raises(SystemExit) as raised:
        main(list(args))
    return int(str(raised.value.code))


def test_id_check_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "law", "id-check", "11010519491231002x")
    assert code == 0
    assert out == {
        "valid": True,
        "normalized": "11010519491231002X",
        "birth_date": "1949-12-31",
        "gender": "女",
        "region_code": "110105",
        "errors": [],
    }


def test_id_check_invalid_is_still_exit_0_with_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "law", "id-check", "110105194912310021")
    assert code == 0
    assert out["valid"] is False
    assert out["normalized"] is None
    assert any("校验码" in error for error in out["errors"])


def test_parse_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "law", "parse-sentence", "判处有期徒刑三年六个月，并处罚金人民币五千元"
    )
    assert code == 0
    assert out == {
        "principal_penalty": "有期徒刑",
        "term_months": 42,
        "probation_months": None,
        "fine_yuan": 5000,
        "confiscation": None,
        "confiscation_yuan": None,
        "political_rights_months": None,
        "limited_reduction": False,
        "life_without_parole": False,
    }


def test_parse_sentence_without_length_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "law", "parse-sentence", "判处有期徒刑")
    assert code == 2
    assert out == ""
    assert err.startswith("错误：") and "刑期" in err


def test_term_end(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("law", "term-end", "--start", "2021-03-05", "--months", "30")
    assert run(capsys, *args) == (0, {"term_end": "2023-09-04"}, "")
    _, out, _ = run(capsys, *args, "--credit-days", "10")
    assert out == {"term_end": "2023-08-25"}
    month_end = ("law", "term-end", "--start", "2021-01-31", "--months", "1")
    assert run(capsys, *month_end)[1] == {"term_end": "2021-02-28"}
    assert run(capsys, *month_end, "--month-end", "clamp")[1] == {"term_end": "2021-02-27"}


def test_term_end_with_a_non_existent_date_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "law", "term-end", "--start", "2023-02-30", "--months", "6")
    assert code == 2
    assert "不是有效日期" in err


def test_term_end_with_missing_argument_is_exit_2_in_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exit_code("law", "term-end", "--start", "2023-02-01") == 2
    assert "缺少必填参数：--months" in capsys.readouterr().err


def test_check_issue_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(ISSUE_EXAMPLE, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "law", "check", "--json", str(case))
    assert code == 0
    assert out["compliant"] is True
    assert out["findings"] == []
    assert out["earliest_reduction_date"] == "2018-10-24"
    assert out["earliest_parole_date"] is None
    assert out["conventions"]["month_end"] == "rollover"


def test_check_reports_findings_with_rule_message_and_citation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = dict(ISSUE_EXAMPLE, proposal={"type": "假释", "proposal_date": "2021-01-01"})
    case = tmp_path / "case.json"
    case.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "law", "check", "--json", str(case))
    assert code == 0
    assert out["compliant"] is False
    assert [f["rule"] for f in out["findings"]] == ["parole.prohibited"]
    finding = out["findings"][0]
    assert set(finding) == {"rule", "message", "citation", "level"}
    assert finding["citation"].startswith("《中华人民共和国刑法》第八十一条第二款")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "JSON 格式错误"),
        ("[]", "输入应为 JSON 对象"),
        (json.dumps(dict(ISSUE_EXAMPLE, crimes=["盗窃抢劫罪"])), "未知罪名"),
        (json.dumps(dict(ISSUE_EXAMPLE, execution_start_date="2015-02-30")), "不是有效日期"),
        (json.dumps(dict(ISSUE_EXAMPLE, penalty="死刑")), "penalty（刑种）"),
        (json.dumps({k: v for k, v in ISSUE_EXAMPLE.items() if k != "proposal"}), "proposal"),
    ],
)
def test_check_bad_input_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    case = tmp_path / "case.json"
    case.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "law", "check", "--json", str(case))
    assert code == 2
    assert message in err


def test_check_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "law", "check", "--json", str(tmp_path / "none.json"))
    assert code == 2
    assert "文件不存在" in err


def test_installed_console_script_gives_no_traceback() -> None:
    script = Path(sys.executable).parent / "zhijian"
    result = subprocess.run(
        [str(script), "law", "parse-sentence", "判处有期徒刑"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "有期徒刑未写明刑期" in result.stderr
