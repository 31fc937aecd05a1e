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
