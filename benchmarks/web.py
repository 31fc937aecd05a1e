"""Web latency under load: 1 million leads in PostgreSQL, 20 concurrent users on the
lead list and lead detail pages.

    .venv/bin/python benchmarks/web.py [--leads 1000000] [--users 20] [--seconds 60]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Creates a scratch database ``zhijian_bench_web`` on the server (dropped at the end), the
unit tree of 16 cities with 10 facilities each, users, and the leads (one lead made
through the application, copied in SQL with varied facility, status, model, date and
fingerprint). Then starts ``zhijian serve`` (gunicorn, by default one process a core,
four threads each) on loopback and runs the load from this process: each virtual user
logs in (the clock starts when all have) and then, with no pause between requests,
loops over list pages (with and without filters, later pages by keyset) and detail pages,
half of them as the 省院 (no scope filter), half as city procurators (scoped). Prints
requests, errors, and p50 / p95 / p99 latency per page kind. Goal: p95 < 300 ms and no errors.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field

import psycopg

DATABASE = "zhijian_bench_web"
PASSWORD = "Bench-Password-2026"
STATUSES = ("待分派", "待核查", "核查中", "属实", "不属实", "监督中", "办结")
MODELS = (
    ("reduction_interval_too_short", "减刑起始时间、间隔、幅度违规", "刑罚变更执行监督"),
    ("parole_prohibited", "不得假释而假释", "刑罚变更执行监督"),
    ("over_term_detention", "超期羁押", "监管执法与交付执行监督"),
    ("benefits_while_imprisoned", "服刑期间违规领取养老金", "跨部门数据比对"),
    ("corrections_late_registration", "社区矫正对象逾期报到", "社区矫正监督"),
)


def prepare(server_url: str, leads: int, home: str) -> dict[str, str]:
    with psycopg.connect(server_url, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        server.execute(f"CREATE DATABASE {DATABASE}")
    env = {
        **os.environ,
        "ZHIJIAN_HOME": home,
        "DATABASE_URL": server_url.rsplit("/", 1)[0] + "/" + DATABASE,
        "ZHIJIAN_HTTPS": "0",
    }
    os.environ.update(env)
    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()
    started = time.perf_counter()
    facilities = _units_and_users()
    _leads(leads, facilities)
    print(f"prepared {leads:,} leads in {time.perf_counter() - started:.1f} s")
    return env


def _units_and_users() -> list[str]:
    from zhijian.synth.people import cities
    from zhijian.web.accounts.actions import create_user, seed_from_facilities
    from zhijian.web.accounts.models import Role, SupervisedFacility, Unit

    rows = []
    for city_code, city in cities():
        for n in range(10):
            rows.append(
                {
                    "facility_code": f"{city_code[:4]}JY{n:02d}",
                    "name": f"{city}第{n + 1}监狱",
                    "facility_type": "监狱",
                    "region_code": city_code[:4] + "02",
                    "supervising_procuratorate": f"{city}人民检察院派驻第{n + 1}监狱检察室",
                }
            )
    seed_from_facilities(rows)
    province = Unit.objects.get(parent=None)
    create_user("province", PASSWORD, full_name="省院", unit=province, roles=[Role.Code.HEAD])
    for city_code, city in cities():
        create_user(
            f"city{city_code}",
            PASSWORD,
            full_name=f"{city}检察官",
            unit=Unit.objects.get(name=f"{city}人民检察院"),
            roles=[Role.Code.HEAD],
        )
    return list(SupervisedFacility.objects.values_list("facility_code", flat=True))


def _leads(count: int, facilities: list[str]) -> None:
    """One lead through the application, then ``count - 1`` copies in one SQL statement."""
    from datetime import date

    from django.db import connection

    from zhijian.supervision.results import Hit, RunResult
    from zhijian.web.leads.actions import sync_run
    from zhijian.web.leads.models import Lead

    hit = Hit(
        model_id=MODELS[0][0],
        id_number="370102198001010019",
        name="基准人员",
        facility_code=facilities[0],
        as_of=date(2025, 6, 30),
        key={"change_id": "JX00000000"},
        evidence={"interval_months": 11, "required_months": 12},
        message="两次减刑间隔 11 个月，不足 12 个月",
    )
    result = RunResult(
        model_id=MODELS[0][0],
        model_name=MODELS[0][1],
        category=MODELS[0][2],
        severity="高",
        model_version="bench",
        params={},
        as_of=date(2025, 6, 30),
        table_versions={},
        hits=(hit,),
        seconds=0.0,
    )
    sync_run(result)
    template = Lead.objects.get()
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        varied = {
            "fingerprint": "md5(g::text)",
            "facility_code": "(%(facilities)s::text[])[1 + g %% %(n_facilities)s]",
            "status": "(%(statuses)s::text[])[1 + (g / 7) %% %(n_statuses)s]",
            "model_id": "(%(model_ids)s::text[])[1 + g %% %(n_models)s]",
            "model_name": "(%(model_names)s::text[])[1 + g %% %(n_models)s]",
            "category": "(%(categories)s::text[])[1 + g %% %(n_models)s]",
            "name": "'基准人员' || (g %% 10000)::text",
            "created_at": "t.created_at - make_interval(secs => g * 20)",
            "updated_at": "t.updated_at - make_interval(secs => g * 20)",
        }
        selected = [varied.get(c, f't."{c}"') for c in columns if c != "id"]
        inserted = ", ".join(f'"{c}"' for c in columns if c != "id")
        cursor.execute(
            f"insert into {table} ({inserted}) select {', '.join(selected)} "
            f"from {table} t, generate_series(1, %(copies)s) g where t.id = %(template)s",
            {
                "facilities": facilities,
                "n_facilities": len(facilities),
                "statuses": list(STATUSES),
                "n_statuses": len(STATUSES),
                "model_ids": [m[0] for m in MODELS],
                "model_names": [m[1] for m in MODELS],
                "categories": [m[2] for m in MODELS],
                "n_models": len(MODELS),
                "copies": count - 1,
                "template": template.pk,
            },
        )
        # A table built up over months has been vacuumed by autovacuum: its visibility map
        # lets the capped count read the index alone. Measured straight after a bulk
        # insert, every count would visit the heap.
        cursor.execute(f"vacuum analyze {table}")


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def login(port: int, username: str) -> str:
    """Log in through the form; returns the Cookie header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = _cookies(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "login page has no CSRF token"
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    connection.request(
        "POST",
        "/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    response = connection.getresponse()
    response.read()
    cookies |= _cookies(response)
    assert response.status == 302, f"login failed for {username}: {response.status}"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name] = rest.split(";", 1)[0]
    return found


def virtual_user(
    port: int,
    username: str,
    seconds: float,
    start: threading.Barrier,
    results: Results,
    seed: int,
) -> None:
    rng = random.Random(seed)
    cookie = login(port, username)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # Everyone logs in first (a deliberately slow password hash); the clock starts when
    # all are in, so the figures are those of the lead pages alone.
    start.wait()
    until = time.perf_counter() + seconds
    detail_ids: list[str] = []
    next_link: str | None = None
    while time.perf_counter() < until:
        roll = rng.random()
        if roll < 0.35 or not detail_ids:
            kind, path = "list", "/leads/"
        elif roll < 0.55:
            status = urllib.parse.quote(rng.choice(STATUSES))
            kind, path = "list (filtered)", f"/leads/?status={status}"
        elif roll < 0.65 and next_link:
            kind, path = "list (next page)", next_link
        else:
            kind, path = "detail", f"/leads/{rng.choice(detail_ids)}/"
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            body = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            with results.lock:
                results.errors.append(f"{path}: {error}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        with results.lock:
            if response.status != 200:
                results.errors.append(f"{path}: HTTP {response.status}")
            else:
                results.latencies[kind].append(elapsed)
        if kind.startswith("list"):
            detail_ids = re.findall(r'href="/leads/(\d+)/"', body) or detail_ids
            found = re.search(r'href="(\?[^"]*(?:after|cursor|page)=[^"]*)"', body)
            next_link = "/leads/" + found.group(1).replace("&amp;", "&") if found else None


def run_load(
    env: dict[str, str], users: int, seconds: float, port: int, workers: int, threads: int
) -> Results:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already in use: stop that server or pass --port")
    command = ["serve", "--no-worker", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    server = subprocess.Popen(
        [sys.executable, "-m", "zhijian", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        # Not a pipe: nobody reads it during the run, and a full pipe would stall the server.
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        results = Results()
        start = threading.Barrier(users)
        from zhijian.synth.people import cities

        codes = [code for code, _ in cities()]
        names = ["province" if n % 2 == 0 else f"city{codes[n % len(codes)]}" for n in range(users)]
        threads = [
            threading.Thread(target=virtual_user, args=(port, name, seconds, start, results, n))
            for n, name in enumerate(names)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError(f"server exited with status {server.returncode}")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login/")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def report(results: Results, seconds: float) -> None:
    every = [x for values in results.latencies.values() for x in values]
    print(
        f"{len(every):,} requests in {seconds:.0f} s ({len(every) / seconds:.1f}/s), "
        f"{len(results.errors)} errors"
    )
    for kind, values in [*sorted(results.latencies.items()), ("all", every)]:
        if len(values) < 2:
            continue
        cut = statistics.quantiles(values, n=100)
        print(
            f"  {kind:<18} n={len(values):>6}  p50 {cut[49] * 1000:7.1f} ms  "
            f"p95 {cut[94] * 1000:7.1f} ms  p99 {cut[98] * 1000:7.1f} ms"
        )
    for error in results.errors[:10]:
        print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="zhijian-bench-web-")
    try:
        env = prepare(args.postgres, args.leads, home)
        from django.db import connections

        connections.close_all()
        print(f"server: {args.workers} processes × {args.threads} threads; {args.users} users")
        results = run_load(env, args.users, args.seconds, args.port, args.workers, args.threads)
        report(results, args.seconds)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        with psycopg.connect(args.postgres, autocommit=True) as server:
            server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
