"""``zhijian models list | test``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhijian.cli import main


def test_list_json_has_the_reference_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)
    ids = {m["id"] for m in models}
    assert len(ids) == 14
    assert {"parole_prohibited", "benefits_while_imprisoned", "over_term_detention"} <= ids
    categories = {m["category"] for m in models}
    assert categories == {
        "刑罚变更执行监督",
        "监管执法与交付执行监督",
        "社区矫正监督",
        "跨部门数据比对",
    }
    prohibited = next(m for m in models if m["id"] == "parole_prohibited")
    assert prohibited["legal_basis"][0] == "《中华人民共和国刑法》第八十一条第二款"


def test_list_text_groups_by_category(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "社区矫正监督" in out and "corrections_late_registration" in out


def test_test_command_runs_the_yml_tests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "test", "parole_prohibited"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "4 passed, 0 failed"


def test_unknown_model_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "test", "no_such_model"]) == 2
    assert "未知模型：no_such_model" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_run_twice_creates_no_new_leads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhijian.synth.config import SCALES, Config
    from zhijian.synth.generator import generate
    from zhijian.warehouse.ingest import import_directory
    from zhijian.warehouse.workspace import Workspace

    data = tmp_path / "data"
    generate(Config(SCALES["tiny"], 3, data, format="parquet"), quiet=True)
    monkeypatch.setenv("ZHIJIAN_HOME", str(tmp_path / "home"))
    import_directory(data, workspace=Workspace.from_environment())
    args = ["models", "run", "--as-of", "2025-06-30", "--json"]

    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)

    assert sum(r["new_leads"] for r in first) == sum(r["hits"] for r in first) > 0
    assert [r["new_leads"] for r in second] == [0] * 14
    assert [r["dropped"] for r in second] == [0] * 14
    assert all(r["error"] is None for r in second)
