"""Generated files import through the warehouse with nothing rejected or flagged."""

from __future__ import annotations

from pathlib import Path

from tests.synth.conftest import make
from zhijian.warehouse.ingest import import_directory
from zhijian.warehouse.standard import DATASETS
from zhijian.warehouse.workspace import Workspace


def test_tiny_csv_imports_with_zero_rejected_rows(tmp_path: Path) -> None:
    # given a tiny province written as CSV
    folder = make(tmp_path / "out", seed=3, file_format="csv")
    workspace = Workspace(tmp_path / "home")
    workspace.init()
    # when the whole folder is imported
    summaries = import_directory(folder, workspace=workspace)
    # then every dataset arrives whole: nothing rejected, flagged or unknown
    assert sorted(s.dataset for s in summaries) == sorted(DATASETS)
    for summary in summaries:
        assert (summary.rejected, summary.flagged, summary.unknown_columns) == (0, 0, ())
        assert summary.inserted == summary.received
