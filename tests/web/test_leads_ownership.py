"""A lead assigned to someone is moved by that person or by a head of a unit that
supervises its facility; others who see it (a colleague, a circuit team member with a
grant) read it and comment, they do not decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_PRISON, World
from zhijian.web.accounts.actions import create_user, grant_facility
from zhijian.web.accounts.models import Role, User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads import actions
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadComment, LeadEvent

OFFICE = "济南市人民检察院派驻测试监狱检察室"


@pytest.fixture
def assigned(world: World) -> Lead:
    lead = world.leads[JINAN_PRISON]
    return actions.assign_lead(lead, world.users["jinan_resident"], actor=world.users["jinan_head"])


@pytest.fixture
def colleague(world: World) -> User:
    return create_user(
        "jinan_resident2",
        "x",
        full_name="济南另一派驻检察官",
        unit=world.unit(OFFICE),
        roles=[Role.Code.RESIDENT],
    )


@pytest.fixture
def granted_member(world: World) -> User:
    """青岛's circuit team member, granted the 济南 prison for an inspection."""
    member = world.users["circuit_member"]
    grant_facility(
        member,
        world.facility(JINAN_PRISON),
        ends_at=timezone.now() + timedelta(days=7),
        reason="交叉巡回检察",
        actor=world.users["admin"],
    )
    return User.objects.get(pk=member.pk)


@pytest.fixture
def granted_head(world: World) -> User:
    """A 青岛 department head with the same grant: a grant does not make them a head over
    the 济南 prison."""
    head = create_user(
        "qd_head_granted",
        "x",
        full_name="青岛部门负责人",
        unit=world.unit("青岛市人民检察院"),
        roles=[Role.Code.HEAD],
    )
    grant_facility(
        head,
        world.facility(JINAN_PRISON),
        ends_at=timezone.now() + timedelta(days=7),
        reason="交叉巡回检察",
        actor=world.users["admin"],
    )
    return User.objects.get(pk=head.pk)


def state(lead: Lead) -> tuple[Any, ...]:
    row = Lead.objects.values_list("status", "assignee_id", "updated_at").get(pk=lead.pk)
    return row, LeadEvent.objects.count(), AuditEntry.objects.count(), LeadComment.objects.count()


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client: Client, lead: Lead) -> int:
    url = reverse("leads:action", args=[lead.pk, "start_verification"])
    return client.post(url, {"reason": ""}).status_code


@pytest.mark.parametrize("who", ["colleague", "granted_member"])
def test_someone_else_with_access_cannot_move_an_assigned_lead(
    assigned: Lead, who: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    before = state(assigned)

    with pytest.raises(PermissionDenied, match="由济南派驻检察官承办"):
        actions.start_verification(assigned, actor=user)
    assert start(client_of(user), assigned) == 403

    assert state(assigned) == before


def test_a_head_with_only_a_grant_neither_moves_nor_reassigns(
    world: World, assigned: Lead, granted_head: User
) -> None:
    sync_run(run_result([hit(77, facility_code=JINAN_PRISON)], model_id="waiting"))
    waiting = Lead.objects.get(model_id="waiting")
    client = client_of(granted_head)
    assert client.get(reverse("leads:detail", args=[assigned.pk])).status_code == 200
    before = state(assigned)

    assert start(client, assigned) == 403
    with pytest.raises(PermissionDenied, match="尚未分派"):
        actions.assign_lead(waiting, world.users["jinan_resident"], actor=granted_head)

    assert state(assigned) == before
    assert Lead.objects.get(pk=waiting.pk).assignee is None


@pytest.mark.parametrize("who", ["jinan_resident", "jinan_head", "province_head"])
def test_the_assignee_and_the_heads_above_move_it(world: World, assigned: Lead, who: str) -> None:
    moved = actions.start_verification(assigned, actor=world.users[who])

    assert moved.status == Lead.Status.VERIFYING
    event = LeadEvent.objects.filter(lead=assigned).latest("pk")
    assert (event.actor, event.to_status) == (world.users[who], Lead.Status.VERIFYING)


def test_the_page_offers_no_action_to_a_reader_and_says_who_decides(
    assigned: Lead, granted_member: User, world: World
) -> None:
    page = client_of(granted_member).get(reverse("leads:detail", args=[assigned.pk]))
    own = client_of(world.users["jinan_resident"]).get(reverse("leads:detail", args=[assigned.pk]))

    assert page.context["forms"] == []
    assert "该线索由济南派驻检察官承办" in page.content.decode()
    assert [name for name, _, _ in own.context["forms"]] == ["start_verification"]


def test_a_reader_comments_and_the_lead_stays_as_it_was(
    assigned: Lead, granted_member: User
) -> None:
    client = client_of(granted_member)
    row_before = state(assigned)[0]

    response = client.post(
        reverse("leads:comment", args=[assigned.pk]), {"text": "建议调取考核记录"}
    )

    assert response.status_code == 302
    comment = LeadComment.objects.get()
    assert (comment.lead, comment.author, comment.text) == (
        assigned,
        granted_member,
        "建议调取考核记录",
    )
    assert state(assigned)[0] == row_before
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.object_id, entry.detail) == (
        "发表线索意见",
        str(assigned.pk),
        {"comment_id": comment.pk, "length": 8},
    )
    page = client.get(reverse("leads:detail", args=[assigned.pk])).content.decode()
    assert "建议调取考核记录" in page
    comment.text = "改写意见"
    with pytest.raises(ValueError, match="线索意见只能新增，不能修改"):
        comment.save()
    with pytest.raises(ValueError, match="线索意见不能删除"):
        comment.delete()
    assert LeadComment.objects.get().text == "建议调取考核记录"


def test_a_comment_on_another_units_lead_is_a_404(world: World, assigned: Lead) -> None:
    before = state(assigned)

    response = client_of(world.users["qingdao_resident"]).post(
        reverse("leads:comment", args=[assigned.pk]), {"text": "越权意见"}
    )

    assert response.status_code == 404
    assert state(assigned) == before


def test_an_empty_comment_is_refused(world: World, assigned: Lead) -> None:
    client = client_of(world.users["jinan_head"])
    before = state(assigned)

    response = client.post(reverse("leads:comment", args=[assigned.pk]), {"text": "   "})

    assert response.status_code == 302
    assert state(assigned) == before
    assert "意见" in client.get(response["Location"]).content.decode()
