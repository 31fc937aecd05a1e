"""The sandbox refuses or stops what a model must not do."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from zhijian.supervision.errors import ModelError
from zhijian.supervision.sandbox import check_sql, parameter_names, run_limited
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
