"""The data standard as code: every dataset of docs/data-standard.md, its keys, closed
lists, labels, header matching, Arrow types and the generated documentation."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.standard import (
    DATASETS,
    SYSTEM_COLUMNS,
    Column,
    ColumnType,
    arrow_type,
    get_dataset,
    header_lookup,
    import_order,
    match_header,
    normalize_header,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT_ORDER = [
    "facilities",
    "staff",
    "judgments",
    "custody_records",
    "sentence_changes",
    "property_judgments",
    "prison_accounts",
    "assessments",
    "medical_reviews",
    "community_corrections",
    "correction_events",
    "enforcement_measures",
    "travel_records",
    "detention_stages",
    "deaths",
    "benefit_payments",
    "video_cameras",
    "video_segments",
    "custody_events",
]


def test_every_dataset_in_document_order() -> None:
    assert list(DATASETS) == DOCUMENT_ORDER
    assert all(name == dataset.name for name, dataset in DATASETS.items())


def test_sections() -> None:
    sections = {name: d.section for name, d in DATASETS.items()}
    assert sections["facilities"] == sections["staff"] == "参考数据"
    assert sections["judgments"] == sections["medical_reviews"] == "刑罚及其执行"
    assert sections["community_corrections"] == sections["correction_events"] == "社区矫正"
    assert sections["enforcement_measures"] == sections["benefit_payments"] == "其他机关比对数据"
    assert sections["video_cameras"] == sections["custody_events"] == "监管场所视频与监管事件"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("facilities", ("facility_code",)),
        ("judgments", ("judgment_id",)),
        ("prison_accounts", ("id_number", "facility_code", "month")),
        ("assessments", ("id_number", "facility_code", "month")),
        ("deaths", ("id_number", "source")),
        ("benefit_payments", ("id_number", "benefit_type", "month", "kind")),
        ("video_segments", ("camera_id", "start_time")),
        ("custody_events", ("event_id",)),
    ],
)
def test_keys(name: str, key: tuple[str, ...]) -> None:
    assert get_dataset(name).key == key


def test_every_key_column_exists_and_is_required() -> None:
    for dataset in DATASETS.values():
        for name in dataset.key:
            assert dataset.column(name).required, (dataset.name, name)


def test_closed_lists_exactly_as_written() -> None:
    judgments = get_dataset("judgments")
    assert judgments.column("principal_penalty").values == (
        "管制",
        "拘役",
        "有期徒刑",
        "无期徒刑",
        "死刑缓期二年执行",
        "死刑",
        "免予刑事处罚",
        "单处罚金",
        "单处剥夺政治权利",
    )
    change_type = get_dataset("sentence_changes").column("change_type").values
    assert len(change_type) == 9
    assert change_type[-1] == "暂予监外执行收监"
    release_reason = get_dataset("custody_records").column("release_reason")
    assert len(release_reason.values) == 9
    assert not release_reason.required
    assert get_dataset("benefit_payments").column("kind").values == ("发放", "基数调整")
    assert judgments.column("gender").values == ("男", "女")


def test_custody_events_area_types_are_the_cameras() -> None:
    cameras = get_dataset("video_cameras").column("area_type").values
    assert get_dataset("custody_events").column("area_type").values == cameras
    assert len(cameras) == 10


def test_enum_columns_and_only_they_have_values() -> None:
    for dataset in DATASETS.values():
        for column in dataset.columns:
            is_enum = column.type is ColumnType.ENUM
            assert bool(column.values) == is_enum, (dataset.name, column.name)
            assert len(set(column.values)) == len(column.values), (dataset.name, column.name)


def test_a_typo_in_the_standard_fails_at_once() -> None:
    with pytest.raises(ValueError):
        Column("gender", ColumnType.ENUM, "性别")
    with pytest.raises(ValueError):
        Column("name", ColumnType.TEXT, "姓名", values=("甲",))


def test_labels_and_names_unique_within_each_dataset() -> None:
    for dataset in DATASETS.values():
        names = [c.name for c in dataset.stored_columns]
        labels = [c.label for c in dataset.stored_columns]
        assert len(set(names)) == len(names), dataset.name
        assert len(set(labels)) == len(labels), dataset.name
        assert all(labels), dataset.name


def test_optional_marks() -> None:
    judgments = get_dataset("judgments")
    assert judgments.column("name").required
    assert not judgments.column("term_months").required
    assert judgments.column("crimes").type is ColumnType.TEXT_LIST
    events = get_dataset("custody_events")
    assert not events.column("id_number").required
    assert not events.column("name").required
    staff = get_dataset("staff")
    assert not staff.column("id_number").required
    assert staff.column("name").required


def test_two_column_rows_are_split() -> None:
    judgments = get_dataset("judgments")
    assert judgments.column("term_start").label == "刑期起日"
    assert judgments.column("term_end").label == "刑期止日"
    staff = get_dataset("staff")
    assert staff.column("start_date").label == "任职开始日期"
    assert staff.column("end_date").label == "任职结束日期"
    assert get_dataset("video_segments").column_names[:3] == ("camera_id", "start_time", "end_time")


def test_source_columns_end_every_dataset() -> None:
    for dataset in DATASETS.values():
        assert dataset.column_names[-2:] == ("source_system", "source_record_id")
        assert not dataset.column("source_system").required


def test_system_columns() -> None:
    assert [c.name for c in SYSTEM_COLUMNS] == ["import_batch_id", "imported_at"]
    judgments = get_dataset("judgments").stored_columns
    assert [c.name for c in judgments[-3:]] == ["import_batch_id", "imported_at", "id_number_valid"]
    segments = [c.name for c in get_dataset("video_segments").stored_columns]
    assert segments[-2:] == ["import_batch_id", "imported_at"]
    assert "id_number_valid" not in segments


def test_import_order_puts_reference_data_first() -> None:
    order = [d.name for d in import_order()]
    assert order[:2] == ["facilities", "staff"]
    assert sorted(order) == sorted(DATASETS)
    assert [d.name for d in DATASETS.values() if d.reference] == ["facilities", "staff"]


def test_unknown_dataset() -> None:
    with pytest.raises(WarehouseError) as raised:
        get_dataset("judgment")
    message = str(raised.value)
    assert message.startswith("未知数据集：judgment。可用的数据集：facilities、staff、judgments、")
    assert message.endswith("custody_events")


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("身份证号", "id_number"),
        ("ID_NUMBER ", "id_number"),
        ("身份证号*", "id_number"),
        ("身份证号（必填）", "id_number"),
        ("身份证号(必填)", "id_number"),
        (" 身份　证号 ", "id_number"),
        ("\ufeff裁判编号", "judgment_id"),
        ("刑期(月)", "term_months"),
        ("刑期（月）", "term_months"),
        ("Term_Months", "term_months"),
        ("来源系统", "source_system"),
        ("刑期起日", "term_start"),
    ],
)
def test_match_header(header: str, column: str) -> None:
    assert match_header(get_dataset("judgments"), header) == column


def test_unknown_header() -> None:
    judgments = get_dataset("judgments")
    assert match_header(judgments, "备注") is None
    # System columns are the importer's, never a file's.
    assert match_header(judgments, "import_batch_id") is None


def test_aliases() -> None:
    events = get_dataset("custody_events")
    assert match_header(events, "被监管人身份证号") == "id_number"
    assert match_header(events, "被监管人姓名*") == "name"


def test_header_lookup_has_no_collisions() -> None:
    for dataset in DATASETS.values():
        headers = [h for c in dataset.columns for h in (c.name, c.label, *c.aliases)]
        normalized = {normalize_header(h) for h in headers}
        assert len(normalized) == len(headers), dataset.name
        assert set(header_lookup(dataset).values()) == set(dataset.column_names)


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        (ColumnType.TEXT, pa.string()),
        (ColumnType.ENUM, pa.string()),
        (ColumnType.MONTH, pa.string()),
        (ColumnType.INT, pa.int64()),
        (ColumnType.NUMBER, pa.float64()),
        (ColumnType.MONEY, pa.decimal128(18, 2)),
        (ColumnType.DATE, pa.date32()),
        (ColumnType.TIMESTAMP, pa.timestamp("us")),
        (ColumnType.BOOL, pa.bool_()),
        (ColumnType.TEXT_LIST, pa.list_(pa.string())),
    ],
)
def test_arrow_type(type_: ColumnType, expected: pa.DataType) -> None:
    values = ("甲",) if type_ is ColumnType.ENUM else ()
    assert arrow_type(Column("x", type_, "某", values=values)) == expected


def test_arrow_schema() -> None:
    schema = get_dataset("benefit_payments").arrow_schema()
    assert schema.names == [c.name for c in get_dataset("benefit_payments").stored_columns]
    assert schema.field("amount_yuan").type == pa.decimal128(18, 2)
    assert schema.field("imported_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("import_batch_id").type == pa.string()
    assert schema.field("id_number_valid").type == pa.bool_()
    # Everything nullable, key columns included (see Dataset.arrow_schema).
    assert all(field.nullable for field in schema)
    for dataset in DATASETS.values():
        assert len(dataset.arrow_schema()) == len(dataset.stored_columns)


def test_markdown_headings_and_rows() -> None:
    text = render_markdown()
    for dataset in DATASETS.values():
        assert f"### {dataset.name} {dataset.label} — key: {dataset.key_text}\n" in text
    assert "### benefit_payments 社会保障待遇发放（人社、民政） — key: " in text
    assert "key: (id_number, benefit_type, month, kind)" in text
    assert "| capacity | int? | 设计容量 | |" in text
    assert "| gender | enum? | 性别 | 男, 女 |" in text
    for section in ("参考数据", "刑罚及其执行", "社区矫正", "其他机关比对数据"):
        assert f"\n## {section}\n" in text


def test_docs_file_is_generated() -> None:
    committed = (ROOT / "docs" / "data-standard.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        "docs/data-standard.md is out of date: "
        "run `zhijian data datasets --markdown > docs/data-standard.md`"
    )
