"""The same seed gives byte-identical files; another seed gives other files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synth.conftest import make


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_same_seed_gives_identical_bytes(tmp_path: Path, file_format: str) -> None:
    # given two runs with seed 11
    first = make(tmp_path / "a", seed=11, file_format=file_format)
    second = make(tmp_path / "b", seed=11, file_format=file_format)
    # then every file, the manifest and ground truth included, is the same
    assert contents(first) == contents(second)
    assert len(contents(first)) == 19 + 2


def test_another_seed_gives_other_bytes(tmp_path: Path) -> None:
    first = contents(make(tmp_path / "a", seed=11, file_format="csv"))
    second = contents(make(tmp_path / "b", seed=12, file_format="csv"))
    assert first["judgments.csv"] != second["judgments.csv"]
    assert first["benefit_payments.csv"] != second["benefit_payments.csv"]
    # reference data does not depend on the seed
    assert first["facilities.csv"] == second["facilities.csv"]
