"""The authorization matrix of the platform's pages: every view × every role × an object
of the user's own unit and one of another unit. Each case asserts the status code, that a
refused request changed nothing and wrote no audit row, and that an allowed change did
what it says.

The users all belong to 济南市人民检察院 and hold exactly one role each, so that only the
role differs; "own" objects are at 济南 facilities and "other" objects at 青岛's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.accounts.actions import create_user
from zhijian.web.accounts.models import Role, User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads import actions
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadComment, LeadDocument, LeadEvent
from zhijian.web.library.models import BackgroundJob
from zhijian.web.people.keys import person_key

ROLES = tuple(Role.Code.values)
MODELLERS = {Role.Code.MODELLER, Role.Code.ADMIN}


@dataclass
class Objects:
    """Per unit ("own" = 济南, "other" = 青岛): a lead awaiting verification, a lead awaiting
    assignment, and a lead with an issued document."""

    to_verify: dict[str, Lead]
    to_assign: dict[str, Lead]
    document: dict[str, LeadDocument]
    assignee: dict[str, User]  # "head": a handler who may take the own to_assign lead


def _lead(serial: int, facility: str, model: str) -> Lead:
    sync_run(run_result([hit(serial, facility_code=facility)], model_id=model))
    return Lead.objects.get(model_id=model, facility_code=facility)


def _build(world: World) -> Objects:
    heads = {"own": world.users["jinan_head"], "other": User.objects.get(username="qd_head")}
    residents = {"own": world.users["jinan_resident"], "other": world.users["qingdao_resident"]}
    facilities = {"own": JINAN_PRISON, "other": QINGDAO_PRISON}
    to_verify, to_assign, document = {}, {}, {}
    for side, facility in facilities.items():
        head, resident = heads[side], residents[side]
        lead = _lead(10 if side == "own" else 11, facility, f"matrix_verify_{side}")
        to_verify[side] = actions.assign_lead(lead, resident, actor=head)
        waiting = JINAN_DETENTION if side == "own" else QINGDAO_PRISON
        to_assign[side] = _lead(20 if side == "own" else 21, waiting, f"matrix_assign_{side}")
        worked = _lead(30 if side == "own" else 31, facility, f"matrix_document_{side}")
        worked = actions.assign_lead(worked, resident, actor=head)
        worked = actions.start_verification(worked, actor=resident)
        worked = actions.confirm_lead(worked, actor=resident)
        worked = actions.choose_measure(worked, "纠正违法通知书", actor=resident)
        due = timezone.localdate() + timedelta(days=15)
        document[side] = actions.issue_document(worked, due_date=due, actor=resident)
    return Objects(to_verify, to_assign, document, {"head": heads["own"]})


@pytest.fixture
def objects(world: World) -> Objects:
    create_user(
        "qd_head",
        "x",
        full_name="青岛部门负责人",
        unit=world.unit("青岛市人民检察院"),
        roles=[Role.Code.HEAD],
    )
    for role in ROLES:
        create_user(
            f"only_{role}",
            "x",
            full_name=f"济南{role}",
            unit=world.unit("济南市人民检察院"),
            roles=[role],
        )
    return _build(world)


def state() -> tuple[Any, ...]:
    """Everything a request could change."""
    return (
        list(Lead.objects.order_by("pk").values_list("pk", "status", "assignee_id")),
        LeadEvent.objects.count(),
        LeadComment.objects.count(),
        LeadDocument.objects.count(),
        BackgroundJob.objects.count(),
    )


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[Objects, str], str]
    # role, side → expected status
    expect: Callable[[str, str], int]
    data: Callable[[Objects, str], dict[str, Any]] = lambda o, side: {}
    changes: bool = False  # an allowed request changes state
    audits: bool = False  # an allowed request writes audit rows
    sides: tuple[str, ...] = ("own", "other")


def run_form_data(model_id: str) -> dict[str, Any]:
    """The run form of the model page as it comes, with a data date."""
    from zhijian.supervision.spec import load_library
    from zhijian.web.library.forms import RunModelForm

    spec = next(spec for spec in load_library() if spec.id == model_id)
    fields = RunModelForm(spec).fields.items()
    return {name: field.initial for name, field in fields} | {"as_of": "2025-06-30"}


def everyone(code: int) -> Callable[[str, str], int]:
    return lambda role, side: code


def scoped(role: str, side: str) -> int:
    return 200 if side == "own" else 404


def decider_action(role: str, side: str) -> int:
    # The lead is looked up in the user's scope first: another unit's is a 404 for all.
    # It is assigned to 济南's resident procurator: of the others, only a head of the unit
    # moves it; another handler of the unit reads it and comments.
    if side != "own":
        return 404
    return 302 if role == Role.Code.HEAD else 403


def assigner(role: str, side: str) -> int:
    if role != Role.Code.HEAD:
        return 403
    return 302 if side == "own" else 404


def modellers(ok: int) -> Callable[[str, str], int]:
    return lambda role, side: ok if role in MODELLERS else 403


CASES = (
    Case(
        "dashboard", "get", lambda o, s: reverse("dashboard:index"), everyone(200), sides=("own",)
    ),
    Case("lead list", "get", lambda o, s: reverse("leads:list"), everyone(200), sides=("own",)),
    Case(
        "lead detail",
        "get",
        lambda o, s: reverse("leads:detail", args=[o.to_verify[s].pk]),
        scoped,
        audits=True,
    ),
    Case(
        "start verification",
        "post",
        lambda o, s: reverse("leads:action", args=[o.to_verify[s].pk, "start_verification"]),
        decider_action,
        changes=True,
        audits=True,
    ),
    Case(
        "comment",
        "post",
        lambda o, s: reverse("leads:comment", args=[o.to_verify[s].pk]),
        # Whoever sees the lead may comment on it; another unit's is a 404.
        lambda role, side: 302 if side == "own" else 404,
        data=lambda o, s: {"text": "请核实考核分"},
        changes=True,
        audits=True,
    ),
    Case(
        "bulk assign",
        "post",
        lambda o, s: reverse("leads:bulk_assign"),
        assigner,
        # The 济南 department head can handle the 济南 detention centre's lead.
        data=lambda o, s: {"leads": [o.to_assign[s].pk], "assignee": o.assignee["head"].pk},
        changes=True,
        audits=True,
    ),
    Case(
        "document download",
        "get",
        lambda o, s: reverse("leads:document", args=[o.document[s].pk]),
        scoped,
        audits=True,
    ),
    Case(
        "person page",
        "get",
        lambda o, s: reverse("people:detail", args=[person_key(o.to_verify[s].id_number)]),
        scoped,
        audits=True,
    ),
    Case(
        "person search", "get", lambda o, s: reverse("people:search"), everyone(200), sides=("own",)
    ),
    Case(
        "model library", "get", lambda o, s: reverse("library:list"), everyone(200), sides=("own",)
    ),
    Case(
        "model page",
        "get",
        lambda o, s: reverse("library:detail", args=["parole_prohibited"]),
        everyone(200),
        sides=("own",),
    ),
    Case(
        "run a model",
        "post",
        lambda o, s: reverse("library:run", args=["parole_prohibited"]),
        modellers(302),
        data=lambda o, s: run_form_data("parole_prohibited"),
        changes=True,
        audits=True,
        sides=("own",),
    ),
    Case("data page", "get", lambda o, s: reverse("datahub:list"), modellers(200), sides=("own",)),
    Case(
        "audit log",
        "get",
        lambda o, s: reverse("audit:list"),
        lambda role, side: 200 if role == Role.Code.ADMIN else 403,
        sides=("own",),
    ),
    Case(
        "admin pages",
        "get",
        lambda o, s: reverse("admin:index"),
        lambda role, side: 200 if role == Role.Code.ADMIN else 302,
        sides=("own",),
    ),
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_authorization_matrix(case: Case, role: str, objects: Objects) -> None:
    client = Client()
    client.force_login(User.objects.get(username=f"only_{role}"))
    for side in case.sides:
        before, audit_rows = state(), AuditEntry.objects.count()
        call = getattr(client, case.method)
        response = call(case.url(objects, side), case.data(objects, side))
        expected = case.expect(role, side)
        assert response.status_code == expected, (case.name, role, side, response.status_code)
        allowed = expected in (200, 302) and not (case.name == "admin pages" and expected == 302)
        if not allowed:
            assert state() == before, (case.name, role, side)
            assert AuditEntry.objects.count() == audit_rows, (case.name, role, side)
            continue
        if case.changes:
            assert state() != before, (case.name, role, side)
        if case.audits:
            assert AuditEntry.objects.count() > audit_rows, (case.name, role, side)
        elif case.method == "get":
            assert state() == before, (case.name, role, side)
