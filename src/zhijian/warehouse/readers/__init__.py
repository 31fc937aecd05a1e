"""Reading an agency's file into a staging Parquet file of text columns.

Agencies send Excel workbooks with their own headers, CSV exports in GBK, Parquet dumps
and JSON Lines. The reader's only job is to get every cell out faithfully, as text, with
the row it came from; validation (``validate.py``) then runs SQL over the staging file.
Nothing the sender sent is dropped: cells under headers the standard does not know go to
``_extra``, rows that cannot be split into the header's columns are kept with a
``_parse_error`` the validator rejects them with.

The staging file has ``_row`` (int64), one string column per standard column the file
has (dataset order), then three strings, usually null:

- ``_extra``: a JSON object of the cells under unknown headers (a cell under a blank
  header as "第N列"), plus ``_overflow`` (CSV fields beyond the header) or ``_raw`` (a
  JSON Lines line that is not an object);
- ``_parse_error``: why the row could not be split into the header's columns;
- ``_numeric_columns``: the columns, comma-separated, whose cell was stored as a number
  where the standard expects text, a date or a code (an ID number typed into an Excel
  number cell has lost its final X or its last digits).

``_row`` is the row number a user would look up in the source: in a spreadsheet, the
sheet's row number; in CSV, the record's ordinal counting the header and any title and
blank rows above it, as a spreadsheet program opening the file shows it (a quoted value
spanning lines is one row, so this can differ from a text editor's line number); in
Parquet, the record index + 2 (the header is row 1); in JSON Lines, the line number.
Rows with no value at all are skipped, but still counted.

Cell text is kept as sent except that surrounding whitespace is stripped and an empty
cell becomes null. Typed cells (Excel, Parquet) become text: integral numbers without
``.0``, dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``true`` and
``false``.

Everything streams in chunks of at most ``CHUNK_ROWS`` rows, except Excel: calamine
loads one sheet at a time, which a sheet's 1,048,576-row limit keeps bounded.

The package, by responsibility: ``headers`` finds the header row and maps it to the
standard's columns; ``staging`` writes the staging file and holds the cleaning every
format shares; ``delimited``, ``excel``, ``parquet`` and ``jsonl`` read one format each.
This module picks the reader by the file's extension.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.readers.delimited import stage_csv
from zhijian.warehouse.readers.excel import stage_excel
from zhijian.warehouse.readers.headers import HeaderReport, Matcher
from zhijian.warehouse.readers.jsonl import stage_jsonl
from zhijian.warehouse.readers.parquet import stage_parquet
from zhijian.warehouse.readers.staging import Progress, StagedFile
from zhijian.warehouse.standard import Dataset

__all__ = ["FORMATS", "HeaderReport", "StagedFile", "load_mapping", "stage_file"]

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def stage_file(
    source: Path,
    dataset: Dataset,
    staging_dir: Path,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> StagedFile:
    """Read ``source`` into a new Parquet file in ``staging_dir``.

    ``mapping`` (agency header -> standard column, see ``load_mapping``) is applied before
    the standard's own names, labels and aliases. ``sheet`` picks an Excel sheet (default:
    the first). ``progress`` is called with the number of rows staged so far after each
    chunk. WarehouseError when the file cannot be used at all: an unsupported format, an
    empty file, no header row, a required column missing, two columns for one field.
    """
    kind = FORMATS.get(source.suffix.lower())
    if kind is None:
        supported = "、".join(dict.fromkeys(s.lstrip(".") for s in FORMATS if s != ".ndjson"))
        raise WarehouseError(f"不支持的文件格式：{source.suffix or '无扩展名'}（支持 {supported}）")
    if not source.is_file():
        raise WarehouseError(f"文件不存在：{source}")
    if source.stat().st_size == 0:
        raise WarehouseError(f"文件为空：{source.name}")
    matcher = Matcher(dataset, mapping or {})
    staging_dir.mkdir(parents=True, exist_ok=True)
    target = staging_dir / f"{dataset.name}-{uuid.uuid4().hex[:12]}.parquet"
    report = _monotonic(progress)
    try:
        if kind == "csv":
            return stage_csv(source, matcher, target, report)
        if kind == "excel":
            return stage_excel(source, matcher, target, report, sheet)
        if kind == "parquet":
            return stage_parquet(source, matcher, target, report)
        return stage_jsonl(source, matcher, target, report)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def load_mapping(path: Path) -> dict[str, str]:
    """A header mapping file: YAML ``{agency header: standard column name}``. Whether the
    targets exist is checked by ``stage_file`` against the dataset."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise WarehouseError(f"无法读取映射文件：{path}（{error.strerror}）") from None
    except UnicodeDecodeError:
        raise WarehouseError(f"映射文件不是 UTF-8 编码：{path}") from None
    except yaml.YAMLError as error:
        raise WarehouseError(f"映射文件不是有效的YAML：{path}（{error}）") from None
    shape = f"映射文件格式错误：{path} 应为“机关表头: 标准字段名”的映射"
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise WarehouseError(shape)
    mapping: dict[str, str] = {}
    for header, column in loaded.items():
        # YAML reads a header such as 2024 as a number; the file's header is its text.
        if header is None or not isinstance(column, str) or not column.strip():
            raise WarehouseError(f"{shape}（“{header}”）")
        mapping[str(header).strip()] = column.strip()
    return mapping


def _monotonic(progress: Progress | None) -> Progress:
    """Progress that never goes back: a CSV that pyarrow fails on part-way is read again
    from the top by the csv module (see ``stage_csv``), repeating rows reported."""
    best = 0

    def report(rows: int) -> None:
        nonlocal best
        if progress is not None and rows > best:
            best = rows
            progress(rows)

    return report
