"""The whole model library on the medium synthetic province: seconds per model, the
total and peak memory on DuckDB; then the SQL models, translated with SQLGlot, on
PostgreSQL with the same data, and the ratio.

    .venv/bin/python benchmarks/models.py [--scale medium] [--seed 1] [--keep DIR]

Goal: the whole library on medium in under 60 s on 2 cores, and at least 10x faster
than PostgreSQL. The PostgreSQL part needs a server at $BENCH_PG (default
host=127.0.0.1 user=postgres dbname=test); it works in a scratch schema it drops.
Python models (those that call the legal kernel) run on DuckDB only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from zhijian.supervision.spec import ModelSpec, load_library
from zhijian.warehouse import storage
from zhijian.warehouse.standard import DATASETS, ColumnType
from zhijian.warehouse.validate import sql_literal
from zhijian.warehouse.workspace import Workspace

SCHEMA = "bench_models"
PG_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.ENUM: "text",
    ColumnType.MONTH: "text",
    ColumnType.INT: "bigint",
    ColumnType.NUMBER: "double precision",
    ColumnType.MONEY: "numeric(18,2)",
    ColumnType.DATE: "date",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.BOOL: "boolean",
    ColumnType.TEXT_LIST: "text[]",
}

RUN_DUCKDB = """
import json, resource, sys
from datetime import date
from zhijian.supervision.engine import run_models
from zhijian.supervision.spec import load_library
results = run_models(load_library(), date.fromisoformat(sys.argv[1]))
print(json.dumps({
    "models": {r.model_id: [r.seconds, len(r.hits), r.error] for r in results},
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def prepare(folder: Path, scale: str, seed: int) -> tuple[Path, str]:
    """Generate and import the province once; reuse it when already there."""
    data, home = folder / "data", folder / "home"
    env = dict(os.environ, ZHIJIAN_HOME=str(home))
    if not (data / "manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "zhijian",
                "synth",
                "generate",
                "--scale",
                scale,
                "--seed",
                str(seed),
                "--out",
                str(data),
                "--quiet",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not (home / "warehouse" / "judgments").exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "zhijian", "data", "import-dir", str(data)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"imported {scale} in {time.perf_counter() - started:.0f} s")
    as_of = json.loads((data / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    return home, as_of


def run_duckdb(home: Path, as_of: str) -> dict[str, Any]:
    env = dict(os.environ, ZHIJIAN_HOME=str(home))
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", RUN_DUCKDB, as_of],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def to_postgres(spec: ModelSpec) -> str:
    """The model's SQL in PostgreSQL's dialect, its evidence struct as a JSON object."""
    tree = sqlglot.parse_one(spec.sql, read="duckdb")

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Struct):
            args: list[exp.Expression] = []
            for field in node.expressions:
                if isinstance(field, exp.PropertyEQ | exp.Slice | exp.EQ):
                    key, value = field.this, field.expression
                else:
                    key, value = exp.Literal.string(field.alias_or_name), field
                args += [exp.Literal.string(key.name), value]
            return exp.Anonymous(this="json_build_object", expressions=args)
        return node

    sql = tree.transform(replace).sql(dialect="postgres")
    # Two functions SQLGlot leaves in DuckDB's spelling for PostgreSQL.
    sql = re.sub(r"DAYOFWEEK_ISO\(([^()]*)\)", r"EXTRACT(ISODOW FROM \1)", sql)
    sql = re.sub(r"\bTO_MONTHS\(", "MAKE_INTERVAL(0, ", sql, flags=re.IGNORECASE)
    # psycopg reads % as the start of a placeholder: a literal one (LIKE '%…%') is %%.
    return re.sub(r"%(?!\(\w+\)s)", "%%", sql)


def load_postgres(dsn: str, home: Path, datasets: set[str]) -> float:
    """Copy the warehouse tables the SQL models read into a scratch schema; seconds."""
    import psycopg

    workspace = Workspace(home)
    duck = duckdb.connect()
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        pg.execute(f"CREATE SCHEMA {SCHEMA}")
        for name in sorted(datasets):
            _copy_table(duck, pg, name, storage.current_files(workspace.table_path(name)))
        pg.execute("ANALYZE")
    return time.perf_counter() - started


def _copy_table(duck: duckdb.DuckDBPyConnection, pg: Any, name: str, files: list[str]) -> None:
    dataset = DATASETS[name]
    columns = [c for c in dataset.columns]
    ddl = ", ".join(f'"{c.name}" {PG_TYPES[c.type]}' for c in columns)
    pg.execute(
        f'CREATE TABLE {SCHEMA}."{name}" ({ddl}, id_number_valid boolean)'
        if "id_number" in dataset.column_names
        else f'CREATE TABLE {SCHEMA}."{name}" ({ddl})'
    )
    if not files:
        return
    listed = "[" + ", ".join(sql_literal(f) for f in files) + "]"
    selected = []
    for column in columns:
        if column.type is ColumnType.TEXT_LIST:
            selected.append(f"'{{' || array_to_string(\"{column.name}\", ',') || '}}'")
        else:
            selected.append(f'"{column.name}"')
    if "id_number" in dataset.column_names:
        selected.append("id_number_valid")
    names = ", ".join(f'"{c.name}"' for c in columns) + (
        ", id_number_valid" if "id_number" in dataset.column_names else ""
    )
    # DuckDB writes the CSV and PostgreSQL's COPY reads it: both at their own speed.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.csv"
        query = f"SELECT {', '.join(selected)} FROM read_parquet({listed})"
        duck.execute(f"COPY ({query}) TO {sql_literal(str(path))} (HEADER false)")
        copy_sql = f'COPY {SCHEMA}."{name}" ({names}) FROM STDIN (FORMAT csv)'
        with pg.cursor() as cursor, cursor.copy(copy_sql) as copy, path.open("rb") as handle:
            while block := handle.read(1 << 20):
                copy.write(block)


def run_postgres(
    dsn: str, specs: list[ModelSpec], as_of: str, timeout: int
) -> dict[str, tuple[float, int | str]]:
    import psycopg

    results: dict[str, tuple[float, int | str]] = {}
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute(f"SET search_path TO {SCHEMA}")
        pg.execute(f"SET statement_timeout = '{timeout}s'")
        for spec in specs:
            params = {"as_of": as_of, **spec.param_values()}
            started = time.perf_counter()
            try:
                rows = pg.execute(to_postgres(spec), params).fetchall()
                results[spec.id] = (time.perf_counter() - started, len(rows))
            except (psycopg.Error, UnicodeError, ValueError) as error:
                results[spec.id] = (
                    time.perf_counter() - started,
                    f"error: {str(error).splitlines()[0]}",
                )
        pg.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--pg-timeout", type=int, default=300, help="seconds per query")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="zhijian-models-"))
    home, as_of = prepare(folder, args.scale, args.seed)
    duck = run_duckdb(home, as_of)
    specs = load_library()
    print(f"{'model':32} {'duckdb s':>9} {'hits':>7}")
    for model_id, (seconds, hits, error) in sorted(duck["models"].items()):
        print(f"{model_id:32} {seconds:>9.2f} {hits:>7}" + (f"  ERROR {error}" if error else ""))
    total = sum(v[0] for v in duck["models"].values())
    print(
        f"whole library on DuckDB: {total:.1f} s in models, {duck['wall']:.1f} s with start-up, "
        f"peak {duck['peak_mb']:.0f} MB"
    )
    dsn = os.environ.get("BENCH_PG", "host=127.0.0.1 user=postgres dbname=test")
    sql_specs = [s for s in specs if s.engine == "sql"]
    try:
        loaded = load_postgres(dsn, home, {d for s in sql_specs for d in s.inputs})
    except Exception as error:  # the baseline is optional: say why it is missing
        print(f"PostgreSQL: skipped ({type(error).__name__}: {error})")
        return
    print(f"PostgreSQL: loaded the inputs in {loaded:.0f} s")
    pg = run_postgres(dsn, sql_specs, as_of, args.pg_timeout)
    print(f"{'model':32} {'duckdb s':>9} {'postgres s':>11} {'ratio':>7}  result")
    duck_sum = pg_sum = 0.0
    for spec in sql_specs:
        duck_seconds = duck["models"][spec.id][0]
        pg_seconds, outcome = pg[spec.id]
        ratio = pg_seconds / duck_seconds if duck_seconds else float("inf")
        if isinstance(outcome, int):
            duck_sum += duck_seconds
            pg_sum += pg_seconds
        print(f"{spec.id:32} {duck_seconds:>9.2f} {pg_seconds:>11.2f} {ratio:>7.1f}  {outcome}")
    if duck_sum:
        print(
            f"SQL models that ran on both: DuckDB {duck_sum:.1f} s, PostgreSQL {pg_sum:.1f} s, "
            f"ratio {pg_sum / duck_sum:.1f}x"
        )


if __name__ == "__main__":
    main()
