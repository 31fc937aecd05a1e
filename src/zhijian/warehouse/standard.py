"""The execution data standard (docs/data-standard.md) as code.

Every dataset, column, type, enumeration, natural key and Chinese label lives here; the
importer, the synthetic generator, the supervision models and the generated
documentation all read it. docs/data-standard.md is generated from this module
(``zhijian data datasets --markdown``); edit here, never there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import import_module
from typing import Any

from zhijian.warehouse.errors import WarehouseError


class ColumnType(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    MONEY = "money"  # yuan, up to 2 decimals
    DATE = "date"  # YYYY-MM-DD
    TIMESTAMP = "timestamp"  # YYYY-MM-DD HH:MM:SS, Asia/Shanghai
    MONTH = "month"  # YYYY-MM
    BOOL = "bool"
    ENUM = "enum"
    TEXT_LIST = "list[text]"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    label: str  # the Chinese label users see and agencies write as a header
    required: bool = True
    values: tuple[str, ...] = ()  # the closed list, for ENUM
    notes: str = ""
    aliases: tuple[str, ...] = ()  # other headers agencies write for this column
    system: bool = False  # filled in by the importer, never read from a file
    # Required in every row of a file that has the column, but a file without it is
    # accepted: the value is then read from ``derived_from`` when the file has that
    # column, and is otherwise unknown (null). For facts a sender may not record
    # (a court export without 限制减刑), where refusing the file would lose the rest.
    may_be_absent: bool = False
    derived_from: str = ""

    def __post_init__(self) -> None:
        # A closed list without values, or values on a free column, is a typo in the
        # standard; fail when the module loads rather than on some agency's file.
        if (self.type is ColumnType.ENUM) != bool(self.values):
            raise ValueError(f"字段 {self.name}：只有枚举字段有取值列表")
        if (self.may_be_absent or self.derived_from) and not self.required:
            raise ValueError(f"字段 {self.name}：可缺列的字段须为必填字段")
        if self.derived_from and not self.may_be_absent:
            raise ValueError(f"字段 {self.name}：只有可缺列的字段可以从其他字段推导")

    @property
    def type_text(self) -> str:
        """The type as the standard writes it: ``int?`` for an optional int, ``bool!``
        for a column that must be filled but may be absent from a file."""
        mark = "!" if self.may_be_absent else "" if self.required else "?"
        return f"{self.type.value}{mark}"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "type": self.type.value,
            "label": self.label,
            "required": self.required,
            "values": list(self.values),
            "notes": self.notes,
            "aliases": list(self.aliases),
            "may_be_absent": self.may_be_absent,
            "derived_from": self.derived_from or None,
        }


class ScopeKind(StrEnum):
    """Which unit a dataset's row belongs to, and so whose uploads may write it."""

    FACILITY = "facility"  # the unit supervising the row's facility
    REGION = "region"  # the unit whose area holds the row's region code
    LINKED = "linked"  # the unit of the row it refers to, in another dataset
    PROVINCE = "province"  # nobody's alone: reference data and province-wide sources


@dataclass(frozen=True)
class WriteRule:
    """A dataset's write scope, part of the data contract: how the unit a row belongs
    to is found. ``column`` names the facility (FACILITY), the region (REGION) or the
    row referred to (LINKED, by ``linked_to``'s key). ``exclusive_period`` is (person,
    start, end): one person's periods [start, end) at facilities of different units
    cannot overlap (nobody is held in two places at once)."""

    kind: ScopeKind
    column: str = ""
    linked_to: str = ""
    exclusive_period: tuple[str, ...] = ()

    def describe(self) -> str:
        """The rule as docs/data-standard.md writes it."""
        if self.kind is ScopeKind.FACILITY:
            text = f"**facility** — a row belongs to the unit supervising its `{self.column}`"
        elif self.kind is ScopeKind.REGION:
            text = f"**region** — a row belongs to the unit whose area holds its `{self.column}`"
        elif self.kind is ScopeKind.LINKED:
            text = (
                f"**linked** — a row belongs to the unit of the `{self.linked_to}` row its "
                f"`{self.column}` names"
            )
        else:
            return (
                "**province** — written only by the 省院 or by a source registered for this dataset"
            )
        if self.exclusive_period:
            person, start, end = self.exclusive_period
            text += (
                f"; one `{person}`'s periods [`{start}`, `{end}`) at facilities of "
                "different units cannot overlap"
            )
        return text


FACILITY_SCOPE = WriteRule(ScopeKind.FACILITY, "facility_code")
PROVINCE_SCOPE = WriteRule(ScopeKind.PROVINCE)


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    section: str  # the standard's section, e.g. "参考数据"
    key: tuple[str, ...]  # the natural key
    columns: tuple[Column, ...]
    reference: bool = False  # imported before the others (facilities, staff)
    write_rule: WriteRule = PROVINCE_SCOPE  # whose uploads may write its rows

    def __post_init__(self) -> None:
        names = self.column_names
        labels = [c.label for c in self.columns]
        if len(set(names)) != len(names) or len(set(labels)) != len(labels):
            raise ValueError(f"数据集 {self.name}：字段名或中文名重复")
        if not set(self.key) <= set(names):
            raise ValueError(f"数据集 {self.name}：主键字段不存在")
        rule = self.write_rule
        used = [rule.column, *rule.exclusive_period] if rule.column else []
        if not set(used) <= set(names):
            raise ValueError(f"数据集 {self.name}：写入范围的字段不存在")
        for column in self.columns:
            if column.derived_from and column.derived_from not in names:
                raise ValueError(f"数据集 {self.name}：{column.name} 的推导来源字段不存在")

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise WarehouseError(f"数据集 {self.name} 没有字段 {name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def system_columns(self) -> tuple[Column, ...]:
        """The columns the importer adds to this dataset."""
        if "id_number" in self.column_names:
            return (*SYSTEM_COLUMNS, ID_NUMBER_VALID)
        return SYSTEM_COLUMNS

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """Everything the storage layer keeps: the business columns, then the system ones."""
        return (*self.columns, *self.system_columns)

    @property
    def key_text(self) -> str:
        """The key as the standard writes it: ``case_id`` or ``(id_number, source)``."""
        return self.key[0] if len(self.key) == 1 else f"({', '.join(self.key)})"

    def arrow_schema(self) -> Any:
        """The ``pyarrow.Schema`` of the stored columns.

        Every field is nullable, key columns included: validation enforces ``required``
        before a row is stored, and Delta merges and schema evolution are simpler when
        the table never declares NOT NULL.
        """
        arrow = _pyarrow()
        fields = [arrow.field(c.name, arrow_type(c), nullable=True) for c in self.stored_columns]
        return arrow.schema(fields)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "section": self.section,
            "key": list(self.key),
            "reference": self.reference,
            "write_scope": {
                "kind": self.write_rule.kind.value,
                "column": self.write_rule.column or None,
                "linked_to": self.write_rule.linked_to or None,
                "exclusive_period": list(self.write_rule.exclusive_period),
            },
            "columns": [c.to_json() for c in self.columns],
        }


def arrow_type(column: Column) -> Any:
    """The ``pyarrow.DataType`` a column is stored as."""
    if column.system and column.type is ColumnType.TIMESTAMP:
        # The importer records an instant, not an agency's wall-clock reading.
        return _pyarrow().timestamp("us", tz="UTC")
    return _arrow_types()[column.type]


def _pyarrow() -> Any:
    # Imported on first use, so that listing datasets on the command line need not load
    # pyarrow; and dynamically, so that mypy's view of pyarrow (untyped) is irrelevant here.
    return import_module("pyarrow")


@cache
def _arrow_types() -> dict[ColumnType, Any]:
    arrow = _pyarrow()
    return {
        ColumnType.TEXT: arrow.string(),
        ColumnType.ENUM: arrow.string(),
        ColumnType.MONTH: arrow.string(),  # YYYY-MM sorts and compares as text
        ColumnType.INT: arrow.int64(),
        ColumnType.NUMBER: arrow.float64(),
        ColumnType.MONEY: arrow.decimal128(18, 2),  # exact: sums of fines must not drift
        ColumnType.DATE: arrow.date32(),
        # Naive: the standard's timestamps are Asia/Shanghai wall time as agencies write it.
        ColumnType.TIMESTAMP: arrow.timestamp("us"),
        ColumnType.BOOL: arrow.bool_(),
        ColumnType.TEXT_LIST: arrow.list_(arrow.string()),
    }


def _col(
    name: str,
    spec: str,
    label: str,
    notes: str = "",
    *,
    values: str = "",
    aliases: str = "",
    derived_from: str = "",
) -> Column:
    """One row of the standard's tables, written the way the standard writes it: ``spec``
    is the type with a trailing ``?`` when the column is optional, ``!`` when it is
    required but may be absent from a file; ``values`` (the closed list) and
    ``aliases`` are comma-separated."""
    return Column(
        name=name,
        type=ColumnType(spec.rstrip("?!")),
        label=label,
        required=not spec.endswith("?"),
        values=_split(values),
        notes=notes,
        aliases=_split(aliases),
        may_be_absent=spec.endswith("!"),
        derived_from=derived_from,
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",")) if text else ()


def _person(spec: str = "text", notes: str = "", prefix: str = "") -> tuple[Column, Column]:
    """The ``id_number, name`` pair most datasets carry. ``prefix`` names whose number
    it is (被监管人) where agencies write it into the header."""
    id_alias, name_alias = (f"{prefix}身份证号", f"{prefix}姓名") if prefix else ("", "")
    return (
        _col("id_number", spec, "身份证号", notes, aliases=id_alias),
        _col("name", spec, "姓名", notes, aliases=name_alias),
    )


# Who sent a row and its id there: any dataset may carry them, none requires them.
SOURCE_COLUMNS = (
    _col("source_system", "text?", "来源系统", "the system that sent the row"),
    _col("source_record_id", "text?", "来源记录编号", "the row's id in that system"),
)

# Added by the importer to every dataset; never read from a file.
SYSTEM_COLUMNS = (
    Column(
        "import_batch_id",
        ColumnType.TEXT,
        "导入批次",
        notes="the import that wrote the row",
        system=True,
    ),
    Column(
        "imported_at",
        ColumnType.TIMESTAMP,
        "导入时间",
        notes="when the row was written; stored in UTC, unlike the business timestamps",
        system=True,
    ),
)
# Added as well to the datasets that have an id_number column.
ID_NUMBER_VALID = Column(
    "id_number_valid",
    ColumnType.BOOL,
    "身份证号有效",
    required=False,
    notes="false: the number failed GB 11643 and the row goes to person linkage; "
    "null when the row has no id_number",
    system=True,
)


def _dataset(
    name: str,
    label: str,
    section: str,
    key: tuple[str, ...],
    *columns: Column,
    scope: WriteRule,
    reference: bool = False,
) -> Dataset:
    return Dataset(name, label, section, key, (*columns, *SOURCE_COLUMNS), reference, scope)


REFERENCE = "参考数据"
SENTENCES = "刑罚及其执行"
COMMUNITY = "社区矫正"
CROSS_CHECKS = "其他机关比对数据"
CUSTODY = "监管场所视频与监管事件"

_REFERENCE_DATA = (
    _dataset(
        "facilities",
        "监管场所与执行机构",
        REFERENCE,
        ("facility_code",),
        _col("facility_code", "text", "场所编码"),
        _col("name", "text", "场所名称"),
        _col(
            "facility_type",
            "enum",
            "场所类型",
            values="监狱, 未成年犯管教所, 看守所, 拘留所, 强制隔离戒毒所, 社区矫正机构",
        ),
        _col("region_code", "text", "所在地区划"),
        _col("capacity", "int?", "设计容量"),
        _col(
            "supervising_procuratorate",
            "text?",
            "派驻/监督检察院",
            "name or code of the 检察院 or 派出检察院 that supervises it",
        ),
        scope=PROVINCE_SCOPE,
        reference=True,
    ),
    _dataset(
        "staff",
        "司法工作人员",
        REFERENCE,
        ("staff_id",),
        _col("staff_id", "text", "人员编号"),
        _col("id_number", "text?", "身份证号"),
        _col("name", "text", "姓名"),
        _col("agency", "text", "所在单位", "facility_code, court or public-security unit"),
        _col("role", "text", "职务/岗位", "e.g. 管教民警, 监区长, 审判员"),
        _col("start_date", "date?", "任职开始日期"),
        _col("end_date", "date?", "任职结束日期"),
        scope=PROVINCE_SCOPE,
        reference=True,
    ),
)

_SENTENCES = (
    _dataset(
        "judgments",
        "生效刑事裁判",
        SENTENCES,
        ("judgment_id",),
        _col("judgment_id", "text", "裁判编号"),
        _col("case_number", "text", "案号", "e.g. （2021）鲁0102刑初123号"),
        _col("court_name", "text", "审判法院"),
        *_person(),
        _col("gender", "enum?", "性别", values="男, 女"),
        _col("birth_date", "date?", "出生日期"),
        _col("crimes", "list[text]", "罪名", "in CSV/XLSX separated by `；` or `;` or `、`"),
        _col(
            "principal_penalty",
            "enum",
            "主刑",
            values="管制, 拘役, 有期徒刑, 无期徒刑, 死刑缓期二年执行, 死刑, 免予刑事处罚, "
            "单处罚金, 单处剥夺政治权利",
        ),
        _col("term_months", "int?", "刑期（月）", "fixed terms only"),
        _col("probation_months", "int?", "缓刑考验期（月）", "null = no probation"),
        _col("recidivist", "bool", "累犯"),
        _col(
            "limited_reduction",
            "bool!",
            "限制减刑",
            "刑法第五十条第二款: only a 死刑缓期二年执行 can carry it, so 否 for any other penalty",
            derived_from="sentence_text",
        ),
        _col(
            "life_without_parole",
            "bool!",
            "终身监禁",
            "刑法第三百八十三条第四款: only a 死刑缓期二年执行 can carry it, so 否 for any other "
            "penalty",
            derived_from="sentence_text",
        ),
        _col("fine_yuan", "money?", "罚金"),
        _col("confiscation", "enum?", "没收财产", values="部分, 全部"),
        _col("restitution_yuan", "money?", "追缴/责令退赔"),
        _col("civil_compensation_yuan", "money?", "附带民事赔偿"),
        _col("political_rights_months", "int?", "剥夺政治权利（月）", "-1 = 终身"),
        _col("pretrial_detention_date", "date?", "先行羁押日期"),
        _col("judgment_date", "date", "判决日期"),
        _col("effective_date", "date", "生效日期"),
        _col("term_start", "date?", "刑期起日", "as written in the judgment"),
        _col("term_end", "date?", "刑期止日", "as written in the judgment"),
        _col(
            "sentence_text",
            "text?",
            "判决主文",
            "the original wording, e.g. 判处有期徒刑三年六个月，并处罚金人民币五千元",
        ),
        scope=PROVINCE_SCOPE,
    ),
    _dataset(
        "custody_records",
        "收押、在押与出所",
        SENTENCES,
        ("record_id",),
        _col("record_id", "text", "记录编号"),
        _col("facility_code", "text", "场所编码"),
        *_person(),
        _col("inmate_number", "text?", "罪犯/在押人员编号", "the facility's own number"),
        _col(
            "custody_type",
            "enum",
            "羁押类型",
            values="服刑, 留所服刑, 未决羁押, 行政拘留, 强制隔离戒毒",
        ),
        _col("judgment_id", "text?", "裁判编号", "for 服刑, 留所服刑"),
        _col("admission_date", "date", "收押日期"),
        _col("execution_notice_date", "date?", "收到执行通知书日期", "detention centres"),
        _col(
            "current_term_end",
            "date?",
            "现刑期止日",
            "after all changes, as the facility computes it",
        ),
        _col("release_date", "date?", "出所日期", "null while held"),
        _col(
            "release_reason",
            "enum?",
            "出所原因",
            values="刑满释放, 假释, 暂予监外执行, 送交监狱, 移押, 释放, 死亡, 脱逃, 其他",
        ),
        _col("status", "enum", "状态", values="在押, 已出所"),
        scope=WriteRule(
            ScopeKind.FACILITY,
            "facility_code",
            exclusive_period=("id_number", "admission_date", "release_date"),
        ),
    ),
    _dataset(
        "sentence_changes",
        "刑罚变更（减刑、假释、暂予监外执行及撤销）",
        SENTENCES,
        ("change_id",),
        _col("change_id", "text", "变更编号"),
        *_person(),
        _col("judgment_id", "text", "原裁判编号"),
        _col("facility_code", "text?", "报请场所"),
        _col(
            "change_type",
            "enum",
            "变更类型",
            values="减刑, 死缓减为无期徒刑, 死缓减为有期徒刑, 无期减为有期徒刑, 假释, "
            "暂予监外执行, 撤销假释, 撤销缓刑, 暂予监外执行收监",
        ),
        _col(
            "proposal_date",
            "date?",
            "报请日期",
            "提请/报请 date; the interval rule counts to this date",
        ),
        _col("decision_date", "date", "裁定/决定日期"),
        _col(
            "served_date",
            "date?",
            "送达日期",
            "the interval rule counts from the previous change's served date",
        ),
        _col("decided_by", "text", "裁定/决定机关"),
        _col("reduction_months", "int?", "减去刑期（月）", "减刑"),
        _col("new_term_months", "int?", "减为有期徒刑（月）", "死缓/无期减为有期"),
        _col("new_term_end", "date?", "变更后刑期止日"),
        _col("parole_months", "int?", "假释考验期（月）"),
        _col(
            "basis",
            "enum?",
            "减刑依据",
            values="悔改表现, 立功, 悔改表现并立功, 重大立功, 悔改表现并重大立功",
        ),
        _col(
            "medical_reason",
            "enum?",
            "暂予监外执行事由",
            values="严重疾病, 怀孕, 哺乳, 生活不能自理",
        ),
        _col(
            "property_status",
            "enum?",
            "财产性判项履行情况",
            values="无财产性判项, 已履行, 部分履行, 未履行, 确无履行能力",
        ),
        scope=FACILITY_SCOPE,
    ),
    _dataset(
        "property_judgments",
        "财产性判项执行",
        SENTENCES,
        ("item_id",),
        _col("item_id", "text", "判项编号"),
        _col("judgment_id", "text", "裁判编号"),
        *_person(),
        _col(
            "item_type",
            "enum",
            "判项类型",
            values="罚金, 没收财产, 追缴, 责令退赔, 附带民事赔偿",
        ),
        _col("amount_due_yuan", "money?", "应执行金额", "null for 没收全部财产"),
        _col("amount_paid_yuan", "money", "已执行金额"),
        _col(
            "status",
            "enum",
            "执行状态",
            values="执行完毕, 部分执行, 未执行, 终结本次执行, 免除",
        ),
        _col("updated_on", "date", "更新日期"),
        scope=PROVINCE_SCOPE,
    ),
    _dataset(
        "prison_accounts",
        "狱内账户与消费（月）",
        SENTENCES,
        ("id_number", "facility_code", "month"),
        *_person(),
        _col("facility_code", "text", "场所编码"),
        _col("month", "month", "月份"),
        _col("spend_yuan", "money", "当月消费"),
        _col("balance_yuan", "money", "月末余额"),
        scope=FACILITY_SCOPE,
    ),
    _dataset(
        "assessments",
        "计分考核与奖惩（月）",
        SENTENCES,
        ("id_number", "facility_code", "month"),
        *_person(),
        _col("facility_code", "text", "场所编码"),
        _col("month", "month", "月份"),
        _col("score", "number", "考核分"),
        _col("award", "enum?", "奖励", values="表扬, 物质奖励, 立功, 重大立功"),
        _col("punishment", "enum?", "处罚", values="警告, 记过, 禁闭"),
        scope=FACILITY_SCOPE,
    ),
    _dataset(
        "medical_reviews",
        "暂予监外执行病情复查",
        SENTENCES,
        ("review_id",),
        _col("review_id", "text", "复查编号"),
        *_person(),
        _col("review_date", "date", "复查日期"),
        _col("hospital", "text", "复查医院"),
        _col("designated_hospital", "bool", "省级指定医院"),
        _col(
            "conclusion",
            "enum",
            "结论",
            values="仍符合保外就医条件, 情形消失, 待定",
        ),
        scope=PROVINCE_SCOPE,
    ),
)

_COMMUNITY = (
    _dataset(
        "community_corrections",
        "社区矫正对象",
        COMMUNITY,
        ("case_id",),
        _col("case_id", "text", "矫正案件编号"),
        *_person(),
        _col("correction_type", "enum", "矫正类别", values="管制, 缓刑, 假释, 暂予监外执行"),
        _col("agency_region_code", "text", "执行地（县级）"),
        _col("judgment_id", "text?", "裁判编号"),
        _col("change_id", "text?", "变更编号", "for 假释, 暂予监外执行"),
        _col("decision_effective_date", "date", "判决/裁定/决定生效日期"),
        _col("registration_date", "date?", "报到日期", "null = never reported"),
        _col("start_date", "date?", "矫正开始"),
        _col("end_date", "date?", "矫正期满日"),
        _col(
            "status",
            "enum",
            "状态",
            values="在矫, 解除矫正, 撤销缓刑, 撤销假释, 收监执行, 死亡, 脱管",
        ),
        _col("status_date", "date?", "状态变更日期"),
        scope=WriteRule(ScopeKind.REGION, "agency_region_code"),
    ),
    _dataset(
        "correction_events",
        "社区矫正监督管理事件",
        COMMUNITY,
        ("event_id",),
        _col("event_id", "text", "事件编号"),
        _col("case_id", "text", "矫正案件编号"),
        _col("id_number", "text", "身份证号"),
        _col(
            "event_type",
            "enum",
            "事件",
            values="报到, 走访, 信息化核查, 外出批准, 销假, 训诫, 警告, 提请治安管理处罚, "
            "提请撤销缓刑, 提请撤销假释, 提请收监, 失联, 电子定位",
        ),
        _col("event_date", "date", "日期"),
        _col("end_date", "date?", "截止日期", "for 外出批准: the last approved day"),
        _col("destination_region_code", "text?", "目的地", "for 外出批准"),
        _col("note", "text?", "说明"),
        scope=WriteRule(ScopeKind.LINKED, "case_id", linked_to="community_corrections"),
    ),
)

_CROSS_CHECKS = (
    _dataset(
        "enforcement_measures",
        "强制措施与行政处罚（公安）",
        CROSS_CHECKS,
        ("record_id",),
        _col("record_id", "text", "记录编号"),
        *_person(),
        _col(
            "measure_type",
            "enum",
            "措施",
            values="刑事拘留, 逮捕, 取保候审, 监视居住, 行政拘留, 强制隔离戒毒, 刑事立案",
        ),
        _col("start_date", "date", "开始日期"),
        _col("end_date", "date?", "结束日期"),
        _col("agency", "text", "决定机关"),
        _col("facility_code", "text?", "羁押/执行场所"),
        _col("case_number", "text?", "案号"),
        _col("offence", "text?", "涉嫌罪名/违法行为"),
        _col(
            "notified_corrections_agency",
            "bool?",
            "已通知社区矫正机构",
            "社区矫正法第三十二条",
        ),
        scope=PROVINCE_SCOPE,
    ),
    _dataset(
        "travel_records",
        "出行与住宿登记（公安）",
        CROSS_CHECKS,
        ("record_id",),
        _col("record_id", "text", "记录编号"),
        *_person(),
        _col("record_type", "enum", "类型", values="铁路, 民航, 住宿, 交通违法"),
        _col("event_time", "timestamp", "时间"),
        _col("region_code", "text", "地点区划"),
        _col("detail", "text?", "详情", "train number, hotel, …"),
        scope=PROVINCE_SCOPE,
    ),
    _dataset(
        "detention_stages",
        "羁押期限台账（看守所）",
        CROSS_CHECKS,
        ("stage_id",),
        _col("stage_id", "text", "阶段编号"),
        _col("detention_id", "text", "羁押编号", "one detention, several stages"),
        *_person(),
        _col("facility_code", "text", "场所编码"),
        _col("case_number", "text", "案号"),
        _col("handling_agency", "text", "办案机关"),
        _col(
            "stage",
            "enum",
            "诉讼阶段",
            values="侦查, 延长侦查羁押, 重新计算侦查羁押, 审查起诉, 退回补充侦查, 一审, 二审, "
            "死刑复核, 精神病鉴定",
        ),
        _col("stage_start", "date", "起始日"),
        _col(
            "deadline",
            "date?",
            "届满日",
            "null where the law sets none (死刑复核, 精神病鉴定)",
        ),
        _col("stage_end", "date?", "结束日", "null while current"),
        _col("legal_basis", "text?", "延长/重新计算依据"),
        scope=FACILITY_SCOPE,
    ),
    _dataset(
        "deaths",
        "死亡登记",
        CROSS_CHECKS,
        ("id_number", "source"),
        *_person(),
        _col("death_date", "date", "死亡日期"),
        _col(
            "source",
            "enum",
            "来源",
            values="公安户籍注销, 民政火化, 卫健死亡医学证明, 监管场所报告",
        ),
        _col("place", "text?", "死亡地点"),
        scope=PROVINCE_SCOPE,
    ),
    _dataset(
        "benefit_payments",
        "社会保障待遇发放（人社、民政）",
        CROSS_CHECKS,
        ("id_number", "benefit_type", "month", "kind"),
        *_person(),
        _col(
            "benefit_type",
            "enum",
            "待遇类型",
            values="城镇职工基本养老金, 城乡居民基本养老金, 机关事业单位养老金, 最低生活保障金, "
            "特困人员供养金, 高龄津贴, 残疾人两项补贴",
        ),
        _col("month", "month", "发放月份"),
        _col("kind", "enum", "类别", values="发放, 基数调整"),
        _col("amount_yuan", "money", "金额"),
        _col("paying_region_code", "text", "发放地区划"),
        scope=PROVINCE_SCOPE,
    ),
)

_AREA_TYPES = "监室, 提讯室, 会见室, 谈话室, 医务室, 禁闭室, 放风场, 过道, 大门, 劳动现场"

_CUSTODY = (
    _dataset(
        "video_cameras",
        "监控点位",
        CUSTODY,
        ("camera_id",),
        _col("camera_id", "text", "点位编号"),
        _col("facility_code", "text", "场所编码"),
        _col("area_type", "enum", "区域", values=_AREA_TYPES),
        _col("name", "text", "点位名称"),
        _col("key_area", "bool", "重点部位"),
        scope=FACILITY_SCOPE,
    ),
    _dataset(
        "video_segments",
        "录像存储片段",
        CUSTODY,
        ("camera_id", "start_time"),
        _col("camera_id", "text", "点位编号"),
        _col("start_time", "timestamp", "开始时间", "one continuous stored recording"),
        _col("end_time", "timestamp", "结束时间"),
        scope=WriteRule(ScopeKind.LINKED, "camera_id", linked_to="video_cameras"),
    ),
    _dataset(
        "custody_events",
        "监管执法事件",
        CUSTODY,
        ("event_id",),
        _col("event_id", "text", "事件编号"),
        _col("facility_code", "text", "场所编码"),
        *_person("text?", "the person held (被监管人)", prefix="被监管人"),
        _col(
            "event_type",
            "enum",
            "事件",
            values="提讯, 会见, 谈话, 出所就医, 禁闭, 使用戒具, 体检, 伤害, 死亡, 脱逃, 其他事故",
        ),
        _col("start_time", "timestamp", "开始时间"),
        _col("end_time", "timestamp", "结束时间"),
        _col("area_type", "enum", "区域", "as in video_cameras", values=_AREA_TYPES),
        _col("camera_id", "text?", "点位编号", "where known"),
        _col("officer_count", "int?", "在场民警人数"),
        _col("note", "text?", "说明"),
        scope=FACILITY_SCOPE,
    ),
)

# Every dataset of the standard, in the document's order.
DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (*_REFERENCE_DATA, *_SENTENCES, *_COMMUNITY, *_CROSS_CHECKS, *_CUSTODY)
}


def _check_links() -> None:
    """A linked dataset names a dataset of the standard by its one-column key, and that
    dataset decides by a column of its own."""
    for dataset in DATASETS.values():
        rule = dataset.write_rule
        if rule.kind is not ScopeKind.LINKED:
            continue
        target = DATASETS.get(rule.linked_to)
        if (
            target is None
            or len(target.key) != 1
            or target.write_rule.kind
            not in (
                ScopeKind.FACILITY,
                ScopeKind.REGION,
            )
        ):
            raise ValueError(f"数据集 {dataset.name}：写入范围所依据的数据集无效")


_check_links()


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        available = "、".join(DATASETS)
        raise WarehouseError(f"未知数据集：{name}。可用的数据集：{available}") from None


def import_order() -> list[Dataset]:
    """Reference datasets first (the others name their facilities), then document order."""
    datasets = list(DATASETS.values())
    return [d for d in datasets if d.reference] + [d for d in datasets if not d.reference]


_REQUIRED_MARK = re.compile(r"(?:\*|\(必填\))+$")


def normalize_header(header: str) -> str:
    """Header text as compared: NFKC (agencies mix full- and half-width forms, so
    ``（必填）`` becomes ``(必填)``), no whitespace, lower case, and no trailing ``*`` or
    ``(必填)``, the marks templates put on required columns. The byte-order mark Excel
    writes at the start of a UTF-8 CSV goes too."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    text = "".join(text.split()).lower()
    return _REQUIRED_MARK.sub("", text)


def header_lookup(dataset: Dataset) -> dict[str, str]:
    """Normalized header → column name, for every header the dataset accepts: the column
    name, the Chinese label and any alias."""
    lookup: dict[str, str] = {}
    for column in dataset.columns:
        for header in (column.name, column.label, *column.aliases):
            lookup[normalize_header(header)] = column.name
    return lookup


def match_header(dataset: Dataset, header: str) -> str | None:
    """The column a file's header names, or None when the dataset has no such column."""
    return header_lookup(dataset).get(normalize_header(header))


def render_markdown() -> str:
    """docs/data-standard.md: the conventions, then every dataset section by section."""
    system_table = _columns_table((*SYSTEM_COLUMNS, ID_NUMBER_VALID))
    parts = [_INTRO, _columns_table(SOURCE_COLUMNS), _SYSTEM_INTRO, system_table, _STORAGE]
    section = ""
    for dataset in DATASETS.values():
        if dataset.section != section:
            section = dataset.section
            parts.append(f"## {section}\n")
        parts.append(dataset_markdown(dataset))
    return "\n".join(parts)


def dataset_markdown(dataset: Dataset) -> str:
    """One dataset as a heading and a table of its columns."""
    heading = f"### {dataset.name} {dataset.label} — key: {dataset.key_text}\n"
    scope = f"Write scope: {dataset.write_rule.describe()}.\n"
    return f"{heading}\n{scope}\n{_columns_table(dataset.columns)}"


def _columns_table(columns: tuple[Column, ...]) -> str:
    rows = ["| column | type | label | notes |", "|---|---|---|---|"]
    rows += [_column_row(c) for c in columns]
    return "\n".join(rows) + "\n"


def _column_row(column: Column) -> str:
    aliases = f"also headed {', '.join(column.aliases)}" if column.aliases else ""
    absent = ""
    if column.may_be_absent:
        derived = f"read from `{column.derived_from}` or else " if column.derived_from else ""
        absent = f"a file without this column: {derived}unknown (null)"
    parts = (", ".join(column.values), column.notes, absent, aliases)
    notes = " — ".join(part for part in parts if part)
    cells = (column.name, column.type_text, column.label, notes)
    return "|" + "|".join(_cell(cell) for cell in cells) + "|"


def _cell(text: str) -> str:
    # An empty cell is written "| |", as in the hand-written tables.
    escaped = text.replace("|", "\\|")  # a pipe would end the cell
    return f" {escaped} " if text else " "


_INTRO = """\
# 刑事执行数据标准 — the execution data standard

<!-- Generated from src/zhijian/warehouse/standard.py by
     `zhijian data datasets --markdown > docs/data-standard.md`.
     Do not edit by hand: change the code, then regenerate. -->

The platform takes data from the agencies that execute sentences and from the agencies
whose records are cross-checked against them. This is the contract for that data: the
importer accepts it, the synthetic generator produces it and the supervision models read
nothing else. Column names are the contract; the Chinese labels are what users see.

## 约定

- **Files.** One dataset is one table, and a file is named after its dataset:
  `judgments.csv`, `judgments.xlsx`, `judgments.parquet`, `judgments.jsonl`.
- **Headers.** A header may be the column name or its Chinese label (`身份证号` for
  `id_number`). Case, spaces (full-width ones too), full- against half-width forms and a
  trailing `*` or `（必填）` make no difference.
- **Optional columns** have a `?` after their type; every other column must be filled.
- **Columns that may be absent** have a `!` after their type: every row of a file that
  has the column must fill it, but a file without the column is still accepted, because
  the sender may not record the fact at all (a court export without `限制减刑`). The
  value is then derived from the column the notes name when the file has it, and
  otherwise stored as unknown (null); the batch log says so and rows left unknown are
  flagged. Models read null here as 未知, never as 否.
- **Dates and times.** Dates are `YYYY-MM-DD`, months `YYYY-MM`, timestamps
  `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai time, stored as that wall time without a zone.
  The importer also accepts the forms agencies really export: `2023/5/6`,
  `2023年5月6日`, `20230506`, Excel serial dates.
- **Money** is yuan (元) with up to 2 decimals, stored exactly (decimal 18, 2).
  **Booleans** are accepted as 是/否, true/false, 1/0, Y/N. A `list[text]` column is
  separated by `；`, `;` or `、` in CSV and XLSX.
- **ID numbers.** `id_number` is the 18-character 公民身份号码 (GB 11643-1999; the last
  character may be `X`). A valid 15-digit number is upgraded to 18 on import. An invalid
  one is kept as given and flagged (`id_number_valid` is false), and the row goes to
  person linkage instead of the ID join.
- **Enumerations are closed.** A value outside the list is a row error, never a silent
  default. The lists are in Chinese because that is what the agencies export.
- **Natural keys.** `key` is the natural key: re-importing a row with the same key
  updates it, it never duplicates it, so a re-import is idempotent.
- **Region codes.** `region_code` and the other `…_region_code` columns are 6-digit
  GB/T 2260 codes (Shandong 370000; its cities 370100 … 371700, there is no 371200).
- **Reference data first.** `facilities` and `staff` are imported before the other
  datasets, which refer to them.
- **Write scope.** Each dataset says which unit its rows belong to, and so who may
  write them: **facility** (the unit supervising the row's `facility_code`), **region**
  (the unit whose area holds the row's region code), **linked** (the unit of the row it
  refers to, already in the warehouse) or **province** (reference data and other
  agencies' province-wide sources, written by the 省院 or a source registered for the
  dataset). An uploader scoped to a unit has rows outside its scope rejected with the
  reason; `zhijian data import` on the server writes everything.

## 来源与系统字段

Every dataset also takes two optional columns saying where a row came from. They are
listed again at the end of each table below.
"""

_SYSTEM_INTRO = """\
The importer adds system columns to every stored row; they are never read from a file.
`id_number_valid` is added only to the datasets that have an `id_number`.
"""

_STORAGE = """\
In storage (the Arrow schema of the Delta tables) every column is nullable, the key
columns too: validation enforces the required columns before a row is stored, and
merges and schema changes are simpler without NOT NULL.
"""
