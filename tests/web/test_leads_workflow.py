"""The lead workflow: every move of the transition table, every illegal one, and who may
make them. A refused move changes nothing and writes no history or audit row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, TODAY, World
from zhijian.web.accounts.models import User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads import actions
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadEvent
from zhijian.web.leads.workflow import TRANSITIONS, WorkflowError, allowed_moves

Status = Lead.Status
Measure = Lead.Measure
DUE = TODAY + timedelta(days=30)
Move = Callable[[Lead, World], Any]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The personas' passwords hashed cheaply: these tests never log in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def head(world: World) -> User:
    return fresh(world.users["jinan_head"])


# One valid call of each action, by 济南部门负责人 (who both assigns and handles).
MOVES: dict[str, Move] = {
    "assign": lambda lead, w: actions.assign_lead(
        lead, fresh(w.users["jinan_resident"]), actor=head(w)
    ),
    "start_verification": lambda lead, w: actions.start_verification(lead, actor=head(w)),
    "confirm": lambda lead, w: actions.confirm_lead(lead, actor=head(w)),
    "exclude": lambda lead, w: actions.exclude_lead(lead, reason="系统数据错误", actor=head(w)),
    "choose_measure": lambda lead, w: actions.choose_measure(lead, Measure.NOTICE, actor=head(w)),
    "record_oral_correction": lambda lead, w: actions.record_oral_correction(
        lead, due_date=DUE, actor=head(w), today=TODAY
    ),
    "issue_document": lambda lead, w: actions.issue_document(
        lead, due_date=DUE, actor=head(w), today=TODAY
    ),
    "transfer_for_investigation": lambda lead, w: actions.transfer_for_investigation(
        lead, reason="移送本院侦查部门", actor=head(w)
    ),
    "record_reply": lambda lead, w: actions.record_reply(
        lead, reply_date=TODAY, reply_text="已重新计算", actor=head(w), today=TODAY
    ),
    "mark_overdue": lambda lead, w: actions.mark_overdue(
        lead, actor=head(w), today=DUE + timedelta(days=1)
    ),
    "close": lambda lead, w: actions.close_lead(lead, actor=head(w)),
}
# Where each legal move leads (record_reply: a reply on time).
EXPECTED = {
    "assign": Status.TO_VERIFY,
    "start_verification": Status.VERIFYING,
    "confirm": Status.CONFIRMED,
    "exclude": Status.EXCLUDED,
    "choose_measure": Status.SUPERVISING,
    "record_oral_correction": Status.AWAITING_REPLY,
    "issue_document": Status.AWAITING_REPLY,
    "transfer_for_investigation": Status.CLOSED,
    "record_reply": Status.RECTIFIED,
    "mark_overdue": Status.OVERDUE,
    "close": Status.CLOSED,
}


def put(lead: Lead, status: str, measure: str = "", due_date: date | None = DUE) -> Lead:
    """The lead in ``status`` (test set-up, bypassing the workflow)."""
    Lead.objects.filter(pk=lead.pk).update(status=status, measure=measure, due_date=due_date)
    return Lead.objects.get(pk=lead.pk)


def snapshot(lead: Lead) -> tuple[Any, ...]:
    row = Lead.objects.get(pk=lead.pk)
    return (
        row.status,
        row.assignee_id,
        row.measure,
        row.due_date,
        row.reply_date,
        LeadEvent.objects.filter(lead=lead).count(),
        AuditEntry.objects.count(),
    )


LEGAL = [
    (action, source, measure)
    for action, transition in TRANSITIONS.items()
    for source in transition.sources
    for measure in (transition.measures or ("",))
]


@pytest.mark.parametrize(("action", "source", "measure"), LEGAL)
def test_every_legal_move_works(world: World, action: str, source: str, measure: str) -> None:
    lead = put(world.leads[JINAN_PRISON], source, measure)
    audit_before = AuditEntry.objects.count()

    MOVES[action](lead, world)

    lead.refresh_from_db()
    assert lead.status == EXPECTED[action]
    event = LeadEvent.objects.filter(lead=lead).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (
        source,
        EXPECTED[action],
        world.users["jinan_head"],
    )
    audit = AuditEntry.objects.order_by("-pk").first()
    assert audit is not None
    assert (audit.action, audit.object_type, audit.object_id) == (
        f"线索{TRANSITIONS[action].label}",
        "线索",
        str(lead.pk),
    )
    assert (audit.detail["from"], audit.detail["to"]) == (source, EXPECTED[action])
    assert AuditEntry.objects.count() == audit_before + 1


ILLEGAL = [
    (action, status)
    for action, transition in TRANSITIONS.items()
    for status in Status
    if status not in transition.sources
]


@pytest.mark.parametrize(("action", "status"), ILLEGAL)
def test_every_illegal_move_raises_and_changes_nothing(
    world: World, action: str, status: str
) -> None:
    lead = put(world.leads[JINAN_PRISON], status, (TRANSITIONS[action].measures or ("",))[0])
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match=f"线索当前状态为“{status}”，不能"):
        MOVES[action](lead, world)

    assert snapshot(lead) == before


@pytest.mark.parametrize(
    ("action", "wrong_measure"),
    [
        ("record_oral_correction", Measure.NOTICE),
        ("issue_document", Measure.ORAL),
        ("issue_document", Measure.INVESTIGATION),
        ("transfer_for_investigation", Measure.RECOMMENDATION),
    ],
)
def test_a_step_of_another_measure_is_refused(
    world: World, action: str, wrong_measure: str
) -> None:
    lead = put(world.leads[JINAN_PRISON], Status.SUPERVISING, wrong_measure)
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match=f"线索的监督措施为“{wrong_measure}”"):
        MOVES[action](lead, world)

    assert snapshot(lead) == before


def test_the_table_reads_as_the_architecture_describes() -> None:
    moves = allowed_moves()
    assert moves[Status.TO_ASSIGN] == (Status.TO_VERIFY,)
    assert moves[Status.TO_VERIFY] == (Status.VERIFYING,)
    assert moves[Status.VERIFYING] == (Status.CONFIRMED, Status.EXCLUDED)
    assert moves[Status.CONFIRMED] == (Status.SUPERVISING,)
    assert moves[Status.SUPERVISING] == (Status.AWAITING_REPLY, Status.CLOSED)
    assert moves[Status.AWAITING_REPLY] == (Status.RECTIFIED, Status.OVERDUE)
    assert moves[Status.RECTIFIED] == (Status.CLOSED,)
    assert moves[Status.OVERDUE] == (Status.CLOSED,)
    assert moves[Status.EXCLUDED] == (Status.CLOSED,)
    assert moves[Status.CLOSED] == ()
    assert moves[Status.NO_LONGER_HIT] == ()


def test_a_lead_worked_from_assignment_to_closure_keeps_its_history(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    resident = fresh(world.users["jinan_resident"])
    actions.assign_lead(lead, resident, actor=head(world))
    actions.start_verification(lead, actor=resident)
    actions.confirm_lead(lead, actor=resident, reason="调取减刑裁定书核实")
    actions.choose_measure(lead, Measure.ORAL, actor=resident)
    actions.record_oral_correction(lead, due_date=DUE, actor=resident, today=TODAY)
    actions.record_reply(lead, reply_date=DUE, reply_text="已重新计算", actor=resident, today=DUE)
    actions.close_lead(lead, actor=resident)

    lead.refresh_from_db()
    assert (lead.status, lead.assignee, lead.measure) == (Status.CLOSED, resident, "口头纠正")
    assert (lead.due_date, lead.reply_date, lead.reply_text) == (DUE, DUE, "已重新计算")
    history = [
        (e.from_status, e.to_status, e.reason)
        for e in LeadEvent.objects.filter(lead=lead, actor__isnull=False)
    ]
    assert history == [
        ("待分派", "待核查", "分派给济南派驻检察官"),
        ("待核查", "核查中", ""),
        ("核查中", "属实", "调取减刑裁定书核实"),
        ("属实", "监督中", "监督措施：口头纠正"),
        ("监督中", "待整改回复", f"已口头提出纠正意见，限{DUE}前回复"),
        ("待整改回复", "已整改", f"{DUE}回复：已重新计算"),
        ("已整改", "办结", ""),
    ]


def test_a_late_reply_makes_the_lead_overdue(world: World) -> None:
    lead = put(world.leads[JINAN_PRISON], Status.AWAITING_REPLY, Measure.NOTICE, TODAY)
    late = TODAY + timedelta(days=1)

    actions.record_reply(lead, reply_date=late, reply_text="已纠正", actor=head(world), today=late)

    lead.refresh_from_db()
    assert (lead.status, lead.reply_date) == (Status.OVERDUE, late)
    assert LeadEvent.objects.filter(lead=lead).latest("pk").reason == (
        f"{late}回复（超过回复期限{TODAY}）：已纠正"
    )


def test_a_reply_on_the_due_date_is_on_time(world: World) -> None:
    lead = put(world.leads[JINAN_PRISON], Status.AWAITING_REPLY, Measure.NOTICE, TODAY)

    actions.record_reply(
        lead, reply_date=TODAY, reply_text="已纠正", actor=head(world), today=TODAY
    )

    assert Lead.objects.get(pk=lead.pk).status == Status.RECTIFIED


@pytest.mark.parametrize(
    ("move", "message"),
    [
        (
            lambda lead, w: actions.mark_overdue(lead, actor=head(w), today=DUE),
            f"回复期限{DUE}尚未届满",
        ),
        (
            lambda lead, w: actions.record_reply(
                lead,
                reply_date=TODAY + timedelta(days=1),
                reply_text="x",
                actor=head(w),
                today=TODAY,
            ),
            "回复日期不能晚于今天",
        ),
        (
            lambda lead, w: actions.record_reply(
                lead, reply_date=TODAY, reply_text="  ", actor=head(w), today=TODAY
            ),
            "记录整改回复须填写：整改情况",
        ),
    ],
)
def test_reply_rules(world: World, move: Move, message: str) -> None:
    lead = put(world.leads[JINAN_PRISON], Status.AWAITING_REPLY, Measure.NOTICE, DUE)
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match=message):
        move(lead, world)

    assert snapshot(lead) == before


@pytest.mark.parametrize(
    ("status", "move", "message"),
    [
        (
            Status.VERIFYING,
            lambda lead, w: actions.exclude_lead(lead, reason=" ", actor=head(w)),
            "排除（不属实）须填写：排除理由",
        ),
        (
            Status.CONFIRMED,
            lambda lead, w: actions.choose_measure(lead, "罚款", actor=head(w)),
            "监督措施无效：罚款",
        ),
        (
            Status.SUPERVISING,
            lambda lead, w: actions.transfer_for_investigation(lead, reason="", actor=head(w)),
            "移送侦查须填写：移送情况",
        ),
    ],
)
def test_required_inputs(world: World, status: str, move: Move, message: str) -> None:
    lead = put(world.leads[JINAN_PRISON], status, Measure.INVESTIGATION)
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match=message):
        move(lead, world)

    assert snapshot(lead) == before


def test_due_date_must_be_in_the_future(world: World) -> None:
    lead = put(world.leads[JINAN_PRISON], Status.SUPERVISING, Measure.ORAL)
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match="整改回复期限须晚于今天"):
        actions.record_oral_correction(lead, due_date=TODAY, actor=head(world), today=TODAY)

    assert snapshot(lead) == before


@pytest.mark.parametrize(
    ("username", "action"),
    [
        ("jinan_resident", "assign"),
        ("investigator", "assign"),
        ("investigator", "start_verification"),
        ("investigator", "confirm"),
        ("modeller", "close"),
        ("admin", "close"),
    ],
)
def test_a_role_that_may_not_act_is_denied_and_nothing_changes(
    world: World, username: str, action: str
) -> None:
    source = TRANSITIONS[action].sources[0]
    lead = put(world.leads[JINAN_PRISON], source)
    actor = fresh(world.users[username])
    before = snapshot(lead)
    # The province's users see every facility: the refusal is the role's, not the scope's.
    calls: dict[str, Move] = {
        "assign": lambda lead, w: actions.assign_lead(
            lead, fresh(w.users["jinan_resident"]), actor=actor
        ),
        "start_verification": lambda lead, w: actions.start_verification(lead, actor=actor),
        "confirm": lambda lead, w: actions.confirm_lead(lead, actor=actor),
        "close": lambda lead, w: actions.close_lead(lead, actor=actor),
    }

    with pytest.raises(PermissionDenied):
        calls[action](lead, world)

    assert snapshot(lead) == before


def test_another_units_lead_is_not_found_and_nothing_changes(world: World) -> None:
    lead = put(world.leads[QINGDAO_PRISON], Status.TO_VERIFY)
    before = snapshot(lead)

    with pytest.raises(Http404):
        actions.start_verification(lead, actor=fresh(world.users["jinan_resident"]))

    assert snapshot(lead) == before


@pytest.mark.parametrize(
    ("assignee", "message"),
    [
        ("qingdao_resident", "青岛派驻检察官所在单位不监督该线索的场所，不能承办"),
        ("investigator", "济南侦查人员不是承办人"),
    ],
)
def test_a_lead_is_assigned_only_to_a_handler_who_sees_its_facility(
    world: World, assignee: str, message: str
) -> None:
    lead = world.leads[JINAN_PRISON]
    before = snapshot(lead)

    with pytest.raises(WorkflowError, match=message):
        actions.assign_lead(lead, fresh(world.users[assignee]), actor=head(world))

    assert snapshot(lead) == before


def more_leads(facility_code: str, count: int) -> list[Lead]:
    hits = [hit(100 + n, facility_code=facility_code) for n in range(count)]
    sync_run(run_result(hits, model_id="bulk"))
    return list(Lead.objects.filter(model_id="bulk").order_by("pk"))


def test_bulk_assign_assigns_each_lead_with_its_own_history_and_audit_row(
    world: World,
) -> None:
    leads = more_leads(JINAN_PRISON, 3)
    resident = fresh(world.users["jinan_resident"])
    audit_before = AuditEntry.objects.count()

    assigned = actions.assign_leads(leads, resident, actor=head(world))

    assert assigned == 3
    rows = Lead.objects.filter(model_id="bulk").values_list("status", "assignee")
    assert list(rows) == [(Status.TO_VERIFY, resident.pk)] * 3
    assert AuditEntry.objects.count() == audit_before + 3
    assert sorted(
        AuditEntry.objects.filter(action="线索分派").values_list("object_id", flat=True)
    ) == sorted(str(lead.pk) for lead in leads)
    assert [e.reason for e in LeadEvent.objects.filter(lead__in=leads, actor__isnull=False)] == [
        "分派给济南派驻检察官；批量分派"
    ] * 3


def test_bulk_assign_is_all_or_nothing(world: World) -> None:
    # The resident's office does not supervise the detention centre: its lead fails last.
    leads = [*more_leads(JINAN_PRISON, 2), world.leads[JINAN_DETENTION]]
    before = [snapshot(lead) for lead in leads]

    with pytest.raises(WorkflowError, match="所在单位不监督该线索的场所"):
        actions.assign_leads(leads, fresh(world.users["jinan_resident"]), actor=head(world))

    assert [snapshot(lead) for lead in leads] == before


def test_bulk_assign_of_nothing_is_refused(world: World) -> None:
    with pytest.raises(WorkflowError, match="未选择线索"):
        actions.assign_leads([], fresh(world.users["jinan_resident"]), actor=head(world))


def test_the_system_sweep_marks_leads_past_their_due_date(world: World) -> None:
    from zhijian.web.leads.actions import mark_overdue_leads

    head, resident = world.users["jinan_head"], world.users["jinan_resident"]
    lead = actions.assign_lead(world.leads[JINAN_PRISON], resident, actor=head)
    lead = actions.start_verification(lead, actor=resident)
    lead = actions.confirm_lead(lead, actor=resident)
    lead = actions.choose_measure(lead, "口头纠正", actor=resident)
    issued = date(2026, 11, 1)
    lead = actions.record_oral_correction(
        lead, due_date=date(2026, 11, 16), actor=resident, today=issued
    )
    audit_rows = AuditEntry.objects.count()

    assert mark_overdue_leads(date(2026, 11, 16)) == 0  # the due day itself is in time
    assert mark_overdue_leads(date(2026, 11, 17)) == 1
    assert mark_overdue_leads(date(2026, 11, 18)) == 0  # nothing left to move

    lead.refresh_from_db()
    assert lead.status == "逾期未整改"
    last = lead.events.last()
    assert last is not None
    assert (last.actor, last.from_status, last.reason) == (
        None,
        "待整改回复",
        "至期限2026-11-16未回复（系统认定）",
    )
    assert AuditEntry.objects.count() == audit_rows + 1
