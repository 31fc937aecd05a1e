"""The small province (the demo's) imports through the warehouse with nothing rejected
or flagged, and the supervision library finds exactly the planted anomalies in it."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from zhijian.supervision.engine import run_models
from zhijian.supervision.spec import load_library
from zhijian.warehouse.ingest import import_directory
from zhijian.warehouse.workspace import Workspace


def test_small_round_trip_and_model_quality(small: Path, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "home")
    summaries = import_directory(small, workspace=workspace)
    assert len(summaries) == 19
    for summary in summaries:
        assert (summary.rejected, summary.flagged, summary.updated) == (0, 0, 0), summary
        assert summary.inserted == summary.received

    manifest = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    truth: dict[str, set[tuple[str, str]]] = {}
    with (small / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth.setdefault(row["model_id"], set()).add((row["id_number"], row["key"]))
    results = run_models(load_library(), date.fromisoformat(manifest["as_of"]), workspace=workspace)
    assert len(results) == 14
    for result in results:
        assert result.error is None, result.error
        found = {(h.id_number, "|".join([h.id_number, *h.key.values()])) for h in result.hits}
        expected = {
            (id_number, key if "|" in key else f"{id_number}|{key}")
            for id_number, key in truth.get(result.model_id, set())
        }
        assert found == expected, result.model_id
