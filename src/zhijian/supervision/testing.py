"""Running a model's own tests: the rows its yml gives, per dataset, and the hits it
expects. Every dataset the model declares exists (empty unless given), with the
warehouse's exact column types, and no other, so a test runs the model's SQL as
production does (``zhijian.supervision.engine.run_model``)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from zhijian.law.idnumber import is_valid_id_number
from zhijian.supervision.engine import evaluate
from zhijian.supervision.errors import ModelError
from zhijian.supervision.limits import DEFAULT_SECONDS
from zhijian.supervision.results import Hit
from zhijian.supervision.spec import ModelSpec, ModelTest
from zhijian.warehouse.standard import DATASETS

# A test's database is small; a query that makes it large is stopped here.
TEST_MEMORY_LIMIT = "1GB"
# What a test may raise from its own data (a value of the wrong type, a bad date, …).
TEST_ERRORS = (ModelError, ValueError, TypeError, OverflowError, duckdb.Error)


@dataclass(frozen=True)
class TestOutcome:
    model_id: str
    name: str
    passed: bool
    detail: str


def build_database(
    given: dict[str, list[dict[str, Any]]], inputs: Iterable[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a table per dataset of ``inputs`` (every dataset of the
    standard when None) holding the given rows; ModelError for rows of any other."""
    names = list(DATASETS) if inputs is None else [n for n in inputs if n in DATASETS]
    con = duckdb.connect(":memory:")
    # A name that is not a table must not read a Python variable of the same name.
    con.execute("SET python_enable_replacements = false")
    for name in names:
        con.register(f"_empty_{name}", DATASETS[name].arrow_schema().empty_table())
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "_empty_{name}"')
        con.unregister(f"_empty_{name}")
    for name, rows in given.items():
        if name not in DATASETS:
            raise ModelError(f"测试数据中有数据标准以外的数据集：{name}")
        if name not in names:
            raise ModelError(f"测试数据中的数据集 {name} 不在模型的 inputs 中，请在 inputs 中声明")
        _insert(con, name, rows)
    # Locked down as the warehouse's own connections are (zhijian.warehouse.compute).
    con.execute(f"SET memory_limit = '{TEST_MEMORY_LIMIT}'")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _insert(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    stored = set(DATASETS[name].arrow_schema().names)
    for row in rows:
        values = dict(row)
        if "id_number" in stored and "id_number_valid" not in values and values.get("id_number"):
            values["id_number_valid"] = is_valid_id_number(str(values["id_number"]))
        unknown = set(values) - stored
        if unknown:
            raise ModelError(f"测试数据 {name} 中有未知字段：{'、'.join(sorted(unknown))}")
        columns = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', list(values.values()))


def _expected(spec: ModelSpec, test: ModelTest) -> set[tuple[str, ...]]:
    return {(str(item["id_number"]), *(str(item[k]) for k in spec.key)) for item in test.expect}


def run_test(spec: ModelSpec, test: ModelTest, *, seconds: float = DEFAULT_SECONDS) -> TestOutcome:
    """Run one yml test (its query stopped after ``seconds``); a failure says which hits
    were missing or unexpected, or why the test could not run."""
    try:
        as_of = date.fromisoformat(test.as_of)
    except ValueError:
        return TestOutcome(
            spec.id, test.name, False, f"运行失败：as_of 应为 YYYY-MM-DD 格式的日期：{test.as_of}"
        )
    try:
        con = build_database(test.given, spec.inputs)
        try:
            hits = evaluate(spec, con, as_of, spec.param_values(test.params), seconds=seconds)
        finally:
            con.close()
    except TEST_ERRORS as error:
        return TestOutcome(spec.id, test.name, False, f"运行失败：{error}")
    found = {(h.id_number, *(h.key[k] for k in spec.key)) for h in hits}
    expected = _expected(spec, test)
    misplaced = _misplaced(spec, test, hits)
    if found == expected and not misplaced:
        return TestOutcome(spec.id, test.name, True, f"命中 {len(found)} 条，与预期一致")
    detail = []
    if expected - found:
        detail.append(f"漏报：{sorted(expected - found)}")
    if found - expected:
        detail.append(f"误报：{sorted(found - expected)}")
    if misplaced:
        detail.append(f"场所编码不符：{misplaced}")
    return TestOutcome(spec.id, test.name, False, "；".join(detail))


def _misplaced(spec: ModelSpec, test: ModelTest, hits: list[Hit]) -> list[str]:
    """Expected hits that name a facility_code and were found with another one."""
    codes = {(h.id_number, *(h.key[k] for k in spec.key)): h.facility_code for h in hits}
    problems = []
    for item in test.expect:
        if "facility_code" not in item:
            continue
        hit = (str(item["id_number"]), *(str(item[k]) for k in spec.key))
        want = item["facility_code"]
        if hit in codes and codes[hit] != (None if want is None else str(want)):
            problems.append(f"{hit} 应为 {want}，实为 {codes[hit]}")
    return problems


def run_tests(
    spec: ModelSpec, *, seconds: float = DEFAULT_SECONDS, budget: float | None = None
) -> list[TestOutcome]:
    """Every test of the model, each query stopped after ``seconds``. With ``budget``
    (seconds for them all), the tests not started within it fail as not run."""
    started = time.monotonic()
    outcomes = []
    for test in spec.tests:
        if budget is not None and time.monotonic() - started > budget:
            detail = f"未运行：全部测试已用时超过 {budget:g} 秒，请减少测试或其数据"
            outcomes.append(TestOutcome(spec.id, test.name, False, detail))
            continue
        outcomes.append(run_test(spec, test, seconds=seconds))
    return outcomes
