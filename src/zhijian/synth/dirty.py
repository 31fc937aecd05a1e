"""``--dirty``: a few generated CSV files rewritten the way agencies really send them,
every dirty value listed in the manifest with what the import must do with it.

After the clean files are written, ``make_dirty`` rewrites:

- ``judgments.csv`` and ``benefit_payments.csv`` in GBK with CRLF line endings and
  quotes only where needed, as Excel on Chinese Windows saves「CSV（逗号分隔）」;
  ``deaths.csv``, which carries dirty values too, stays UTF-8 with LF line endings (an
  export from a server), also without needless quotes;
- a handful of values (``PLAN``): 15-digit ID numbers (the importer upgrades them back to
  the 18-digit original), ID numbers with a wrong check character (kept and flagged),
  days a month does not have and enumeration values in an agency's own words (the row
  is rejected), and dates and months written 2023年5月6日, 2023/5/6, 2023年5月 or as an
  Excel serial number (accepted and normalized to the clean value).

Which rows carry them, so that the ground truth stays what ``ground_truth.csv`` says:

- upgraded and accepted values are lossless (the warehouse stores exactly the clean
  value), so any row may carry them: ``judgments`` rows of background offenders do, and
  rows of the two datasets below;
- a rejected row disappears from the warehouse and a flagged ID number no longer joins
  the person's other records, so these go only to ``benefit_payments`` and ``deaths``
  rows of bystanders: people whose ID number is in no other dataset. The models that
  read payments or deaths (``benefits_while_imprisoned``, ``dead_still_supervised``)
  join them by ID number to custody records or corrections cases, which a bystander
  has none of, so losing or mis-numbering such a row can create or remove no hit;
- no row of a person in a planted anomaly or near-miss is touched, and no person
  carries two dirty values in one file.

Rows are chosen by the seed's ``dirty`` stream among the first ``MAX_CANDIDATES``
eligible rows of each kind, so that choosing holds little in memory and stops reading a
province's payments early; the rewrite then streams the whole file through pyarrow.
A row is numbered as a spreadsheet shows it (header = row 1), as the importer numbers
it in ``_row_issues``.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from zhijian.law.idnumber import CHECK_CHARS, is_valid_id_number
from zhijian.warehouse.standard import DATASETS, Dataset

GBK_DATASETS = ("judgments", "benefit_payments")
# Datasets whose rows may be rejected or flagged: the cross-checked sources, whose rows
# only matter to a model through a custody record or a corrections case.
BYSTANDER_DATASETS = ("benefit_payments", "deaths")
MAX_CANDIDATES = 5_000
BLOCK_BYTES = 1 << 22
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 in the 1900 date system, as it counts
EXPECTED = ("rejected", "flagged", "upgraded", "accepted")

# What agencies write instead of the standard's enumeration values (their own short or
# older names); none is in the standard's list, so the row is rejected.
ALIASES = {
    "城镇职工基本养老金": "企业职工养老金",
    "城乡居民基本养老金": "城乡居民养老保险待遇",
    "机关事业单位养老金": "机关事业养老金",
    "最低生活保障金": "低保金",
    "特困人员供养金": "特困供养金",
    "高龄津贴": "高龄补贴",
    "残疾人两项补贴": "残疾人补贴",
    "公安户籍注销": "户籍注销",
    "民政火化": "火化登记",
    "卫健死亡医学证明": "死亡医学证明",
    "监管场所报告": "监所报告",
}


def _fifteen(value: str) -> str:
    """The pre-1999 form: no century digits, no check character."""
    return value[:6] + value[8:17]


def _bad_check(value: str) -> str:
    """The next character after the right check character, so it is always wrong."""
    return value[:17] + CHECK_CHARS[(CHECK_CHARS.index(value[17]) + 1) % len(CHECK_CHARS)]


def _impossible_day(value: str) -> str:
    """The day after the month's last day, as a clerk types 4月31日 or 2月29日."""
    year, month = int(value[:4]), int(value[5:7])
    return f"{value[:8]}{calendar.monthrange(year, month)[1] + 1:02d}"


def _chinese_date(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def _slash_date(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.year}/{day.month}/{day.day}"


def _excel_serial(value: str) -> str:
    return str((date.fromisoformat(value) - EXCEL_EPOCH).days)


def _chinese_month(value: str) -> str:
    return f"{int(value[:4])}年{int(value[5:7])}月"


@dataclass(frozen=True)
class Kind:
    """One way a clean value is written dirty."""

    pattern: str  # what the clean value must look like (a full match) for the kind to apply
    expected: str  # what the import does with it: one of EXPECTED
    problem: str  # for the manifest
    write: Callable[[str], str]


DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
KINDS: dict[str, Kind] = {
    "id_15": Kind(
        r"[0-9]{6}19[0-9]{9}[0-9X]",  # only 19xx births have a 15-digit form
        "upgraded",
        "15位旧身份证号（缺世纪位19和校验码），导入时升为18位",
        _fifteen,
    ),
    "bad_check": Kind(r"[0-9]{17}[0-9X]", "flagged", "身份证号校验码错误（末位错）", _bad_check),
    "impossible_day": Kind(
        r"[0-9]{4}-(02|04|06|09|11)-[0-9]{2}",  # months that lack a 31st (or a 29th/30th)
        "rejected",
        "不存在的日期（该月没有这一天）",
        _impossible_day,
    ),
    "unknown_enum": Kind(
        "|".join(re.escape(name) for name in ALIASES),
        "rejected",
        "取值不在数据标准规定的范围内（机关自己的叫法）",
        ALIASES.__getitem__,
    ),
    "chinese_date": Kind(DATE, "accepted", "日期写成中文年月日（如 2023年5月6日）", _chinese_date),
    "slash_date": Kind(DATE, "accepted", "日期用斜杠且月日不补零（如 2023/5/6）", _slash_date),
    "excel_serial": Kind(
        r"(19[3-9][0-9]|20[0-9]{2})-[0-9]{2}-[0-9]{2}",  # five-digit serials, as imported
        "accepted",
        "日期为 Excel 序列号（单元格格式为「常规」时另存的样子）",
        _excel_serial,
    ),
    "chinese_month": Kind(
        r"[0-9]{4}-[0-9]{2}", "accepted", "月份写成中文年月（如 2023年5月）", _chinese_month
    ),
}


@dataclass(frozen=True)
class Edit:
    """``count`` rows of ``dataset`` get ``column`` written as ``kind``."""

    dataset: str
    column: str
    kind: str
    count: int

    @property
    def bystanders_only(self) -> bool:
        """A row that is lost (rejected) or no longer joins (flagged ID) must not matter."""
        return KINDS[self.kind].expected in ("rejected", "flagged")


PLAN = (
    Edit("judgments", "id_number", "id_15", 2),
    Edit("judgments", "judgment_date", "chinese_date", 1),
    Edit("judgments", "effective_date", "slash_date", 1),
    Edit("benefit_payments", "id_number", "id_15", 1),
    Edit("benefit_payments", "id_number", "bad_check", 1),
    Edit("benefit_payments", "benefit_type", "unknown_enum", 1),
    Edit("benefit_payments", "month", "chinese_month", 1),
    Edit("deaths", "death_date", "impossible_day", 1),
    Edit("deaths", "source", "unknown_enum", 1),
    Edit("deaths", "id_number", "bad_check", 1),
    Edit("deaths", "death_date", "excel_serial", 1),
)


@dataclass(frozen=True)
class Candidate:
    row: int  # as a spreadsheet shows it: header = 1
    person: str  # the row's ID number
    value: str  # the clean value of the edited column
    key: tuple[str, ...]  # the row's natural key


@dataclass(frozen=True)
class DirtyRow:
    """One dirty value, as the manifest lists it."""

    file: str
    row: int
    column: str
    original: str
    written: str
    problem: str
    expected: str
    key: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "original": self.original,
            "written": self.written,
            "problem": self.problem,
            "expected": self.expected,
            "key": self.key,
        }


@dataclass(frozen=True)
class Style:
    """How a rewritten file is encoded."""

    encoding: str  # "gbk" (GB18030 for a character GBK lacks) or "utf-8"
    newline: str

    def describe(self) -> dict[str, str]:
        return {
            "encoding": "GBK" if self.encoding == "gbk" else "UTF-8",
            "line_endings": "CRLF" if self.newline == "\r\n" else "LF",
        }


EXCEL_WINDOWS = Style("gbk", "\r\n")
UNIX_EXPORT = Style("utf-8", "\n")


def make_dirty(
    directory: Path, rng: np.random.Generator, excluded_people: Sequence[str]
) -> dict[str, Any]:
    """Rewrite the files in ``directory`` (clean CSV, as ``generate`` wrote them); returns
    the manifest's ``dirty`` section. ``excluded_people``: the ID numbers of the planted
    anomalies and near-misses, whose rows stay clean."""
    _check_plan()
    involved = _people_in_cases(directory)
    excluded = pa.array(sorted(set(excluded_people)), pa.string())
    datasets = list(dict.fromkeys([*GBK_DATASETS, *(edit.dataset for edit in PLAN)]))
    rows: list[DirtyRow] = []
    files: dict[str, dict[str, str]] = {}
    for name in datasets:
        dataset = DATASETS[name]
        path = directory / f"{name}.csv"
        edits = [edit for edit in PLAN if edit.dataset == name]
        candidates = _scan(path, dataset, edits, involved, excluded)
        chosen = _choose(rng, dataset, edits, candidates)
        style = EXCEL_WINDOWS if name in GBK_DATASETS else UNIX_EXPORT
        changes: dict[int, dict[int, str]] = {}
        for row in chosen:
            changes.setdefault(row.row, {})[dataset.column_names.index(row.column)] = row.written
        _rewrite(path, dataset, style, changes)
        rows.extend(chosen)
        files[path.name] = style.describe()
    return {
        "files": dict(sorted(files.items())),
        "gbk_files": sorted(f"{name}.csv" for name in GBK_DATASETS),
        "rows": [row.to_json() for row in sorted(rows, key=lambda r: (r.file, r.row))],
    }


def _check_plan() -> None:
    """Programming errors in ``PLAN`` or ``ALIASES`` would make the manifest lie."""
    for edit in PLAN:
        dataset = DATASETS[edit.dataset]
        column = dataset.column(edit.column)
        if KINDS[edit.kind].expected not in EXPECTED:
            raise ValueError(f"{edit}: unknown outcome {KINDS[edit.kind].expected}")
        if edit.bystanders_only and edit.dataset not in BYSTANDER_DATASETS:
            raise ValueError(f"{edit}: rows that are lost or flagged must be bystanders'")
        if edit.kind == "unknown_enum" and set(ALIASES.values()) & set(column.values):
            raise ValueError(f"{edit}: an alias is a valid value of {edit.column}")


def _people_in_cases(directory: Path) -> pa.Array:
    """Every ID number in a dataset other than the bystander datasets."""
    found = []
    for name, dataset in DATASETS.items():
        if name in BYSTANDER_DATASETS or "id_number" not in dataset.column_names:
            continue
        convert = pcsv.ConvertOptions(
            include_columns=["id_number"], column_types={"id_number": pa.string()}
        )
        table = pcsv.read_csv(directory / f"{name}.csv", convert_options=convert)
        found.append(pc.unique(table.column("id_number").combine_chunks()))
    return pc.unique(pa.concat_arrays(found)) if found else pa.array([], pa.string())


def _read_options(dataset: Dataset) -> tuple[Any, Any, Any]:
    """Every column as text, records counted as the importer counts them."""
    return (
        pcsv.ReadOptions(block_size=BLOCK_BYTES),
        pcsv.ParseOptions(newlines_in_values=True),
        pcsv.ConvertOptions(column_types=dict.fromkeys(dataset.column_names, pa.string())),
    )


def _scan(
    path: Path, dataset: Dataset, edits: list[Edit], involved: pa.Array, excluded: pa.Array
) -> dict[Edit, list[Candidate]]:
    """The first ``MAX_CANDIDATES`` eligible rows of each edit."""
    candidates: dict[Edit, list[Candidate]] = {edit: [] for edit in edits}
    first_row = 2
    with pcsv.open_csv(path, *_read_options(dataset)) as reader:
        for batch in reader:
            for edit in edits:
                found = candidates[edit]
                wanted = MAX_CANDIDATES - len(found)
                if wanted > 0:
                    found.extend(
                        _candidates(batch, dataset, edit, involved, excluded, first_row)[:wanted]
                    )
            if all(len(found) >= MAX_CANDIDATES for found in candidates.values()):
                break  # the rest of a province's payments need not be read twice
            first_row += batch.num_rows
    return candidates


def _candidates(
    batch: pa.RecordBatch,
    dataset: Dataset,
    edit: Edit,
    involved: pa.Array,
    excluded: pa.Array,
    first_row: int,
) -> list[Candidate]:
    people = batch.column("id_number")
    values = batch.column(edit.column)
    mask = pc.and_(
        pc.match_substring_regex(values, f"^(?:{KINDS[edit.kind].pattern})$"),
        pc.invert(pc.is_in(people, value_set=excluded)),
    )
    if edit.bystanders_only:
        mask = pc.and_(mask, pc.invert(pc.is_in(people, value_set=involved)))
    indices = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    if not len(indices):
        return []
    taken = batch.take(pa.array(indices))
    keys = zip(*(taken.column(k).to_pylist() for k in dataset.key), strict=True)
    return [
        Candidate(first_row + int(index), person, value, tuple(key))
        for index, person, value, key in zip(
            indices,
            taken.column("id_number").to_pylist(),
            taken.column(edit.column).to_pylist(),
            keys,
            strict=True,
        )
    ]


def _choose(
    rng: np.random.Generator,
    dataset: Dataset,
    edits: list[Edit],
    candidates: Mapping[Edit, list[Candidate]],
) -> list[DirtyRow]:
    """``edit.count`` rows per edit (fewer if the file has fewer), in a random order of
    the candidates: one dirty value per row and one dirty row per person."""
    used_rows: set[int] = set()
    used_people: set[str] = set()
    chosen: list[DirtyRow] = []
    for edit in edits:
        pool = candidates[edit]
        picked: list[Candidate] = []
        for index in rng.permutation(len(pool)):
            if len(picked) == edit.count:
                break
            candidate = pool[int(index)]
            if candidate.row in used_rows or candidate.person in used_people:
                continue
            if edit.column == "id_number" and not is_valid_id_number(candidate.person):
                continue  # the expected outcome holds only for a number that was valid
            picked.append(candidate)
            used_rows.add(candidate.row)
            used_people.add(candidate.person)
        kind = KINDS[edit.kind]
        chosen.extend(
            DirtyRow(
                file=f"{dataset.name}.csv",
                row=candidate.row,
                column=edit.column,
                original=candidate.value,
                written=kind.write(candidate.value),
                problem=kind.problem,
                expected=kind.expected,
                key=dict(zip(dataset.key, candidate.key, strict=True)),
            )
            for candidate in sorted(picked, key=lambda c: c.row)
        )
    return chosen


def _rewrite(
    path: Path, dataset: Dataset, style: Style, changes: Mapping[int, Mapping[int, str]]
) -> None:
    """Write the file again in ``style``, with quotes only where a value needs them (as
    Excel does) and ``changes`` (row → column index → value) applied. Written next to it
    and renamed, so that a failure leaves the clean file."""
    target = path.with_name(path.name + ".tmp")
    try:
        _write(target, _arrow_chunks(path, dataset, changes, style.newline), style)
    except _NeedsQuotes:
        _write(target, _csv_chunks(path, changes, style.newline), style)
    target.replace(path)


class _NeedsQuotes(Exception):
    """A value holds a comma, a quote or a line break."""


def _write(target: Path, chunks: Iterator[str], style: Style) -> None:
    with target.open("wb") as handle:
        for text in chunks:
            handle.write(_encode(text, style))


def _arrow_chunks(
    path: Path, dataset: Dataset, changes: Mapping[int, Mapping[int, str]], newline: str
) -> Iterator[str]:
    """The fast path: pyarrow writes no quotes at all, and refuses a value that would
    need them (then the csv module writes the file instead)."""
    first_row = 2
    with pcsv.open_csv(path, *_read_options(dataset)) as reader:
        for batch in reader:
            options = pcsv.WriteOptions(
                include_header=first_row == 2,
                quoting_style="none",
                quoting_header="none",
                eol=newline,
            )
            sink = pa.BufferOutputStream()
            try:
                pcsv.write_csv(_changed(batch, changes, first_row), sink, options)
            except pa.ArrowInvalid as error:
                raise _NeedsQuotes from error
            yield sink.getvalue().to_pybytes().decode("utf-8")
            first_row += batch.num_rows
    if first_row == 2:  # no rows: the header alone
        yield ",".join(dataset.column_names) + newline


def _changed(
    batch: pa.RecordBatch, changes: Mapping[int, Mapping[int, str]], first_row: int
) -> pa.RecordBatch:
    rows = [row for row in changes if first_row <= row < first_row + batch.num_rows]
    if not rows:
        return batch
    columns = {column: batch.column(column).to_pylist() for row in rows for column in changes[row]}
    for row in rows:
        for column, value in changes[row].items():
            columns[column][row - first_row] = value
    arrays = [
        pa.array(columns[index], pa.string()) if index in columns else batch.column(index)
        for index in range(batch.num_columns)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _csv_chunks(
    path: Path, changes: Mapping[int, Mapping[int, str]], newline: str
) -> Iterator[str]:
    """The general path, record by record through the csv module (several times slower),
    for a file with a value that needs quotes. A line break inside a value stays as it
    was: Excel, too, ends records with CRLF but keeps LF in a cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    with path.open(encoding="utf-8", newline="") as source:
        for number, record in enumerate(csv.reader(source), start=1):
            for column, value in changes.get(number, {}).items():
                record[column] = value
            writer.writerow(record)
            if buffer.tell() >= BLOCK_BYTES:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _encode(text: str, style: Style) -> bytes:
    if style.encoding != "gbk":
        return text.encode(style.encoding)
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        # GB18030 is GBK's superset and identical to it on GBK's characters: a rare
        # character is kept rather than turned into "?" as Excel would.
        return text.encode("gb18030")
