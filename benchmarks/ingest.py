"""Import speed and memory: a benefit_payments CSV through ``zhijian data import``, next to
PostgreSQL's COPY of the same file on the same machine.

    .venv/bin/python benchmarks/ingest.py [--rows 5000000] [--keep DIR]

Prints rows/s, peak memory and CPU seconds of the import (a child process, so its peak
and CPU time are its own), the same for a re-import of the unchanged file, and the COPY
baseline with the ratio. Goal: ≥ 1 million rows/s with validation, peak memory under
2 GB. The PostgreSQL part needs a server at $BENCH_PG (default host=127.0.0.1
user=postgres dbname=test) and is skipped with a note when none answers.

    .venv/bin/python benchmarks/ingest.py --scope [--rows 5000000]

compares instead a ``prison_accounts`` file (a facility-scoped dataset, 20 facilities)
imported and re-imported by the server's operator (no scope) and by an uploader whose
scope holds every facility of the file: the same rows are written, so the difference is
the cost of the scope's checks.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from zhijian.warehouse.validate import install_macros, sql_literal

BENEFITS = ["城镇职工基本养老金", "城乡居民基本养老金", "最低生活保障金", "高龄津贴"]


def make_csv(path: Path, rows: int) -> None:
    """Synthetic payments: people with valid ID numbers, one payment per person, benefit
    and month; written by DuckDB so that making the file is not what is measured."""
    con = duckdb.connect()
    install_macros(con)
    months = 24
    people = rows // months + 1
    benefits = "[" + ", ".join(sql_literal(b) for b in BENEFITS) + "]"
    con.execute(
        f"""
        COPY (
          WITH person AS (
            SELECT i,
                   '3701' || lpad(CAST(2 + i % 20 AS VARCHAR), 2, '0')
                   || strftime(DATE '1940-01-01' + CAST(i % 20000 AS INTEGER), '%Y%m%d')
                   || lpad(CAST(i % 997 AS VARCHAR), 3, '0') AS body
            FROM range({people}) t(i)
          ), payments AS (
            SELECT body || zj_id_check_char(body) AS id_number,
                   '测试' || CAST(i % 1000 AS VARCHAR) AS name,
                   {benefits}[1 + i % 4] AS benefit_type,
                   strftime(DATE '2023-01-01' + INTERVAL (m) MONTH, '%Y-%m') AS month,
                   '发放' AS kind,
                   CAST(1000 + (i * 7 + m) % 3000 AS DECIMAL(18, 2)) AS amount_yuan,
                   '3701' || lpad(CAST(2 + i % 20 AS VARCHAR), 2, '0') AS paying_region_code,
                   row_number() OVER () AS n
            FROM person, range({months}) r(m)
          )
          SELECT id_number, name, benefit_type, month, kind, amount_yuan, paying_region_code
          FROM payments WHERE n <= {rows}
        ) TO {sql_literal(str(path))} (HEADER, DELIMITER ',')
        """
    )


FACILITIES = [f"BENCH-JY{n:02d}" for n in range(20)]

# An import with a write scope, as the web's upload task runs it.
SCOPED_IMPORT = """
import json, sys
from pathlib import Path
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.scope import WriteScope
codes = sys.argv[3]
scope = None if codes == "-" else WriteScope("bench（基准测试）", frozenset(codes.split(",")), None)
summary = import_file(sys.argv[1], Path(sys.argv[2]), scope=scope)
print(json.dumps(summary.to_json(), ensure_ascii=False))
"""


def make_accounts_csv(path: Path, rows: int) -> None:
    """Synthetic monthly prison accounts: one row per person and month, 20 facilities."""
    con = duckdb.connect()
    install_macros(con)
    months = 24
    people = rows // months + 1
    facilities = "[" + ", ".join(sql_literal(f) for f in FACILITIES) + "]"
    con.execute(
        f"""
        COPY (
          WITH person AS (
            SELECT i,
                   '3701' || lpad(CAST(2 + i % 20 AS VARCHAR), 2, '0')
                   || strftime(DATE '1940-01-01' + CAST(i % 20000 AS INTEGER), '%Y%m%d')
                   || lpad(CAST(i % 997 AS VARCHAR), 3, '0') AS body
            FROM range({people}) t(i)
          ), accounts AS (
            SELECT body || zj_id_check_char(body) AS id_number,
                   '测试' || CAST(i % 1000 AS VARCHAR) AS name,
                   {facilities}[1 + i % 20] AS facility_code,
                   strftime(DATE '2023-01-01' + INTERVAL (m) MONTH, '%Y-%m') AS month,
                   CAST((i * 7 + m) % 500 AS DECIMAL(18, 2)) AS spend_yuan,
                   CAST(1000 + (i * 3 + m) % 3000 AS DECIMAL(18, 2)) AS balance_yuan,
                   row_number() OVER () AS n
            FROM person, range({months}) r(m)
          )
          SELECT id_number, name, facility_code, month, spend_yuan, balance_yuan
          FROM accounts WHERE n <= {rows}
        ) TO {sql_literal(str(path))} (HEADER, DELIMITER ',')
        """
    )


def run_import(
    csv: Path, home: Path, dataset: str = "benefit_payments", scope: list[str] | None = None
) -> tuple[float, float, float, str]:
    """Seconds, CPU seconds (user + system, all threads) and peak MB of one
    ``zhijian data import`` in a child process (with ``scope``, ``import_file`` called
    as the web's upload task does, with a WriteScope of these facility codes, or none
    for an empty list). On a machine that other work shares, the CPU seconds move much
    less than the wall-clock ones."""
    env = dict(os.environ, ZHIJIAN_HOME=str(home))
    command = [sys.executable, "-m", "zhijian", "data", "import", dataset, str(csv), "--json"]
    if scope is not None:
        codes = ",".join(scope) or "-"
        command = [sys.executable, "-c", SCOPED_IMPORT, dataset, str(csv), codes]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"import failed: {error}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def run_copy(csv: Path, dsn: str) -> float | None:
    """Seconds for PostgreSQL's COPY of the same file into a typed table, or None."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        connection = psycopg.connect(dsn, connect_timeout=3)
    except psycopg.OperationalError:
        return None
    with connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_benefit_payments")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_benefit_payments (id_number text, name text, "
            "benefit_type text, month text, kind text, amount_yuan numeric(18,2), "
            "paying_region_code text)"
        )
        started = time.perf_counter()
        with (
            cursor.copy("COPY bench_benefit_payments FROM STDIN (FORMAT csv, HEADER true)") as copy,
            csv.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_benefit_payments")
    return seconds


def compare_scope(folder: Path, rows: int) -> None:
    csv = folder / "prison_accounts.csv"
    started = time.perf_counter()
    make_accounts_csv(csv, rows)
    print(
        f"generated {rows:,} prison_accounts rows ({csv.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    no_scope: list[str] = []  # the same child process as the scoped run, without a scope
    run_import(csv, folder / "home-warm-up", "prison_accounts", no_scope)  # not counted
    shutil.rmtree(folder / "home-warm-up")
    for label, scope in (("no scope", no_scope), ("scoped", FACILITIES)):
        home = folder / f"home-{label.replace(' ', '-')}"
        shutil.rmtree(home, ignore_errors=True)
        for run in ("import", "re-import"):
            seconds, cpu, peak, _ = run_import(csv, home, "prison_accounts", scope)
            print(
                f"{label:9} {run:10} {seconds:6.2f} s  {rows / seconds:12,.0f} rows/s  "
                f"peak {peak:6.0f} MB  cpu {cpu:5.2f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path, help="keep the files in this folder")
    parser.add_argument("--scope", action="store_true", help="compare scoped and unscoped")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="zhijian-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.scope:
        compare_scope(folder, args.rows)
        return
    csv = folder / "benefit_payments.csv"
    started = time.perf_counter()
    make_csv(csv, args.rows)
    print(
        f"generated {args.rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)  # a kept folder's earlier run: start afresh
    seconds, cpu, peak, output = run_import(csv, home)
    print(
        f"zhijian import:    {seconds:6.2f} s  {args.rows / seconds:12,.0f} rows/s  "
        f"peak {peak:6.0f} MB  cpu {cpu:5.2f} s"
    )
    print(f"  summary: {output.strip()}")
    again, cpu_again, peak_again, output = run_import(csv, home)
    print(
        f"re-import (same):  {again:6.2f} s  {args.rows / again:12,.0f} rows/s  "
        f"peak {peak_again:6.0f} MB  cpu {cpu_again:5.2f} s"
    )
    dsn = os.environ.get("BENCH_PG", "host=127.0.0.1 user=postgres dbname=test")
    copy = run_copy(csv, dsn)
    if copy is None:
        print("PostgreSQL COPY:   skipped (no server answered)")
    else:
        print(
            f"PostgreSQL COPY:   {copy:6.2f} s  {args.rows / copy:12,.0f} rows/s  (no validation)"
        )
        print(f"ratio zhijian/COPY speed: {copy / seconds:.2f}")
    print(f"this process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
