"""Lead sync speed: a model run of N hits through ``sync_run``, then the export.

    .venv/bin/python benchmarks/lead_sync.py [--hits 100000] [--postgres SERVER_URL]

Prints seconds and hits/s for a first run (every hit a new lead), an unchanged re-run,
a complete run missing a tenth of the hits (they become 不再命中) and the CSV export.
Runs on SQLite in a temporary workspace, or with ``--postgres`` (e.g.
postgres://postgres@127.0.0.1:5432/postgres) in a scratch database ``zhijian_bench``
created on that server and dropped at the end. Goal: 100,000 hits within a minute a run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg

from zhijian.law.idnumber import checksum_char
from zhijian.supervision.results import Hit, RunResult


def make_hits(count: int) -> list[Hit]:
    hits = []
    for serial in range(count):
        birth = date(1950, 1, 1) + timedelta(days=serial // 1000)
        first17 = f"370102{birth:%Y%m%d}{serial % 1000:03d}"
        hits.append(
            Hit(
                model_id="benchmark_model",
                id_number=first17 + checksum_char(first17),
                name=f"测试{serial % 1000}",
                facility_code=f"SD-JY{serial % 30:02d}",
                as_of=date(2025, 6, 30),
                key={"change_id": f"JX{serial:08d}"},
                evidence={"interval_months": 11, "ruling_date": date(2025, 3, 1)},
                message="两次减刑间隔 11 个月，不足 12 个月",
            )
        )
    return hits


def run_of(hits: list[Hit]) -> RunResult:
    return RunResult(
        model_id="benchmark_model",
        model_name="基准测试模型",
        category="刑罚变更执行监督",
        severity="高",
        model_version="benchmark",
        params={},
        as_of=date(2025, 6, 30),
        table_versions={},
        hits=tuple(hits),
        seconds=0.0,
    )


def timed(label: str, count: int, step: Callable[[], object]) -> None:
    start = time.perf_counter()
    step()
    seconds = time.perf_counter() - start
    print(f"{label:<28} {seconds:8.2f} s  {count / seconds:10,.0f} hits/s")


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[None]:
    """A temporary workspace, and ``DATABASE_URL`` at a scratch PostgreSQL database when
    a server is given; both removed at the end."""
    home = tempfile.mkdtemp(prefix="zhijian-bench-")
    os.environ["ZHIJIAN_HOME"] = home
    if server_url:
        with psycopg.connect(server_url, autocommit=True) as server:
            server.execute("DROP DATABASE IF EXISTS zhijian_bench")
            server.execute("CREATE DATABASE zhijian_bench")
        os.environ["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/zhijian_bench"
    try:
        yield
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if server_url:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server_url, autocommit=True) as server:
                server.execute("DROP DATABASE zhijian_bench")


def measure(count: int) -> None:
    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()
    from django.db import connection

    from zhijian.web.leads.actions import export_leads, sync_run

    hits = make_hits(count)
    print(f"{connection.vendor}, {count:,} hits")
    timed("first run (all new)", count, lambda: sync_run(run_of(hits)))
    timed("unchanged re-run", count, lambda: sync_run(run_of(hits)))
    kept = hits[: count * 9 // 10]
    timed("re-run, a tenth dropped", count, lambda: sync_run(run_of(kept)))
    out = Path(os.environ["ZHIJIAN_HOME"]) / "leads.csv"
    timed("CSV export", count, lambda: export_leads(out, "csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="SERVER_URL")
    args = parser.parse_args()
    with scratch_database(args.postgres):
        measure(args.hits)


if __name__ == "__main__":
    main()
