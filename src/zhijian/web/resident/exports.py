"""The 一志八表 registers of one facility for a period as one Excel workbook, and the
office's monthly report as .docx.

The register names are those of 《人民检察院监狱检察办法》第五十四条 as the project's
research notes quote it (the text is not among the statutes the platform holds: not
checked against the original). Their columns are the platform's own layout, not an
official form. The registers of sentence changes come from the warehouse's
``sentence_changes`` (假释 and 暂予监外执行 the facility proposed) and from the leads of the
library's 减刑 models verified as 属实; a register with nothing for the period says so in
a note. The 严重违法情况登记表 is written with its headings and a note: the platform does
not keep those records yet.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.db.models import Q
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from zhijian.supervision.spec import LIBRARY
from zhijian.web.accounts.models import SupervisedFacility
from zhijian.web.leads.models import Lead
from zhijian.web.library.catalogue import CONFIRMED_STATUSES, library_specs
from zhijian.web.resident.models import (
    COUNT_FIELDS,
    Complaint,
    DailyLog,
    Inspection,
    Problem,
    Rectification,
    Talk,
)
from zhijian.web.resident.stats import DAYS_ON_SITE_GOAL, GOAL_CITATION, working_days
from zhijian.web.resident.warehouse import ReleaseChange, release_changes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_KEPT = "本表所登记的事项暂未在本系统中登记，请按纸质台账填写。"
NO_DATA = "本期间未查见本场所的相关数据。"
SOURCE_NOTE = "表名据《人民检察院监狱检察办法》第五十四条（未核对原文）；栏目为本系统格式。"


@dataclass(frozen=True)
class Period:
    facility: SupervisedFacility
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"


@dataclass(frozen=True)
class Register:
    title: str
    headers: tuple[str, ...]
    rows: list[list[Any]]
    note: str = ""


# The registers of 一志八表 in the order of 第五十四条, then the platform's own two.
LOG_HEADERS = (
    "日期",
    *COUNT_FIELDS.values(),
    "巡视场所",
    "巡视情况",
    "监控抽查情况",
    "谈话情况",
    "接收控告、举报、申诉情况",
    "发现问题及处理",
    "列席会议情况",
    "备注",
    "填写人",
    "状态",
    "版本",
)
COMPLAINT_HEADERS = (
    "编号",
    "收到日期",
    "类别",
    "控告人/举报人/申诉人",
    "主要内容",
    "属于直接受理侦查的案件线索",
    "移送期限",
    "移送部门",
    "移送日期",
    "办理结果",
    "答复日期",
    "答复内容",
)
CORRECTION_HEADERS = (
    "序号",
    "发现日期",
    "来源",
    "违法情况",
    "纠正方式",
    "整改要求",
    "整改期限",
    "跟踪情况",
    "整改完成日期",
)
ACCIDENT_HEADERS = ("日期", "事故类别", "人数", "情况")
DEPARTURE_HEADERS = ("序号", "姓名", "身份证号", "出监日期", "执行地", "告知日期")
REDUCTION_HEADERS = ("序号", "姓名", "身份证号", "提请日期", "不当情形", "处理")
PAROLE_HEADERS = ("序号", "姓名", "身份证号", "提请日期", "审查意见", "裁定结果")
TEMPORARY_HEADERS = ("序号", "姓名", "身份证号", "呈报日期", "事由", "审查意见")
DEPARTURE_NOTE = (
    "数据来源：刑罚变更数据中本场所报请、本期间裁定或决定的假释和暂予监外执行；"
    "出监日期按裁定、决定日期填写（数据中没有出监日期）；执行地为社区矫正执行地；"
    "告知日期由派驻检察官填写。"
)
REDUCTION_NOTE = (
    "数据来源：本场所减刑类模型线索中经核查属实（含其后各状态）、本期间发现或数据截止的线索。"
)
PAROLE_NOTE = (
    "数据来源：刑罚变更数据中本场所本期间报请的假释（报请日期缺失的按裁定日期计入）；"
    "审查意见由派驻检察官填写。"
)
TEMPORARY_NOTE = (
    "数据来源：刑罚变更数据中本场所本期间呈报的暂予监外执行（呈报日期缺失的按决定日期计入）；"
    "审查意见由派驻检察官填写。"
)
REDUCTION_CATEGORY = "刑罚变更执行监督"
SERIOUS_HEADERS = ("序号", "发现日期", "严重违法情况", "处理", "结果")
INSPECTION_HEADERS = ("日期", "检查类型", "检查人员", "存在问题的项目", "检查情况", "发现问题数")
TALK_HEADERS = ("日期", "谈话类型", "姓名", "罪犯编号", "谈话事由", "谈话内容", "处理情况")


def registers(period: Period) -> list[Register]:
    logs = list(
        DailyLog.objects.filter(
            facility=period.facility, day__gte=period.start, day__lte=period.end
        )
        .select_related("author")
        .prefetch_related("problems")
        .order_by("day")
    )
    result = [
        Register("监狱检察日志", LOG_HEADERS, [_log_row(log) for log in logs]),
    ]
    changes = release_changes(period.facility.facility_code, period.start, period.end)
    result += [
        _filled(
            "监外执行罪犯出监告知表",
            DEPARTURE_HEADERS,
            _departure_rows(changes, period),
            DEPARTURE_NOTE,
        ),
        _filled(
            "监狱提请减刑不当情况登记表", REDUCTION_HEADERS, _reduction_rows(period), REDUCTION_NOTE
        ),
        _filled(
            "监狱提请假释情况登记表", PAROLE_HEADERS, _parole_rows(changes, period), PAROLE_NOTE
        ),
        _filled(
            "监狱呈报暂予监外执行情况登记表",
            TEMPORARY_HEADERS,
            _temporary_rows(changes, period),
            TEMPORARY_NOTE,
        ),
    ]
    result += [
        Register("重大事故登记表", ACCIDENT_HEADERS, _accident_rows(logs)),
        Register("控告、举报和申诉登记表", COMPLAINT_HEADERS, _complaint_rows(period)),
        Register("检察纠正违法情况登记表", CORRECTION_HEADERS, _correction_rows(period)),
        Register("严重违法情况登记表", SERIOUS_HEADERS, [], NOT_KEPT),
        Register("安全防范检察登记", INSPECTION_HEADERS, _inspection_rows(period)),
        Register("谈话教育登记", TALK_HEADERS, _talk_rows(period)),
    ]
    return result


def _filled(title: str, headers: tuple[str, ...], rows: list[list[Any]], source: str) -> Register:
    """A register read from the data: its source in the note, and when nothing was
    found for the period, that it was looked for."""
    return Register(title, headers, rows, source if rows else f"{NO_DATA}{source}")


def _in_period(day: date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def _numbered(rows: Iterable[list[Any]]) -> list[list[Any]]:
    return [[number, *row] for number, row in enumerate(rows, start=1)]


def _departure_rows(changes: list[ReleaseChange], period: Period) -> list[list[Any]]:
    left = sorted(
        (c for c in changes if _in_period(c.decision_date, period)),
        key=lambda c: (c.decision_date, c.change_id),
    )
    return _numbered([c.name, c.id_number, c.decision_date, c.place, None] for c in left)


def _parole_rows(changes: list[ReleaseChange], period: Period) -> list[list[Any]]:
    return _numbered(
        [c.name, c.id_number, c.proposal_date, None, _ruling(c)]
        for c in changes
        if c.change_type == "假释" and _in_period(c.reported_on, period)
    )


def _temporary_rows(changes: list[ReleaseChange], period: Period) -> list[list[Any]]:
    return _numbered(
        [c.name, c.id_number, c.proposal_date, c.medical_reason, None]
        for c in changes
        if c.change_type == "暂予监外执行" and _in_period(c.reported_on, period)
    )


def _ruling(change: ReleaseChange) -> str:
    term = f"，考验期{change.parole_months}个月" if change.parole_months else ""
    decided = " ".join(
        part
        for part in (
            change.decided_by,
            f"{change.decision_date:%Y-%m-%d}" if change.decision_date else "",
        )
        if part
    )
    return f"准予假释{term}" + (f"（{decided}）" if decided else "")


@cache
def reduction_model_ids() -> tuple[str, ...]:
    """The library's models of sentence changes whose name concerns 减刑."""
    folder = LIBRARY / "sentence_changes"
    return tuple(
        spec.id
        for spec in library_specs()
        if spec.folder == folder and spec.category == REDUCTION_CATEGORY and "减刑" in spec.name
    )


def _reduction_rows(period: Period) -> list[list[Any]]:
    leads = Lead.objects.filter(
        Q(as_of__gte=period.start, as_of__lte=period.end)
        | Q(created_at__date__gte=period.start, created_at__date__lte=period.end),
        facility_code=period.facility.facility_code,
        model_id__in=reduction_model_ids(),
        status__in=CONFIRMED_STATUSES,
    ).order_by("as_of", "pk")
    return _numbered(
        [
            lead.name,
            lead.id_number,
            _evidence_date(lead.evidence.get("proposal_date")),
            lead.message,
            f"{lead.measure}（{lead.status}）" if lead.measure else lead.status,
        ]
        for lead in leads
    )


def _evidence_date(value: Any) -> Any:
    """An evidence date (kept as ISO text in the lead's JSON) as a date when it is one."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def _log_row(log: DailyLog) -> list[Any]:
    problems = "；".join(f"{p.description}（{p.handling}）" for p in log.problems.all())
    return [
        log.day,
        *(getattr(log, name) for name in COUNT_FIELDS),
        "、".join(log.areas),
        log.area_notes,
        log.video_checks,
        log.talks,
        log.complaints,
        problems,
        log.meetings,
        log.notes,
        str(log.author),
        log.status,
        log.version,
    ]


def _accident_rows(logs: Iterable[DailyLog]) -> list[list[Any]]:
    rows = []
    for log in logs:
        for field, label in (("deaths", "死亡"), ("escapes", "脱逃")):
            people = getattr(log, field) or 0
            if people:
                rows.append([log.day, label, people, log.notes])
    return rows


def _complaint_rows(period: Period) -> list[list[Any]]:
    complaints = Complaint.objects.filter(
        facility=period.facility, received_on__gte=period.start, received_on__lte=period.end
    ).order_by("year", "serial")
    return [
        [
            c.number,
            c.received_on,
            c.kind,
            c.complainant,
            c.content,
            "是" if c.is_investigation_clue else "否",
            c.transfer_due,
            c.transferred_to,
            c.transferred_on,
            c.result,
            c.replied_on,
            c.reply,
        ]
        for c in complaints
    ]


def _correction_rows(period: Period) -> list[list[Any]]:
    problems = (
        Problem.objects.filter(
            facility=period.facility,
            found_on__gte=period.start,
            found_on__lte=period.end,
            handling__in=(Problem.Handling.ORAL, Problem.Handling.NOTICE),
        )
        .prefetch_related("rectifications")
        .order_by("found_on", "pk")
    )
    rows = []
    for number, problem in enumerate(problems, start=1):
        items: Sequence[Rectification] = list(problem.rectifications.all())
        rows.append(
            [
                number,
                problem.found_on,
                problem.source_label,
                problem.description,
                problem.handling,
                "；".join(i.requirement for i in items),
                min((i.due_date for i in items), default=None),
                "；".join(i.follow_up for i in items if i.follow_up),
                problem.rectified_on,
            ]
        )
    return rows


def _inspection_rows(period: Period) -> list[list[Any]]:
    inspections = Inspection.objects.filter(
        facility=period.facility, day__gte=period.start, day__lte=period.end
    ).order_by("day", "pk")
    rows = []
    for inspection in inspections:
        flagged = [label for _, label, result, _ in inspection.items() if result == "存在问题"]
        rows.append(
            [
                inspection.day,
                inspection.kind,
                inspection.inspectors,
                "、".join(flagged),
                inspection.summary,
                inspection.problems.count(),
            ]
        )
    return rows


def _talk_rows(period: Period) -> list[list[Any]]:
    talks = Talk.objects.filter(
        facility=period.facility, day__gte=period.start, day__lte=period.end
    ).order_by("day", "pk")
    return [
        [t.day, t.kind, t.name, t.inmate_number, t.subject, t.content, t.follow_up] for t in talks
    ]


def registers_workbook(period: Period) -> bytes:
    """One sheet per register: the title and facility on top, the header on row 3."""
    book = Workbook()
    book.remove(book.active)
    for register in registers(period):
        _sheet(book.create_sheet(_sheet_name(register.title)), register, period)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    return title.replace("、", "")[:31]


def _sheet(sheet: Any, register: Register, period: Period) -> None:
    width = len(register.headers)
    sheet.append([register.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([f"派驻场所：{period.facility.name}", None, f"期间：{period.label}"])
    sheet.append(list(register.headers))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in register.rows:
        sheet.append([_cell(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    if register.note:
        sheet.append([register.note])
    sheet.append([SOURCE_NOTE])
    for column in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


# 月报 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSummary:
    facility: SupervisedFacility
    first: date
    last: date
    logs: int
    days_on_site: int
    working_days: int
    population: int | None
    inspections: list[Inspection]
    talks: dict[str, int]
    complaints: list[Complaint]
    problems: list[Problem]
    rectified: int


def month_summary(facility: SupervisedFacility, first: date, last: date) -> MonthSummary:
    logs = DailyLog.objects.filter(
        facility=facility, day__gte=first, day__lte=last, status=DailyLog.Status.SUBMITTED
    ).order_by("day")
    days = {log.day for log in logs if log.day.weekday() < 5}
    latest = logs.exclude(population=None).last()
    talks: dict[str, int] = {kind: 0 for kind in Talk.Kind.values}
    for kind in Talk.objects.filter(facility=facility, day__gte=first, day__lte=last).values_list(
        "kind", flat=True
    ):
        talks[kind] += 1
    problems = list(
        Problem.objects.filter(facility=facility, found_on__gte=first, found_on__lte=last)
        .select_related("lead")
        .order_by("found_on", "pk")
    )
    return MonthSummary(
        facility=facility,
        first=first,
        last=last,
        logs=logs.count(),
        days_on_site=len(days),
        working_days=len(working_days(first, last)),
        population=latest.population if latest else None,
        inspections=list(
            Inspection.objects.filter(facility=facility, day__gte=first, day__lte=last)
        ),
        talks=talks,
        complaints=list(
            Complaint.objects.filter(
                facility=facility, received_on__gte=first, received_on__lte=last
            )
        ),
        problems=problems,
        rectified=Problem.objects.filter(
            facility=facility, rectified_on__gte=first, rectified_on__lte=last
        ).count(),
    )


def monthly_report(summary: MonthSummary) -> bytes:
    docx = Document()
    office = summary.facility.unit.name
    _heading(docx, f"{office}")
    _heading(docx, f"派驻检察工作月报（{summary.first.year}年{summary.first.month}月）")
    for title, lines in _report_sections(summary):
        _paragraph(docx, title, bold=True)
        for line in lines:
            _paragraph(docx, line)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def _report_sections(s: MonthSummary) -> list[tuple[str, list[str]]]:
    population = f"月末在押{s.population}人；" if s.population is not None else ""
    below = "，未达到" if s.days_on_site < DAYS_ON_SITE_GOAL else "，达到"
    talk_text = "、".join(f"{kind}{n}人次" for kind, n in s.talks.items())
    clues = [c for c in s.complaints if c.is_investigation_clue]
    return [
        (
            "一、派驻检察基本情况",
            [
                f"派驻场所：{s.facility.name}。{population}本月填写检察日志{s.logs}篇，"
                f"在场所检察{s.days_on_site}个工作日（本月共{s.working_days}个工作日）"
                f"{below}每月不少于{DAYS_ON_SITE_GOAL}个工作日的要求（{GOAL_CITATION}）。"
            ],
        ),
        (
            "二、安全防范检察",
            [f"本月开展安全防范检察{len(s.inspections)}次。"]
            + [f"{i.day:%m月%d日} {i.kind}：{i.summary or '—'}" for i in s.inspections],
        ),
        ("三、谈话教育", [f"本月谈话教育{sum(s.talks.values())}人次，其中{talk_text}。"]),
        (
            "四、控告、举报、申诉",
            [
                f"本月接收控告、举报、申诉{len(s.complaints)}件，其中属于检察机关直接受理侦查的"
                f"案件线索{len(clues)}件。"
            ],
        ),
        (
            "五、发现问题及处理",
            [f"本月发现问题{len(s.problems)}个，本月整改完成{s.rectified}个。"]
            + [
                f"{n}. {p.found_on:%m月%d日}（{p.source_label}）{p.description}——{p.handling}"
                + (f"，已转为线索（编号{p.lead_id}）" if p.lead_id else "")
                for n, p in enumerate(s.problems, start=1)
            ],
        ),
    ]


def _heading(docx: Any, text: str) -> None:
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(18)


def _paragraph(docx: Any, text: str, *, bold: bool = False) -> None:
    run = docx.add_paragraph().add_run(text)
    run.bold = bold
    run.font.size = Pt(14)
