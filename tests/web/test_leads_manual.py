"""Manual leads: a problem found on site enters the same workflow as a model's hit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from tests.web.personas import JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.actions import assign_lead, create_manual_lead
from zhijian.web.leads.models import Lead
from zhijian.web.leads.workflow import WorkflowError

BASIS = (
    ("《人民检察院刑事诉讼规则》第五百五十二条", "人民检察院发现刑事执行活动中有违法情形的……"),
)


def manual(world: World, actor: str = "jinan_resident", **fields: object) -> Lead:
    values: dict[str, object] = {
        "facility_code": JINAN_PRISON,
        "id_number": "",
        "name": "",
        "message": "三监区禁闭室未按规定登记使用情况",
        "evidence": {"检查区域": "禁闭室"},
        "category": "监管执法与交付执行监督",
        "legal_basis": BASIS,
        "source": "安全防范检察 2026-11-20",
    }
    return create_manual_lead(**(values | fields), actor=world.users[actor])  # type: ignore[arg-type]


def test_a_manual_lead_awaits_assignment_with_its_source_and_basis(world: World) -> None:
    audit_rows = AuditEntry.objects.count()
    lead = manual(world)
    assert (lead.status, lead.model_id, lead.model_name) == ("待分派", "manual", "人工发现的问题")
    assert (lead.first_seen_run, lead.last_seen_run) == (None, None)
    assert lead.key == {"source": "安全防范检察 2026-11-20", "legal_basis": [list(BASIS[0])]}
    assert [(e.from_status, e.to_status, e.reason) for e in lead.events.all()] == [
        ("", "待分派", "安全防范检察 2026-11-20")
    ]
    assert AuditEntry.objects.count() == audit_rows + 1
    assert AuditEntry.objects.last().action == "人工录入线索"  # type: ignore[union-attr]

    assigned = assign_lead(lead, world.users["jinan_resident"], actor=world.users["jinan_head"])
    assert assigned.status == "待核查"


def test_the_detail_page_shows_a_manual_lead(world: World) -> None:
    lead = manual(world)
    client = Client()
    client.force_login(world.users["jinan_resident"])
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "人工录入：安全防范检察 2026-11-20" in page
    assert "《人民检察院刑事诉讼规则》第五百五十二条" in page
    assert "三监区禁闭室未按规定登记使用情况" in page


def test_refusals_change_nothing(world: World) -> None:
    before = (Lead.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Http404):
        manual(world, facility_code=QINGDAO_PRISON)
    with pytest.raises(PermissionDenied):
        manual(world, actor="modeller")
    with pytest.raises(WorkflowError, match="线索类别"):
        manual(world, category="其他")
    with pytest.raises(WorkflowError, match="问题描述"):
        manual(world, message="  ")
    assert (Lead.objects.count(), AuditEntry.objects.count()) == before


def test_a_model_run_never_drops_a_manual_lead(world: World) -> None:
    from tests.web.hits import run_result
    from zhijian.web.leads.actions import sync_run

    lead = manual(world)
    sync_run(run_result([]))  # a complete run of a model that finds nothing
    lead.refresh_from_db()
    assert (lead.status, lead.dropped_by_run) == ("待分派", None)
