"""Running models: each evaluates the world as of a date and returns its hits.

A run records the model version (hash of its files), the parameters, the as-of date,
the warehouse table versions read, the hit count, the duration and any error. One model
failing does not stop the others. Each model reads a connection holding only its
declared inputs, and a result of more than ``max_rows`` rows fails the model's run.
"""

from __future__ import annotations

import math
import string
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from zhijian.supervision.errors import ModelError
from zhijian.supervision.limits import DEFAULT_SECONDS, MAX_RESULT_ROWS
from zhijian.supervision.results import Hit, RunResult
from zhijian.supervision.sandbox import (
    check_sql,
    parameter_names,
    run_limited,
    too_many_rows,
)
from zhijian.supervision.spec import ModelSpec
from zhijian.warehouse.compute import Snapshot, connect
from zhijian.warehouse.workspace import Workspace

PythonModel = Callable[[duckdb.DuckDBPyConnection, date, dict[str, Any]], list[dict[str, Any]]]


def python_models() -> dict[str, PythonModel]:
    """Models written in Python because SQL cannot express their rule (the reduction
    tables of the legal kernel). A static registry: no dynamic loading."""
    from zhijian.supervision.library.custody import overdue_release
    from zhijian.supervision.library.sentence_changes import (
        parole_eligible_not_proposed,
        parole_min_served,
        reduction_timing_amount,
    )

    return {
        "reduction_timing_amount": reduction_timing_amount.hits,
        "parole_min_served": parole_min_served.hits,
        "parole_eligible_not_proposed": parole_eligible_not_proposed.hits,
        "overdue_release": overdue_release.hits,
    }


def evaluate(
    spec: ModelSpec,
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    params: dict[str, Any],
    *,
    seconds: float = DEFAULT_SECONDS,
    max_rows: int = MAX_RESULT_ROWS,
) -> list[Hit]:
    """The model's hits on the datasets visible through ``con``; ModelError when the
    model fails or finds more than ``max_rows`` rows."""
    if spec.engine == "python":
        rows = _python_rows(spec, con, as_of, params)
        if len(rows) > max_rows:
            raise too_many_rows(spec.id, max_rows)
    else:
        rows = _sql_rows(spec, con, as_of, params, seconds, max_rows)
    return [to_hit(spec, row, as_of) for row in rows]


def _python_rows(
    spec: ModelSpec, con: duckdb.DuckDBPyConnection, as_of: date, params: dict[str, Any]
) -> list[dict[str, Any]]:
    model = python_models().get(spec.id)
    if model is None:
        # Only the packaged library has Python models: a spec from anywhere else that
        # says ``engine: python`` runs no code.
        raise ModelError(f"模型 {spec.id} 不是模型库内置的 Python 模型，不能运行")
    return model(con, as_of, params)


def _sql_rows(
    spec: ModelSpec,
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    params: dict[str, Any],
    seconds: float,
    max_rows: int,
) -> list[dict[str, Any]]:
    query = check_sql(spec.sql, spec.id, spec.inputs)
    values = {"as_of": as_of, **params}
    used = parameter_names(query)
    undeclared = used - set(values)
    if undeclared:
        raise ModelError(
            f"模型 {spec.id} 的 SQL 使用了未声明的参数：{'、'.join(sorted(undeclared))}"
        )
    columns, rows = run_limited(
        con,
        spec.sql,
        {name: values[name] for name in used},
        model=spec.id,
        seconds=seconds,
        max_rows=max_rows,
    )
    missing = {"id_number", "evidence"} - set(columns)
    if missing:
        raise ModelError(f"模型 {spec.id} 的查询结果缺少列：{'、'.join(sorted(missing))}")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def to_hit(spec: ModelSpec, row: dict[str, Any], as_of: date) -> Hit:
    found = row.get("evidence") or {}
    if not isinstance(found, dict):
        raise ModelError(
            f"模型 {spec.id} 的 evidence 列应为 struct（{{'字段': 值, …}}），"
            f"实为 {type(found).__name__}"
        )
    evidence = dict(found)
    unknown = [k for k in spec.key if k not in evidence]
    if unknown:
        raise ModelError(f"模型 {spec.id} 的证据缺少关键字段：{'、'.join(unknown)}")
    subject = {
        "id_number": row["id_number"],
        "name": row.get("name"),
        "facility_code": row.get("facility_code"),
    }
    return Hit(
        model_id=spec.id,
        id_number=str(row["id_number"]),
        name=row.get("name"),
        facility_code=row.get("facility_code"),
        as_of=as_of,
        key={k: display(evidence[k]) for k in spec.key},
        evidence={k: plain(v) for k, v in evidence.items()},
        message=format_message(spec.message, {**evidence, **subject}),
    )


def display(value: Any) -> str:
    """A value as a Chinese message shows it."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return "、".join(display(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def plain(value: Any) -> Any:
    """A value JSON can carry (dates as ISO text, decimals as numbers, structs as
    objects; anything else, and a number that is not finite, as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, date | datetime):
        return display(value)
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def format_message(template: str, values: dict[str, Any]) -> str:
    shown = {k: display(v) for k, v in values.items()}
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{name: shown.get(name, "—") for name in fields})


def run_model(
    spec: ModelSpec,
    snapshot: Snapshot,
    as_of: date,
    overrides: dict[str, Any] | None = None,
    *,
    seconds: float = DEFAULT_SECONDS,
    max_rows: int = MAX_RESULT_ROWS,
) -> RunResult:
    """Run one model on a connection over ``snapshot`` holding only the model's declared
    inputs; an error (or a result over ``max_rows`` rows) is recorded in the result,
    never raised."""
    started = time.perf_counter()
    params: dict[str, Any] = {}
    hits: list[Hit] = []
    error = None
    con = snapshot.narrowed(spec.inputs)
    try:
        params = spec.param_values(overrides)
        hits = evaluate(spec, con, as_of, params, seconds=seconds, max_rows=max_rows)
    except ModelError as failure:
        error = str(failure)
    finally:
        con.close()
    return RunResult(
        model_id=spec.id,
        model_name=spec.name,
        category=spec.category,
        severity=spec.severity,
        model_version=spec.version,
        params=params,
        as_of=as_of,
        table_versions={name: snapshot.versions.get(name) for name in spec.inputs},
        hits=tuple(hits),
        seconds=time.perf_counter() - started,
        error=error,
        legal_basis=tuple(str(b) for b in spec.legal_basis),
    )


def run_models(
    specs: Iterable[ModelSpec],
    as_of: date,
    overrides: dict[str, dict[str, Any]] | None = None,
    *,
    workspace: Workspace | None = None,
    seconds: float = DEFAULT_SECONDS,
    max_rows: int = MAX_RESULT_ROWS,
) -> list[RunResult]:
    """Run models on one snapshot of the warehouse, so all read the same versions."""
    snapshot = connect(workspace)
    try:
        return [
            run_model(
                spec,
                snapshot,
                as_of,
                (overrides or {}).get(spec.id),
                seconds=seconds,
                max_rows=max_rows,
            )
            for spec in specs
        ]
    finally:
        snapshot.connection.close()
