"""The engine caps a model's result rows, for SQL and Python models alike, and records
the refusal as the run's error, with no hits."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from tests.supervision.user_models import MODEL_ID, SQL, model_yml
from zhijian.supervision.engine import evaluate, run_model, run_models
from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import ModelSpec, load_library, parse_spec
from zhijian.supervision.testing import build_database
from zhijian.warehouse.compute import connect
from zhijian.warehouse.workspace import Workspace

AS_OF = date(2025, 6, 30)
# Three rows, each a hit of the user model's shape.
THREE_ROWS = """select id_number, name, facility_code, {'record_id': record_id} as evidence
from (values ('370102198001010016', '测试甲', 'JN-JY01', 'R1'),
             ('370102198001010016', '测试甲', 'JN-JY01', 'R2'),
             ('370102198001010016', '测试甲', 'JN-JY01', 'R3'))
  as t(id_number, name, facility_code, record_id)
"""
CAPPED = (
    "模型 dead_in_custody 的结果超过 2 行，已拒绝，未生成线索：请收窄模型的条件"
    "（例如按查询日、场所或情形过滤），确需更多结果时由系统管理员调高结果行数上限"
    "（环境变量 ZHIJIAN_MODEL_MAX_ROWS）"
)


def _three_rows_model() -> ModelSpec:
    spec = parse_spec(model_yml(), SQL, model=MODEL_ID, sql_name=f"{MODEL_ID}.sql")
    return dataclasses.replace(spec, sql=THREE_ROWS)


def test_a_run_over_the_cap_fails_with_no_hits(tmp_path: Path) -> None:
    spec = _three_rows_model()
    snapshot = connect(Workspace(tmp_path))
    assert len(run_model(spec, snapshot, AS_OF, max_rows=3).hits) == 3
    result = run_model(spec, snapshot, AS_OF, max_rows=2)
    assert (result.error, result.hits, result.complete) == (CAPPED, (), False)


def test_run_models_passes_the_cap_to_every_model(tmp_path: Path) -> None:
    [result] = run_models([_three_rows_model()], AS_OF, workspace=Workspace(tmp_path), max_rows=2)
    assert result.error == CAPPED


def test_a_python_model_obeys_the_same_cap() -> None:
    spec = next(s for s in load_library() if s.id == "parole_min_served")
    test = next(t for t in spec.tests if t.expect)
    con = build_database(test.given, spec.inputs)
    params = spec.param_values(test.params)
    as_of = date.fromisoformat(test.as_of)
    found = len(test.expect)
    assert len(evaluate(spec, con, as_of, params, max_rows=found)) == found
    with pytest.raises(ModelError) as raised:
        evaluate(spec, con, as_of, params, max_rows=found - 1)
    assert str(raised.value).startswith(f"模型 parole_min_served 的结果超过 {found - 1} 行，已拒绝")


def test_a_python_engine_outside_the_registry_runs_no_code(tmp_path: Path) -> None:
    spec = dataclasses.replace(_three_rows_model(), engine="python")
    result = run_model(spec, connect(Workspace(tmp_path)), AS_OF)
    assert result.error == "模型 dead_in_custody 不是模型库内置的 Python 模型，不能运行"


def test_evidence_that_is_not_a_struct_fails_the_run(tmp_path: Path) -> None:
    spec = dataclasses.replace(
        _three_rows_model(), sql="select '370102198001010016' as id_number, 'x' as evidence"
    )
    result = run_model(spec, connect(Workspace(tmp_path)), AS_OF)
    assert result.error == (
        "模型 dead_in_custody 的 evidence 列应为 struct（{'字段': 值, …}），实为 str"
    )
