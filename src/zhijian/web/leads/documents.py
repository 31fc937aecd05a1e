"""Legal documents issued on a lead: 纠正违法通知书 and 检察建议书 as .docx, numbered per
issuing procuratorate, kind and year.

The layout follows the procuratorates' document format: the procuratorate's name and the
document's title centred in 方正小标宋简体, the number (鲁济检纠〔2026〕3号) on the right,
the addressee, the body in 仿宋_GB2312 (三号, first lines indented two characters), and
the procuratorate and the date written in Chinese numerals at the bottom right.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from zhijian.law.citations import Citation
from zhijian.law.numerals import to_chinese_numeral
from zhijian.web.accounts.models import SupervisedFacility, Unit
from zhijian.web.leads import specs
from zhijian.web.leads.models import DocumentKind, DocumentSequence, Lead, LeadDocument

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
RED = RGBColor(0xC0, 0x00, 0x00)
KIND_FOR_MEASURE = {
    Lead.Measure.NOTICE: DocumentKind.NOTICE,
    Lead.Measure.RECOMMENDATION: DocumentKind.RECOMMENDATION,
}
# The character after the procuratorate's code in the number: 鲁济检纠、鲁济检建.
KIND_CODES = {DocumentKind.NOTICE: "纠", DocumentKind.RECOMMENDATION: "建"}
# 刑事诉讼法第二百七十六条: 发现违法的情况，应当通知执行机关纠正; 刑诉规则第五百五十二条:
# 情节较重的发出纠正违法通知书，带有普遍性的提出检察建议.
SUPERVISION_BASIS = (Citation("刑事诉讼法", 276), Citation("刑诉规则", 552))
_CHINESE_DIGITS = "〇一二三四五六七八九"


def chinese_date(day: date) -> str:
    """二〇二六年十一月二十七日."""
    year = "".join(_CHINESE_DIGITS[int(digit)] for digit in str(day.year))
    return f"{year}年{to_chinese_numeral(day.month)}月{to_chinese_numeral(day.day)}日"


def facility_of(lead: Lead) -> SupervisedFacility | None:
    return (
        SupervisedFacility.objects.select_related("unit")
        .filter(facility_code=lead.facility_code)
        .first()
    )


def issuing_unit(unit: Unit) -> Unit:
    """The procuratorate that issues in the name of ``unit``: the unit itself, or for a
    派驻检察室 (which issues no documents of its own) its nearest ancestor that is not one."""
    while unit.kind == Unit.Kind.RESIDENT_OFFICE and unit.parent is not None:
        unit = unit.parent
    return unit


def take_serial(unit: Unit, kind: str, year: int) -> int:
    """The next number of ``kind`` for the unit in the year. Call inside a transaction:
    the sequence row stays locked until it commits, so concurrent issuers wait in turn."""
    DocumentSequence.objects.get_or_create(unit=unit, kind=kind, year=year)
    sequence = DocumentSequence.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    sequence.last_serial += 1
    sequence.save(update_fields=["last_serial"])
    return sequence.last_serial


def document_number(unit: Unit, kind: str, year: int, serial: int) -> str:
    """鲁济检纠〔2026〕3号."""
    return f"{unit.short_name}{KIND_CODES[DocumentKind(kind)]}〔{year}〕{serial}号"


def create_document(lead: Lead, *, actor: Any, due_date: date, issued_on: date) -> LeadDocument:
    """Number, render and store the document the lead's measure calls for, issued by the
    procuratorate supervising the lead's facility (the actor's own when the facility is
    unknown). Call inside the issuing transaction."""
    kind = KIND_FOR_MEASURE[Lead.Measure(lead.measure)]
    facility = facility_of(lead)
    unit = issuing_unit(facility.unit if facility else actor.unit)
    serial = take_serial(unit, kind, issued_on.year)
    document = LeadDocument(
        lead=lead,
        kind=kind,
        unit=unit,
        year=issued_on.year,
        serial=serial,
        number=document_number(unit, kind, issued_on.year, serial),
        addressee=facility.name if facility else lead.facility_code,
        issued_on=issued_on,
        due_date=due_date,
        issued_by=actor,
    )
    document.content = render(document, lead)
    document.save()
    return document


def render(document: LeadDocument, lead: Lead) -> bytes:
    """The document as .docx bytes."""
    docx = Document()
    _page(docx)
    _title(docx, document.unit.name, color=RED)
    _title(docx, document.kind)
    _line(docx, document.number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _line(docx, f"{document.addressee}：")
    for text in _body(document, lead):
        _line(docx, text, indent=True)
    _line(docx, "")
    _line(docx, document.unit.name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _line(docx, chinese_date(document.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def _body(document: LeadDocument, lead: Lead) -> list[str]:
    message = lead.message.rstrip("。")
    lines = [
        "本院在刑事执行检察工作中发现，你单位在刑罚执行活动中存在以下问题：",
        f"{message}。",
        f"涉及人员：{lead.name or '—'}（身份证号码 {lead.id_number}）。主要证据：",
    ]
    lines += [
        f"（{to_chinese_numeral(i)}）{label}：{value}；"
        for i, (label, value) in enumerate(specs.evidence_rows(lead), start=1)
    ]
    basis = specs.legal_basis(lead)
    if basis:
        lines.append("本院认为，上述情形不符合下列规定：")
        lines += [f"{citation}：“{text.strip()}”" for citation, text in basis]
    grounds = "、".join(str(citation) for citation in SUPERVISION_BASIS)
    due = chinese_date(document.due_date)
    if document.kind == DocumentKind.NOTICE:
        lines.append(
            f"根据{grounds}的规定，特通知你单位依法予以纠正，并请于{due}前将纠正情况书面回复本院。"
        )
    else:
        lines.append(
            f"根据{grounds}的规定，本院建议你单位：依法纠正上述问题，查明原因，"
            f"健全相关制度，堵塞管理漏洞。请于{due}前将采纳检察建议及整改落实情况书面回复本院。"
        )
    return lines


def _page(docx: Any) -> None:
    """A4 with the margins of 党政机关公文格式 (GB/T 9704)."""
    section = docx.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _title(docx: Any, text: str, *, color: RGBColor | None = None) -> None:
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, TITLE_FONT, TITLE_SIZE, color)


def _line(
    docx: Any,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
) -> None:
    paragraph = docx.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    _run(paragraph, text, BODY_FONT, BODY_SIZE)


def _run(
    paragraph: Paragraph, text: str, font: str, size: Pt, color: RGBColor | None = None
) -> None:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = size
    if color is not None:
        run.font.color.rgb = color
    # Word picks Chinese characters' font from eastAsia, which ``font.name`` does not set.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
