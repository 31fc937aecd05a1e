"""Every model of the reference library loads, passes the portability lint, and passes
its own yml tests (each a rule and its lawful near-miss)."""

from __future__ import annotations

import pytest

from zhijian.supervision.portability import lint
from zhijian.supervision.spec import load_library
from zhijian.supervision.testing import run_test

LIBRARY = load_library()
CASES = [(spec, test) for spec in LIBRARY for test in spec.tests]


def test_library_has_models_in_every_category() -> None:
    assert LIBRARY
    assert all(len(spec.tests) >= 2 for spec in LIBRARY)


@pytest.mark.parametrize("spec", LIBRARY, ids=[s.id for s in LIBRARY])
def test_model_sql_is_portable(spec: object) -> None:
    from zhijian.supervision.spec import ModelSpec

    assert isinstance(spec, ModelSpec)
    if spec.engine == "sql":
        assert lint(spec.sql, spec.id) == []


@pytest.mark.parametrize(
    ("spec", "test"), CASES, ids=[f"{spec.id}:{test.name}" for spec, test in CASES]
)
def test_model_yml_tests(spec: object, test: object) -> None:
    from zhijian.supervision.spec import ModelSpec, ModelTest

    assert isinstance(spec, ModelSpec) and isinstance(test, ModelTest)
    outcome = run_test(spec, test)
    assert outcome.passed, outcome.detail


def test_expected_facility_code_is_compared() -> None:
    import dataclasses

    spec = next(s for s in LIBRARY if s.id == "corrections_late_registration")
    test = next(t for t in spec.tests if any("facility_code" in e for e in t.expect))
    assert run_test(spec, test).passed
    wrong = [{**e, "facility_code": "370103SQJZ"} for e in test.expect]
    outcome = run_test(spec, dataclasses.replace(test, expect=wrong))
    assert not outcome.passed and "场所编码不符" in outcome.detail


def _hits_of(model_id: str, test_name: str) -> list[object]:
    from datetime import date

    from zhijian.supervision.engine import evaluate
    from zhijian.supervision.testing import build_database

    spec = next(s for s in LIBRARY if s.id == model_id)
    test = next(t for t in spec.tests if t.name == test_name)
    con = build_database(test.given)
    return list(evaluate(spec, con, date.fromisoformat(test.as_of), spec.param_values(test.params)))


def test_an_unknown_restriction_is_said_in_the_evidence() -> None:
    from zhijian.supervision.results import Hit

    [hit] = _hits_of(
        "reduction_timing_amount",
        "限制减刑未知，死缓减为无期后三年余即报请减为有期（仅在限制减刑时违规，从严列为线索）",
    )
    assert isinstance(hit, Hit)
    assert hit.evidence["limited_reduction"] == "未知（来源数据无此项）"
    # 故意杀人罪: 终身监禁 cannot apply (刑法第三百八十三条第四款).
    assert hit.evidence["life_without_parole"] == "否（来源数据无此项，依法不适用）"
    assert hit.evidence["restriction_note"] == (
        "限制减刑未知（来源数据无此项），仅在限制减刑为“是”时成立，须核实判决"
    )
    assert hit.evidence["rules"] == ["reduction.start_time"]
    [prohibited] = _hits_of(
        "parole_prohibited", "死缓的受贿罪犯被假释，终身监禁未知（从严列为线索）"
    )
    assert isinstance(prohibited, Hit)
    assert prohibited.evidence["life_without_parole"] == "未知（来源数据无此项）"
    assert prohibited.evidence["reason"] == (
        "被判处死刑缓期执行的贪污、受贿罪犯，而终身监禁未知（来源数据无此项），须核实判决是否决定终身监禁"
    )


def test_a_known_restriction_is_said_plainly() -> None:
    from zhijian.supervision.results import Hit

    [hit] = _hits_of(
        "parole_eligible_not_proposed",
        "死缓的受贿罪犯已符合假释条件仍仅提请减刑（判决写明未决定终身监禁）",
    )
    assert isinstance(hit, Hit)
    assert (hit.evidence["limited_reduction"], hit.evidence["life_without_parole"]) == ("否", "否")
    assert hit.evidence["restriction_note"] is None
