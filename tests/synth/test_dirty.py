"""``--dirty``: the files agencies really send, and the import doing exactly what the
manifest says with each dirty value: upgraded, accepted, flagged or rejected, nothing
more and nothing less, and the planted anomalies still found exactly."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from tests.synth.conftest import AS_OF, make
from tests.synth.test_ground_truth import planted
from zhijian.cli import main
from zhijian.supervision.engine import run_models
from zhijian.supervision.spec import load_library
from zhijian.synth import dirty
from zhijian.warehouse.compute import connect
from zhijian.warehouse.ingest import ImportSummary, import_directory
from zhijian.warehouse.standard import DATASETS
from zhijian.warehouse.validate import FLAG, REJECT
from zhijian.warehouse.workspace import Workspace

SEED = 7
ACTIONS = {"rejected": REJECT, "flagged": FLAG}


@dataclass(frozen=True)
class Imported:
    folder: Path
    manifest: dict[str, Any]
    summaries: list[ImportSummary]
    workspace: Workspace

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.manifest["dirty"]["rows"])

    @cached_property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return connect(self.workspace).connection


def generate_dirty(out: Path, seed: int = SEED) -> Path:
    argv = ["synth", "generate", "--scale", "tiny", "--seed", str(seed), "--out", str(out)]
    assert main([*argv, "--dirty", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    # given a tiny province generated with --dirty, imported into a fresh workspace
    root = tmp_path_factory.mktemp("dirty")
    folder = generate_dirty(root / "out")
    workspace = Workspace(root / "home")
    workspace.init()
    summaries = import_directory(folder, workspace=workspace)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    data = Imported(folder, manifest, summaries, workspace)
    yield data
    if "connection" in data.__dict__:  # opened by a test: cached_property keeps it there
        data.connection.close()


def stored(imported: Imported, entry: dict[str, Any], key: dict[str, str]) -> list[Any]:
    """The warehouse rows of ``entry``'s dataset with ``key``: (id_number, id_number_valid,
    the dirty column as text)."""
    table = entry["file"].removesuffix(".csv")
    where = " AND ".join(f'CAST("{name}" AS VARCHAR) = ?' for name in key)
    sql = (
        f'SELECT id_number, id_number_valid, CAST("{entry["column"]}" AS VARCHAR) '
        f"FROM {table} WHERE {where}"
    )
    return imported.connection.execute(sql, list(key.values())).fetchall()


def test_every_kind_of_dirty_value_is_written(imported: Imported) -> None:
    kinds = Counter(row["expected"] for row in imported.rows)
    assert set(kinds) == {"rejected", "flagged", "upgraded", "accepted"}
    problems = {(row["file"], row["column"], row["expected"]) for row in imported.rows}
    assert ("judgments.csv", "id_number", "upgraded") in problems
    assert ("benefit_payments.csv", "id_number", "flagged") in problems
    assert ("deaths.csv", "death_date", "rejected") in problems  # a day the month lacks
    assert ("benefit_payments.csv", "benefit_type", "rejected") in problems  # unknown enum
    assert all(row["original"] != row["written"] for row in imported.rows)
    assert imported.manifest["dirty"]["gbk_files"] == ["benefit_payments.csv", "judgments.csv"]


def test_row_issues_are_exactly_the_rejected_and_flagged_values(imported: Imported) -> None:
    # when the quarantine is read
    issues = imported.connection.execute(
        "SELECT file_name, row_number, column_name, action FROM _row_issues"
    )
    found = Counter(tuple(row) for row in issues.fetchall())
    # then it holds one issue per rejected or flagged value, at the manifest's row and
    # column, and nothing for the upgraded and accepted ones
    expected = Counter(
        (row["file"], row["row"], row["column"], ACTIONS[row["expected"]])
        for row in imported.rows
        if row["expected"] in ACTIONS
    )
    assert found == expected


def test_batches_add_up(imported: Imported) -> None:
    by_file = Counter((row["file"], row["expected"]) for row in imported.rows)
    con = imported.connection
    assert sorted(s.dataset for s in imported.summaries) == sorted(DATASETS)
    for summary in imported.summaries:
        name = summary.file_name
        # received = stored + rejected, every row of the file received
        assert summary.received == imported.manifest["rows"][summary.dataset]
        stored_rows = summary.inserted + summary.updated + summary.unchanged
        assert summary.received == stored_rows + summary.rejected
        (count,) = con.execute(f"SELECT count(*) FROM {summary.dataset}").fetchone() or (0,)
        assert count == summary.received - summary.rejected
        assert (summary.rejected, summary.flagged) == (
            by_file[name, "rejected"],
            by_file[name, "flagged"],
        )
        assert summary.unknown_columns == ()


def test_upgraded_ids_are_stored_as_the_18_digit_original(imported: Imported) -> None:
    upgraded = [row for row in imported.rows if row["expected"] == "upgraded"]
    assert len(upgraded) >= 2
    con = imported.connection
    for entry in upgraded:
        assert len(entry["written"]) == 15
        assert stored(imported, entry, entry["key"]) == [
            (entry["original"], True, entry["original"])
        ]
        table = entry["file"].removesuffix(".csv")
        found = con.execute(f"SELECT count(*) FROM {table} WHERE id_number = ?", [entry["written"]])
        assert found.fetchone() == (0,)


def test_accepted_values_are_stored_normalized(imported: Imported) -> None:
    accepted = [row for row in imported.rows if row["expected"] == "accepted"]
    assert {row["column"] for row in accepted} >= {"judgment_date", "month", "death_date"}
    for entry in accepted:
        [(_, _, value)] = stored(imported, entry, entry["key"])
        assert value == entry["original"]


def test_flagged_ids_are_kept_as_sent(imported: Imported) -> None:
    for entry in (row for row in imported.rows if row["expected"] == "flagged"):
        key = {**entry["key"], "id_number": entry["written"]}
        assert stored(imported, entry, key) == [(entry["written"], False, entry["written"])]


def test_rejected_rows_are_not_stored(imported: Imported) -> None:
    for entry in (row for row in imported.rows if row["expected"] == "rejected"):
        assert stored(imported, entry, entry["key"]) == []


def test_gbk_files_are_gbk_with_crlf(imported: Imported) -> None:
    summaries = {s.file_name: s for s in imported.summaries}
    for name in imported.manifest["dirty"]["gbk_files"]:
        raw = (imported.folder / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gbk")
        assert raw.count(b"\n") == raw.count(b"\r\n") == imported.manifest["rows"][name[:-4]] + 1
        assert '"' not in text  # Excel quotes a value only when it must
    # and the GBK judgments, whose dirty values are all lossless, import with no issue
    assert (summaries["judgments.csv"].rejected, summaries["judgments.csv"].flagged) == (0, 0)
    (imported.folder / "deaths.csv").read_bytes().decode("utf-8")


def test_planted_anomalies_are_still_found_exactly(imported: Imported) -> None:
    """The dirty rows are chosen so that losing or re-numbering them moves no model hit."""
    truth = planted(imported.folder)
    results = run_models(load_library(), AS_OF, workspace=imported.workspace)
    assert len(results) == len(truth)
    for result in results:
        assert result.error is None
        keys = {"|".join(hit.key.values()) for hit in result.hits}
        if result.model_id == "benefits_while_imprisoned":
            # the model's key leaves out the ID number that the ground truth's starts with
            keys = {f"{hit.id_number}|{'|'.join(hit.key.values())}" for hit in result.hits}
        assert (result.model_id, keys) == (result.model_id, truth[result.model_id])


def records(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_only_the_listed_cells_differ_from_the_clean_files(
    imported: Imported, tmp_path: Path
) -> None:
    # given the same seed generated clean
    clean = make(tmp_path / "clean", seed=SEED, file_format="csv")
    rewritten = set(imported.manifest["dirty"]["files"])
    for path in sorted(clean.iterdir()):
        dirty_path = imported.folder / path.name
        if path.name == "manifest.json":
            dirty_manifest = dict(imported.manifest)
            del dirty_manifest["dirty"]
            assert json.loads(path.read_text("utf-8")) == dirty_manifest
        elif path.name not in rewritten:
            # then every file not rewritten is byte-identical
            assert path.read_bytes() == dirty_path.read_bytes(), path.name
        else:
            # and a rewritten one holds the same values except the listed cells
            before, after = records(path), records(dirty_path)
            assert len(before) == len(after)
            header = before[0]
            changed = {
                (number, header[column], old, new)
                for number, (old_row, new_row) in enumerate(
                    zip(before, after, strict=True), start=1
                )
                for column, (old, new) in enumerate(zip(old_row, new_row, strict=True))
                if old != new
            }
            listed = {
                (row["row"], row["column"], row["original"], row["written"])
                for row in imported.rows
                if row["file"] == path.name
            }
            assert changed == listed


def test_dirty_files_are_deterministic(imported: Imported, tmp_path: Path) -> None:
    again = generate_dirty(tmp_path / "again")
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {
        p.name: p.read_bytes() for p in imported.folder.iterdir()
    }


def test_no_alias_is_a_valid_enumeration_value() -> None:
    valid = {value for d in DATASETS.values() for c in d.columns for value in c.values}
    assert not set(dirty.ALIASES.values()) & valid
    assert set(dirty.ALIASES) <= valid


def test_values_that_need_quotes_take_the_csv_module_path(tmp_path: Path) -> None:
    # given a deaths file whose place holds a comma and a line break
    path = tmp_path / "deaths.csv"
    table = pa.table(
        {
            "id_number": ["370102198001010013", "370102198001010021"],
            "name": ["张三", "李四"],
            "death_date": ["2024-04-03", "2024-05-06"],
            "source": ["民政火化", "公安户籍注销"],
            "place": ["济南市, 历下区\n某医院", "住所"],
            "source_system": [None, None],
            "source_record_id": [None, None],
        },
        schema=pa.schema([(name, pa.string()) for name in DATASETS["deaths"].column_names]),
    )
    pcsv.write_csv(table, str(path))
    empty = pa.array([], pa.string())
    edits = [dirty.Edit("deaths", "death_date", "impossible_day", 1)]
    # when it is scanned and rewritten as Excel saves it, row 3 changed
    candidates = dirty._scan(path, DATASETS["deaths"], edits, empty, empty)
    assert [c.row for c in candidates[edits[0]]] == [2]  # April has no 31st; May has
    dirty._rewrite(path, DATASETS["deaths"], dirty.EXCEL_WINDOWS, {3: {2: "2024-05-32"}})
    # then the records end in CRLF, the line break inside the value stays LF, and only
    # the changed cell differs
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 3
    assert "济南市, 历下区\n某医院".encode("gbk") in raw
    rows = list(csv.reader(io.StringIO(raw.decode("gbk"), newline="")))
    assert rows[1][4] == "济南市, 历下区\n某医院"
    assert rows[2][2] == "2024-05-32"
    assert rows[0] == list(DATASETS["deaths"].column_names)
