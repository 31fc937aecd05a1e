"""``zhijian models list | test | run``, on the packaged library and on a user's own
folder (``--library DIR``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.supervision.user_models import MODEL_ID, MODEL_NAME, PERSON, model_yml, write_model
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
    assert out.strip().splitlines()[-1] == "7 passed, 0 failed"


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


# --- a user's own folder: --library DIR ----------------------------------------------


def test_list_a_user_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write_model(tmp_path)
    assert main(["models", "list", "--library", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ("跨部门数据比对\n" + f"  {MODEL_ID:32} {MODEL_NAME}（中）\n")
    assert main(["models", "list", "--library", str(tmp_path), "--json"]) == 0
    [model] = json.loads(capsys.readouterr().out)
    assert model == {
        "id": MODEL_ID,
        "name": MODEL_NAME,
        "category": "跨部门数据比对",
        "severity": "中",
        "engine": "sql",
        "version": model["version"],
        "inputs": ["deaths", "custody_records"],
        "legal_basis": ["《人民检察院刑事诉讼规则》（高检发释字〔2019〕4号）第六百六十二条第一款"],
        "params": {},
    }
    assert len(model["version"]) == 16


def test_test_a_user_folder_with_a_passing_and_a_failing_test(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_model(tmp_path, failing=True)
    assert main(["models", "test", "--library", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"通过  {MODEL_ID}：死亡后仍在押  命中 1 条，与预期一致",
        f"通过  {MODEL_ID}：查询日之后死亡的不列入（近似情形）  命中 0 条，与预期一致",
        f"失败  {MODEL_ID}：预期有误的测试  漏报：[('{PERSON}', 'R1')]",
        "2 passed, 1 failed",
    ]


def test_test_a_user_folder_whose_tests_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_model(tmp_path)
    assert main(["models", "test", MODEL_ID, "--library", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 passed, 0 failed"


def test_a_built_in_id_is_unknown_in_a_user_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_model(tmp_path)
    assert main(["models", "test", "parole_prohibited", "--library", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"错误：未知模型：parole_prohibited。可用模型：{MODEL_ID}\n")


def test_a_python_model_in_a_user_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    yml = write_model(tmp_path)
    yml.write_text(model_yml(engine="python"), encoding="utf-8")
    for command in ("list", "test", "run"):
        assert main(["models", command, "--library", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"错误：{yml}：模型 {MODEL_ID} 的 engine 为 python"), err


def test_a_missing_folder_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["models", "list", "--library", str(tmp_path / "没有")]) == 2
    assert capsys.readouterr().err == f"错误：模型文件夹不存在：{tmp_path / '没有'}\n"


@pytest.mark.django_db(transaction=True)
def test_run_a_user_folder_creates_its_leads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhijian.synth.config import SCALES, Config
    from zhijian.synth.generator import generate
    from zhijian.warehouse.ingest import import_directory
    from zhijian.warehouse.workspace import Workspace
    from zhijian.web.leads.models import Lead, ModelRun

    data = tmp_path / "data"
    generate(Config(SCALES["tiny"], 3, data, format="parquet"), quiet=True)
    monkeypatch.setenv("ZHIJIAN_HOME", str(tmp_path / "home"))
    import_directory(data, workspace=Workspace.from_environment())
    write_model(tmp_path / "我的模型库")
    args = ["models", "run", "--library", str(tmp_path / "我的模型库"), "--as-of", "2025-06-30"]

    assert main([*args, "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row == {
        "model_id": MODEL_ID,
        "hits": 2,
        "new_leads": 2,
        "dropped": 0,
        "seconds": row["seconds"],
        "error": None,
    }
    leads = Lead.objects.filter(model_id=MODEL_ID).order_by("facility_code")
    assert [lead.facility_code for lead in leads] == ["37JY08", "37JY19"]
    assert all("仍为在押" in lead.message for lead in leads)
    assert ModelRun.objects.get().model_id == MODEL_ID

    # over the cap, the run fails and changes no lead
    monkeypatch.setenv("ZHIJIAN_MODEL_MAX_ROWS", "1")
    assert main([*args, "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["error"] == (
        f"模型 {MODEL_ID} 的结果超过 1 行，已拒绝，未生成线索：请收窄模型的条件"
        "（例如按查询日、场所或情形过滤），确需更多结果时由系统管理员调高结果行数上限"
        "（环境变量 ZHIJIAN_MODEL_MAX_ROWS）"
    )
    assert (row["hits"], row["new_leads"], row["dropped"]) == (0, 0, 0)
    assert Lead.objects.filter(model_id=MODEL_ID, dropped_by_run__isnull=True).count() == 2
    monkeypatch.setenv("ZHIJIAN_MODEL_MAX_ROWS", "许多")
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "错误：环境变量 ZHIJIAN_MODEL_MAX_ROWS 应为正整数（模型结果行数上限），现为“许多”\n"
    )
