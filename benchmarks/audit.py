"""Audit rows appended per second on PostgreSQL, by several threads (and processes) at once.

    .venv/bin/python benchmarks/audit.py [--rows 4000] [--threads 8] [--processes 1]
        [--in-transaction] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database ``zhijian_bench_audit`` (dropped at the end), migrates it, and
has each thread of each process append its share of the rows with
``zhijian.web.audit.chain.record``, each on its own connection: as a page does (outside a
transaction, like a lead page's look), or with ``--in-transaction`` inside one
transaction per row (like an action's change). Prints rows per second and the time of
one append (p50, p95, p99), then verifies the chain. Run it on two checkouts to compare:
``PYTHONPATH=other/src .venv/bin/python benchmarks/audit.py`` measures the code under
``other/src``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import tempfile
import threading
import time
from typing import Any

import psycopg

DATABASE = "zhijian_bench_audit"


def prepare(server_url: str, home: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {DATABASE}")
    os.environ.update(
        {
            "ZHIJIAN_HOME": home,
            "DATABASE_URL": server_url.rsplit("/", 1)[0] + "/" + DATABASE,
            "ZHIJIAN_HTTPS": "0",
        }
    )
    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()


def append(
    rows: int, name: str, in_transaction: bool, timings: list[float], errors: list[str]
) -> None:
    from django.db import connections, transaction

    from zhijian.web.audit.chain import record

    try:
        for n in range(rows):
            started = time.perf_counter()
            if in_transaction:
                with transaction.atomic():
                    record(None, "压力测试", object_type="线索", object_id=f"{name}-{n}")
            else:
                record(None, "压力测试", object_type="线索", object_id=f"{name}-{n}")
            timings.append(time.perf_counter() - started)
    except Exception as error:  # reported below: a benchmark prints, it does not stop
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()


def process(rows: int, threads: int, number: int, in_transaction: bool, results: Any) -> None:
    timings: list[float] = []
    errors: list[str] = []
    workers = [
        threading.Thread(
            target=append, args=(rows // threads, f"{number}.{t}", in_transaction, timings, errors)
        )
        for t in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((timings, errors))


def run(rows: int, threads: int, processes: int, in_transaction: bool) -> None:
    from django.db import connections

    from zhijian.web.audit import chain
    from zhijian.web.audit.chain import record, verify

    print(f"code: {chain.__file__}")
    record(None, "压力测试", object_type="线索", object_id="首条")  # creates the head
    connections.close_all()  # forked processes open their own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    share = rows // processes
    children = [
        context.Process(target=process, args=(share, threads, p, in_transaction, results))
        for p in range(processes)
    ]
    started = time.perf_counter()
    for child in children:
        child.start()
    timings: list[float] = []
    errors: list[str] = []
    for _child in children:
        found, failed = results.get()
        timings += found
        errors += failed
    seconds = time.perf_counter() - started
    for child in children:
        child.join()
    cut = statistics.quantiles(timings, n=100)
    where = "in a transaction each" if in_transaction else "outside a transaction"
    print(
        f"{len(timings):,} rows by {processes} × {threads} threads ({where}) in {seconds:.2f} s: "
        f"{len(timings) / seconds:,.0f} rows/s; one append p50 {cut[49] * 1000:.2f} ms, "
        f"p95 {cut[94] * 1000:.2f} ms, p99 {cut[98] * 1000:.2f} ms; {len(errors)} errors"
    )
    for error in errors[:5]:
        print(f"  error: {error}")
    result = verify()
    print(f"verify: {result.checked:,} rows, intact {result.intact}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--in-transaction", action="store_true")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="zhijian-bench-audit-")
    try:
        prepare(args.postgres, home)
        run(args.rows, args.threads, args.processes, args.in_transaction)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
        with psycopg.connect(args.postgres, autocommit=True) as server:
            server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
