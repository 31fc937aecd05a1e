"""纠正违法通知书 and 检察建议书: numbering per issuing procuratorate, kind and year; the
.docx read back; issuing and downloading through the pages, audited and scoped."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from typing import Any

import docx
import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from tests.web.hits import hit, id_number, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, TODAY, World
from zhijian.law.citations import Citation
from zhijian.law.statutes import citation_exists
from zhijian.web.accounts.models import Unit, User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads import actions, documents
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import DocumentSequence, Lead, LeadDocument

Status = Lead.Status
Measure = Lead.Measure
DUE = date(2026, 12, 27)
MODEL = "corrections_late_registration"

# A due date the form takes (dates are held to ten years ahead, zhijian.web.dates).
DUE_NEXT_YEAR = f"{date.today().year + 1}-12-31"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The personas' passwords hashed cheaply: these tests log in with force_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def supervising(facility_code: str, measure: str = Measure.NOTICE, serial: int = 50) -> Lead:
    """A lead of the late-registration model at the facility, 监督中 with ``measure``,
    handled by the facility's resident procurator."""
    evidence = {
        "case_id": f"SJ{serial}",
        "correction_type": "缓刑",
        "decision_effective_date": "2025-03-03",
        "deadline": "2025-03-13",
        "registration_date": "2025-03-14",
        "days_late": 1,
    }
    found = hit(
        serial,
        model_id=MODEL,
        facility_code=facility_code,
        evidence=evidence,
        name="张某某",
        message="张某某（缓刑）的判决、裁定于2025-03-03生效，报到期满日为2025-03-13，报到日期为2025-03-14，逾期1日，未见训诫或警告记录",
    )
    sync_run(run_result([found], model_id=MODEL))
    lead = Lead.objects.get(model_id=MODEL, key=found.key)
    resident = {JINAN_PRISON: "jinan_resident", QINGDAO_PRISON: "qingdao_resident"}
    assignee = User.objects.filter(username=resident.get(facility_code, "")).first()
    Lead.objects.filter(pk=lead.pk).update(
        status=Status.SUPERVISING, measure=measure, assignee=assignee
    )
    return Lead.objects.get(pk=lead.pk)


def issue(world: World, lead: Lead, today: date = TODAY) -> LeadDocument:
    return actions.issue_document(
        lead,
        due_date=today + timedelta(days=30),
        actor=fresh(world.users["jinan_resident"]),
        today=today,
    )


def text_of(document: LeadDocument) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(bytes(document.content))).paragraphs]


def test_documents_are_numbered_in_turn_per_unit_kind_and_year(world: World) -> None:
    first = issue(world, supervising(JINAN_PRISON, serial=1))
    second = issue(world, supervising(JINAN_PRISON, serial=2))
    advice = issue(world, supervising(JINAN_PRISON, Measure.RECOMMENDATION, serial=3))
    next_year = issue(world, supervising(JINAN_PRISON, serial=4), today=date(2027, 1, 4))

    assert [first.number, second.number] == ["鲁济检纠〔2026〕1号", "鲁济检纠〔2026〕2号"]
    assert advice.number == "鲁济检建〔2026〕1号"
    assert next_year.number == "鲁济检纠〔2027〕1号"
    assert first.unit == world.unit("济南市人民检察院")
    assert list(
        DocumentSequence.objects.order_by("kind", "year").values_list("kind", "year", "last_serial")
    ) == [("检察建议书", 2026, 1), ("纠正违法通知书", 2026, 2), ("纠正违法通知书", 2027, 1)]


def test_a_basic_procuratorate_issues_under_its_own_code(world: World) -> None:
    # The detention centre is supervised by 济南市历下区人民检察院 (鲁济历检), a 基层院.
    lead = supervising(JINAN_DETENTION, serial=5)

    document = actions.issue_document(
        lead, due_date=DUE, actor=fresh(world.users["jinan_head"]), today=TODAY
    )

    assert document.number == "鲁济历检纠〔2026〕1号"
    assert document.addressee == "济南市历下区看守所"


def test_issuing_moves_the_lead_to_awaiting_the_reply_with_its_due_date(world: World) -> None:
    lead = supervising(JINAN_PRISON)

    document = issue(world, lead)

    lead.refresh_from_db()
    assert (lead.status, lead.due_date) == (Status.AWAITING_REPLY, DUE)
    assert document.lead == lead
    assert (document.kind, document.addressee, document.issued_on, document.due_date) == (
        "纠正违法通知书",
        "山东省测试监狱",
        TODAY,
        DUE,
    )
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.detail["number"]) == ("线索制发文书", "鲁济检纠〔2026〕1号")


def test_the_notice_reads_as_issued(world: World) -> None:
    document = issue(world, supervising(JINAN_PRISON))

    assert text_of(document) == [
        "济南市人民检察院",
        "纠正违法通知书",
        "鲁济检纠〔2026〕1号",
        "山东省测试监狱：",
        "本院在刑事执行检察工作中发现，你单位在刑罚执行活动中存在以下问题：",
        "张某某（缓刑）的判决、裁定于2025-03-03生效，报到期满日为2025-03-13，报到日期为2025-03-14，逾期1日，未见训诫或警告记录。",
        f"涉及人员：张某某（身份证号码 {id_number(50)}）。主要证据：",
        "（一）矫正案件编号：SJ50；",
        "（二）矫正类别：缓刑；",
        "（三）判决、裁定生效日期：2025-03-03；",
        "（四）报到期满日：2025-03-13；",
        "（五）报到日期：2025-03-14；",
        "（六）逾期天数：1；",
        "本院认为，上述情形不符合下列规定：",
        "《中华人民共和国社区矫正法》第二十一条第一款：“人民法院判处管制、宣告缓刑、裁定假释的社区矫正对象，应当自判决、裁定生效之日起十日内到执行地社区矫正机构报到。”",
        "《中华人民共和国刑事诉讼法》第一百零五条：“期间开始的时和日不算在期间以内。……期间的最后一日为节假日的，以节假日后的第一日为期满日期”",
        "《中华人民共和国社区矫正法》第二十八条第一款：“社区矫正对象违反法律法规或者监督管理规定的，应当视情节依法给予训诫、警告、提请公安机关予以治安管理处罚，或者依法提请撤销缓刑、撤销假释、对暂予监外执行的收监执行。”",
        "根据《中华人民共和国刑事诉讼法》第二百七十六条、《人民检察院刑事诉讼规则》（高检发释字〔2019〕4号）第五百五十二条的规定，特通知你单位依法予以纠正，并请于二〇二六年十二月二十七日前将纠正情况书面回复本院。",
        "",
        "济南市人民检察院",
        "二〇二六年十一月二十七日",
    ]


def test_the_recommendation_asks_for_its_adoption(world: World) -> None:
    document = issue(world, supervising(JINAN_PRISON, Measure.RECOMMENDATION))

    lines = text_of(document)

    assert lines[:3] == ["济南市人民检察院", "检察建议书", "鲁济检建〔2026〕1号"]
    assert lines[-4].endswith(
        "请于二〇二六年十二月二十七日前将采纳检察建议及整改落实情况书面回复本院。"
    )


def test_the_layout_fonts_and_alignment(world: World) -> None:
    document = issue(world, supervising(JINAN_PRISON))
    paragraphs = docx.Document(io.BytesIO(bytes(document.content))).paragraphs

    def east_asian_font(index: int) -> str | None:
        fonts = paragraphs[index].runs[0]._element.rPr.rFonts
        return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    assert [east_asian_font(i) for i in (0, 1, 2, 4)] == [
        "方正小标宋简体",
        "方正小标宋简体",
        "仿宋_GB2312",
        "仿宋_GB2312",
    ]
    alignments = [paragraphs[i].alignment for i in (0, 1, 2, -2, -1)]
    assert [str(a) for a in alignments] == [
        "CENTER (1)",
        "CENTER (1)",
        "RIGHT (2)",
        "RIGHT (2)",
        "RIGHT (2)",
    ]
    assert paragraphs[0].runs[0].font.size.pt == 22
    assert paragraphs[4].runs[0].font.size.pt == 16


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 27), "二〇二六年十一月二十七日"),
        (date(2027, 1, 4), "二〇二七年一月四日"),
        (date(2030, 10, 10), "二〇三〇年十月十日"),
        (date(2026, 12, 20), "二〇二六年十二月二十日"),
    ],
)
def test_dates_are_written_in_chinese_numerals(day: date, text: str) -> None:
    assert documents.chinese_date(day) == text


def test_the_supervision_grounds_cited_exist_in_the_statutes() -> None:
    quotes = {
        276: "如果发现有违法的情况，应当通知执行机关纠正",
        552: "发出纠正违法通知书",
    }
    for citation in documents.SUPERVISION_BASIS:
        quoted = Citation(citation.document, citation.article, quote=quotes[citation.article])
        assert citation_exists(quoted) == []


def test_an_oral_correction_or_transfer_issues_no_document(world: World) -> None:
    lead = supervising(JINAN_PRISON, Measure.ORAL)

    with pytest.raises(actions.WorkflowError, match="线索的监督措施为“口头纠正”"):
        issue(world, lead)

    assert LeadDocument.objects.count() == 0
    assert DocumentSequence.objects.count() == 0


# ---- Through the pages ----------------------------------------------------------------


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_issues_a_notice_and_downloads_it(world: World) -> None:
    lead = supervising(JINAN_PRISON)
    client = client_of(world.users["jinan_resident"])

    issued = client.post(
        reverse("leads:action", args=[lead.pk, "issue_document"]), {"due_date": DUE_NEXT_YEAR}
    )
    document = LeadDocument.objects.get(lead=lead)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    before = AuditEntry.objects.count()
    download = client.get(reverse("leads:document", args=[document.pk]))

    assert issued.status_code == 302
    assert document.number in page
    assert reverse("leads:document", args=[document.pk]) in page
    assert download.status_code == 200
    assert download["Content-Type"] == documents_mime()
    assert "attachment" in download["Content-Disposition"]
    assert download.content == bytes(document.content)
    assert "纠正违法通知书" in [
        p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs
    ]
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.object_id, entry.detail["number"]) == (
        "下载法律文书",
        str(document.pk),
        document.number,
    )


def documents_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("username", ["qingdao_resident", "circuit_member"])
def test_another_units_document_is_a_404_and_not_audited(world: World, username: str) -> None:
    document = issue(world, supervising(JINAN_PRISON))
    before = AuditEntry.objects.count()

    response = client_of(world.users[username]).get(reverse("leads:document", args=[document.pk]))

    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


def test_a_role_that_may_not_issue_gets_a_403_and_nothing_is_numbered(world: World) -> None:
    lead = supervising(JINAN_PRISON)
    before = AuditEntry.objects.count()

    response = client_of(world.users["investigator"]).post(
        reverse("leads:action", args=[lead.pk, "issue_document"]), {"due_date": DUE_NEXT_YEAR}
    )

    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == Status.SUPERVISING
    assert (LeadDocument.objects.count(), DocumentSequence.objects.count()) == (0, 0)
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_issuers_numbering_at_once_get_consecutive_numbers_without_repeats() -> None:
    """Several procurators of one unit issuing at the same moment: each document takes
    the next number, none twice, none skipped (the sequence row is locked in turn)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a database server (the PostgreSQL pass)")
    from tests.web.personas import build_world

    build_world()
    unit = Unit.objects.get(name="济南市人民检察院")
    serials: list[int] = []
    lock = threading.Lock()

    def issue() -> None:
        try:
            for _ in range(5):
                with transaction.atomic():
                    serial = documents.take_serial(unit, "纠正违法通知书", 2026)
                with lock:
                    serials.append(serial)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(serials) == list(range(1, 31))
    assert DocumentSequence.objects.get(unit=unit, year=2026).last_serial == 30
