"""Generated provinces shared by the synth tests: generating once per session keeps the
suite fast."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from zhijian.synth.config import SCALES, Config
from zhijian.synth.generator import generate
from zhijian.warehouse.standard import DATASETS

AS_OF = date(2025, 6, 30)
SEED = 7


def make(out: Path, scale: str = "tiny", seed: int = SEED, file_format: str = "parquet") -> Path:
    generate(Config(SCALES[scale], seed, out, format=file_format), quiet=True)
    return out


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("small"), "small")


def views(folder: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per dataset over the generated Parquet files."""
    con = duckdb.connect()
    for name in DATASETS:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / name}.parquet')")
    return con
