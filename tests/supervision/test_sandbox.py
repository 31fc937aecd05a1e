"""The sandbox refuses or stops what a model must not do: it checks what a query reads
(every table reference resolved in its scope), not what it is called."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from zhijian.supervision.errors import ModelError
from zhijian.supervision.limits import MAX_RESULT_ROWS
from zhijian.supervision.sandbox import (
    REFUSED_FUNCTIONS,
    check_sql,
    max_rows_from_environment,
    parameter_names,
    refusal_reason,
    run_limited,
)
from zhijian.warehouse.compute import connect
from zhijian.warehouse.workspace import Workspace

INPUTS = ("judgments", "deaths")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select * from read_csv('/etc/passwd')", "表函数或文件"),
        ("select * from '/etc/passwd'", "未在 inputs 中声明"),
        ("select * from glob('*')", "表函数或文件"),
        ("attach '/tmp/x.db' as x", "只允许 SELECT"),
        ("copy (select 1) to '/tmp/out.csv'", "只允许 SELECT"),
        ("install httpfs", "只允许 SELECT"),
        ("load httpfs", "只允许 SELECT"),
        ("pragma version", "只允许 SELECT"),
        ("set threads = 1", "只允许 SELECT"),
        ("create table t as select 1", "只允许 SELECT"),
        ("insert into deaths select * from deaths", "只允许 SELECT"),
        ("delete from deaths", "只允许 SELECT"),
        ("select 1; select 2", "恰好是一条"),
        ("select * from staff", "未在 inputs 中声明的数据集：staff"),
        ("select * from other.judgments", "其他数据库"),
        ("select * from judgments where", "语法错误"),
    ],
)
def test_refused_before_running(sql: str, message: str) -> None:
    with pytest.raises(ModelError, match=message) as raised:
        check_sql(sql, "测试模型", INPUTS)
    assert "测试模型" in str(raised.value)


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(ModelError, match="第2行"):
        check_sql("select *\nfrom judgments where and", "测试模型", INPUTS)


def test_ctes_and_inputs_are_allowed() -> None:
    query = check_sql(
        "with d as (select * from deaths) select * from judgments join d using (id_number) "
        "where d.death_date <= $as_of",
        "测试模型",
        INPUTS,
    )
    assert parameter_names(query) == {"as_of"}


def test_endless_query_is_stopped(tmp_path: Path) -> None:
    snapshot = connect(Workspace(tmp_path))
    endless = "select count(*) from range(1000000000000) a"
    with pytest.raises(ModelError, match=r"超过 0\.5 秒"):
        run_limited(snapshot.connection, endless, {}, model="测试模型", seconds=0.5)


def test_runtime_connection_reads_no_files(tmp_path: Path) -> None:
    # Defence in depth: even SQL that slipped past the checks cannot read or write files.
    snapshot = connect(Workspace(tmp_path))
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    for sql in (
        f"select * from read_csv('{secret}')",
        f"copy (select 1) to '{tmp_path / 'out.csv'}'",
        f"attach '{tmp_path / 'x.db'}'",
        "install httpfs",
        "set enable_external_access = true",
    ):
        with pytest.raises(duckdb.Error):
            snapshot.connection.execute(sql)
    assert not (tmp_path / "out.csv").exists()


# --- what is read, not what it is called -------------------------------------------

UNDECLARED_STAFF = (
    "模型 测试模型 读取了未在 inputs 中声明的数据集：staff（已声明：deaths、judgments）"
)
CATALOG = "模型 测试模型 的 SQL 不允许读取数据库目录："
QUALIFIED = "模型 测试模型 的 SQL 不允许引用其他数据库或模式："

# Each query reads the undeclared ``staff`` through a CTE or alias of that name that is
# not in scope where ``staff`` is read; DuckDB reads the table (see the test below).
SHADOWING = [
    # the example: a CTE named like a declared input, the undeclared read elsewhere
    "with judgments as (select 1) select * from (select * from staff) x",
    # a CTE named staff inside one subquery, staff read in another branch
    "select * from (with staff as (select 'cte' as s) select * from staff) x"
    " union all select * from staff",
    "select * from (with staff as (select 'cte' as s) select 1) a, (select * from staff) b",
    # a CTE's body does not see the CTE itself unless the WITH is RECURSIVE
    "with staff as (select * from staff) select * from staff",
    # a CTE defined in another CTE's body is not visible outside it
    "with a as (with staff as (select 'cte' as s) select * from staff) select * from staff",
    # a CTE is not visible to the CTEs before it
    "with a as (select * from staff), staff as (select 'cte' as s) select * from a",
    # WITH RECURSIVE: the base term of the UNION reads the table, not the CTE
    "with recursive staff as (select * from staff union all select * from staff where false)"
    " select * from staff",
    # WITH RECURSIVE over INTERSECT or EXCEPT is not recursive: the name reads the table
    "with recursive staff as (select 'SECRET' as s intersect select * from staff)"
    " select * from staff",
    # a derived table's alias is not a table name
    "select (select s from staff) from (select 'derived' as s) staff",
    # an alias named like the dataset, and the dataset itself beside it
    "select * from judgments as staff, staff as t",
    # spellings of the same name: DuckDB matches names without regard to case or quotes
    '(with "Staff" as (select 1 as s) select * from STAFF) union all select * from "STAFF"',
    "select (from staff)",
    "select (table staff)",
]


@pytest.mark.parametrize("sql", SHADOWING)
def test_a_name_out_of_scope_reads_the_dataset_and_is_refused(sql: str) -> None:
    with pytest.raises(ModelError) as raised:
        check_sql(sql, "测试模型", INPUTS)
    assert str(raised.value) == UNDECLARED_STAFF


@pytest.mark.parametrize("sql", SHADOWING)
def test_duckdb_reads_the_table_in_each_refused_query(sql: str) -> None:
    # The attack is real: run unchecked, each of these queries reads staff's rows.
    con = _marked_database()
    rows = con.execute(sql).fetchall()
    assert any("SECRET" in (str(v) for v in row) for row in rows), rows


LEGITIMATE = [
    # import CTEs, one per step, a CTE read from a later CTE and from a subquery
    "with d as (select * from deaths), j as (select * from judgments),"
    " joined as (select j.s from j join d using (s)) select * from joined"
    " where s in (select s from d)",
    # a CTE named like an undeclared dataset, read only where it is in scope
    "with staff as (select 'cte' as s) select * from judgments"
    " where s not in (select s from staff)",
    "with staff as (select 'cte' as s) select * from (select * from staff) x",
    # a CTE named like a declared input, narrowing it; its body reads the input itself
    "with judgments as (select * from judgments where s = 'ok') select * from judgments",
    # a CTE visible in the later CTEs of its WITH and in nested queries
    "with a as (select 'cte' as s), b as (select * from (select * from a) x) select * from b",
    # WITH RECURSIVE: the recursive term reads the CTE
    "with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) select * from t",
    # an alias named like an undeclared dataset reads the declared one
    "select staff.s from judgments as staff",
    # DuckDB matches names without regard to case, quoted or not
    "with \"Staff\" as (select 'cte' as s) select * from STAFF",
]


@pytest.mark.parametrize("sql", LEGITIMATE)
def test_legitimate_ctes_pass_and_read_no_undeclared_rows(sql: str) -> None:
    check_sql(sql, "测试模型", INPUTS)
    rows = _marked_database().execute(sql).fetchall()
    assert rows and not any("SECRET" in (str(v) for v in row) for row in rows), rows


def _marked_database() -> duckdb.DuckDBPyConnection:
    """Declared datasets holding 'ok', the undeclared staff holding 'SECRET'."""
    con = duckdb.connect(":memory:")
    for name, value in (("judgments", "ok"), ("deaths", "ok"), ("staff", "SECRET")):
        con.execute(f"create table {name} as select '{value}' as s")
    return con


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        # the warehouse's log tables, even when declared
        (
            "select * from _row_issues",
            "模型 测试模型 不允许读取数据仓库的导入日志 _row_issues："
            "它记录导入的过程，不是模型的输入",
        ),
        (
            "select * from judgments j join _import_batches b on true",
            "模型 测试模型 不允许读取数据仓库的导入日志 _import_batches："
            "它记录导入的过程，不是模型的输入",
        ),
        # the catalog, as functions and as views
        (
            "select * from duckdb_tables()",
            "模型 测试模型 的 SQL 不允许调用函数 duckdb_tables"
            "（读取数据库目录和配置）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select * from duckdb_settings()",
            "模型 测试模型 的 SQL 不允许调用函数 duckdb_settings"
            "（读取数据库目录和配置）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            'select * from "duckdb_settings"()',
            "模型 测试模型 的 SQL 不允许调用函数 duckdb_settings"
            "（读取数据库目录和配置）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select * from DUCKDB_SETTINGS()",
            "模型 测试模型 的 SQL 不允许调用函数 duckdb_settings"
            "（读取数据库目录和配置）：模型只能读取 inputs 中声明的数据集",
        ),
        ("select * from information_schema.tables", CATALOG + "information_schema.tables"),
        ("select * from pg_catalog.pg_tables", CATALOG + "pg_catalog.pg_tables"),
        ("select * from system.main.duckdb_tables", CATALOG + "system.main.duckdb_tables"),
        ("select * from sqlite_master", CATALOG + "sqlite_master"),
        ("select * from duckdb_views", CATALOG + "duckdb_views"),
        ("select * from pragma_database_list", CATALOG + "pragma_database_list"),
        (
            "select * from pragma_table_info('judgments')",
            "模型 测试模型 的 SQL 不允许调用函数 "
            "pragma_table_info（读取数据库目录）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select pg_get_viewdef('judgments')",
            "模型 测试模型 的 SQL 不允许调用函数 "
            "pg_get_viewdef（读取数据库目录）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select current_database()",
            "模型 测试模型 的 SQL 不允许调用函数 current_database"
            "（读取数据库目录）：模型只能读取 inputs 中声明的数据集",
        ),
        # settings, environment and session
        (
            "select * from judgments where current_setting('memory_limit') <> ''",
            "模型 测试模型 的 SQL 不允许调用函数 current_setting（读取数据库配置）："
            "模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select 'memory_limit'.current_setting()",
            "模型 测试模型 的 SQL 不允许调用函数 "
            "current_setting（读取数据库配置）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select getenv('HOME')",
            "模型 测试模型 的 SQL 不允许调用函数 getenv"
            "（读取服务器环境变量）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select (select GETENV('HOME')) from judgments",
            "模型 测试模型 的 SQL 不允许调用函数 "
            "getenv（读取服务器环境变量）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select getvariable('x')",
            "模型 测试模型 的 SQL 不允许调用函数 getvariable"
            "（读取会话变量）：模型只能读取 inputs 中声明的数据集",
        ),
        (
            "select setseed(0.5)",
            "模型 测试模型 的 SQL 不允许调用函数 setseed"
            "（改变会话的随机数状态）：模型只能读取 inputs 中声明的数据集",
        ),
        # another database or schema, however spelled
        (
            "select * from main.judgments",
            QUALIFIED + "main.judgments（数据集直接写名称，例如 judgments）",
        ),
        (
            "select * from memory.main.staff",
            QUALIFIED + "memory.main.staff（数据集直接写名称，例如 judgments）",
        ),
        ("select * from temp.x", QUALIFIED + "temp.x（数据集直接写名称，例如 judgments）"),
        (
            'select * from "main"."staff"',
            QUALIFIED + '"main"."staff"（数据集直接写名称，例如 judgments）',
        ),
        # any table function, as before
        (
            "select * from read_text('/etc/passwd')",
            "模型 测试模型 的 SQL 不允许使用表函数或文件：READ_TEXT('/etc/passwd')",
        ),
    ],
)
def test_catalog_settings_and_log_tables_are_refused(sql: str, message: str) -> None:
    with pytest.raises(ModelError) as raised:
        check_sql(sql, "测试模型", (*INPUTS, "_row_issues", "_import_batches"))
    assert str(raised.value) == message


def test_every_refused_function_has_its_reason() -> None:
    assert refusal_reason("duckdb_secrets") == "读取数据库目录和配置"
    assert refusal_reason("has_table_privilege") == "读取数据库权限"
    assert refusal_reason("CURRENT_SETTING") == "读取数据库配置"
    assert refusal_reason("current_date") is None
    assert refusal_reason("list_contains") is None
    assert all(reason for reason in REFUSED_FUNCTIONS.values())


# --- the runtime connection holds only the declared datasets ------------------------

# Spellings that would reach another dataset, a log table or the catalog, should a
# query ever get past the check.
RUNTIME_SPELLINGS = [
    "select * from staff",
    'select * from "staff"',
    "select * from STAFF",
    "select * from main.staff",
    "select * from memory.main.staff",
    "select * from temp.main.staff",
    "select * from _row_issues",
    "select * from _import_batches",
    "select * from _empty_staff",
    "select * from staff_rows",  # a Python variable of that name, below
]


def test_a_model_connection_has_nothing_but_its_inputs(tmp_path: Path) -> None:
    import pyarrow as pa

    staff_rows = pa.table({"s": ["SECRET"]})  # noqa: F841 - DuckDB could scan it by name
    snapshot = connect(Workspace(tmp_path))
    assert snapshot.connection.execute("select count(*) from staff").fetchone() == (0,)
    con = snapshot.narrowed(["judgments", "deaths"])
    names = {
        row[0]
        for row in con.execute("select view_name from duckdb_views() where not internal").fetchall()
    }
    # a dataset never imported is an empty table registered beside its view
    assert names == {"judgments", "deaths", "_empty_judgments", "_empty_deaths"}
    assert con.execute("select count(*) from judgments").fetchone() == (0,)
    for sql in RUNTIME_SPELLINGS:
        with pytest.raises(duckdb.CatalogException):
            con.execute(sql)
    assert con.execute("select current_setting('enable_external_access')").fetchone() == (False,)
    with pytest.raises(duckdb.Error):
        con.execute("set lock_configuration = false")


def test_a_model_reads_its_inputs_through_the_narrowed_connection(tmp_path: Path) -> None:
    from tests.supervision.user_models import SQL, model_yml
    from zhijian.supervision.engine import run_model
    from zhijian.supervision.spec import parse_spec

    spec = parse_spec(model_yml(), SQL, model="dead_in_custody", sql_name="dead_in_custody.sql")
    result = run_model(spec, connect(Workspace(tmp_path)), date(2025, 6, 30))
    assert (result.error, result.hits) == (None, ())
    assert result.table_versions == {"deaths": None, "custody_records": None}


# --- the cap on a result's rows -----------------------------------------------------


def test_a_result_over_the_cap_is_refused(tmp_path: Path) -> None:
    con = connect(Workspace(tmp_path)).connection
    columns, rows = run_limited(
        con, "select * from range(10) t(i)", {}, model="测试模型", max_rows=10
    )
    assert (columns, len(rows)) == (["i"], 10)
    with pytest.raises(ModelError) as raised:
        run_limited(con, "select * from range(11) t(i)", {}, model="测试模型", max_rows=10)
    assert str(raised.value) == (
        "模型 测试模型 的结果超过 10 行，已拒绝，未生成线索：请收窄模型的条件"
        "（例如按查询日、场所或情形过滤），确需更多结果时由系统管理员调高结果行数上限"
        "（环境变量 ZHIJIAN_MODEL_MAX_ROWS）"
    )


def test_the_cap_stops_fetching_at_one_row_over(tmp_path: Path) -> None:
    # A result of a million million rows: fetched whole it would run past the time limit.
    con = connect(Workspace(tmp_path)).connection
    endless = "select i from range(1000000000000) t(i)"
    started = time.monotonic()
    with pytest.raises(ModelError, match="的结果超过 5 行"):
        run_limited(con, endless, {}, model="测试模型", seconds=20, max_rows=5)
    assert time.monotonic() - started < 20


def test_the_default_cap_and_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_RESULT_ROWS == 200_000
    monkeypatch.delenv("ZHIJIAN_MODEL_MAX_ROWS", raising=False)
    assert max_rows_from_environment() == 200_000
    monkeypatch.setenv("ZHIJIAN_MODEL_MAX_ROWS", "500")
    assert max_rows_from_environment() == 500
    for bad in ("0", "-1", "二十", "1e5"):
        monkeypatch.setenv("ZHIJIAN_MODEL_MAX_ROWS", bad)
        with pytest.raises(ModelError) as raised:
            max_rows_from_environment()
        assert str(raised.value) == (
            f"环境变量 ZHIJIAN_MODEL_MAX_ROWS 应为正整数（模型结果行数上限），现为“{bad}”"
        )
