"""The lead workflow as one table: each action, the statuses it starts from, where it
leads, who may take it and what it needs.

    待分派 →(分派) 待核查 →(开始核查) 核查中 →(确认属实) 属实 | (排除) 不属实
    属实 →(选择监督措施) 监督中
    监督中 →(记录口头纠正 | 制发文书) 待整改回复 | (移送侦查) 办结
    待整改回复 →(记录整改回复) 已整改 | 逾期未整改; (认定逾期) 逾期未整改
    已整改 | 逾期未整改 | 不属实 →(办结) 办结

The measures are those of 刑诉规则第五百五十二条: 口头纠正 for a minor violation, a
纠正违法通知书 for a serious one, a 检察建议 for a widespread one, and a transfer when it
may be a crime. A reply recorded after its due date makes the lead 逾期未整改, as does a
due date passed with no reply: the rectification was not made within the period set, and
第五百五十三条 has the procuratorate press for it and report upwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from zhijian.web.accounts.access import ASSIGNER_ROLES, HANDLER_ROLES, supervised_facility_codes
from zhijian.web.accounts.models import Role
from zhijian.web.leads.models import Lead

Status = Lead.Status
Measure = Lead.Measure


class WorkflowError(ValueError):
    """A move the workflow does not allow, or one missing what it needs (Chinese text)."""


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[Status, ...]
    targets: tuple[Status, ...]
    roles: tuple[str, ...]
    # Inputs that must be given and not blank, by name and label.
    required: tuple[tuple[str, str], ...] = ()
    # When given, the lead's chosen measure must be one of these.
    measures: tuple[Measure, ...] = ()


TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(
        "分派", (Status.TO_ASSIGN,), (Status.TO_VERIFY,), ASSIGNER_ROLES, (("assignee", "承办人"),)
    ),
    "start_verification": Transition(
        "开始核查", (Status.TO_VERIFY,), (Status.VERIFYING,), HANDLER_ROLES
    ),
    "confirm": Transition("确认属实", (Status.VERIFYING,), (Status.CONFIRMED,), HANDLER_ROLES),
    "exclude": Transition(
        "排除（不属实）",
        (Status.VERIFYING,),
        (Status.EXCLUDED,),
        HANDLER_ROLES,
        (("reason", "排除理由"),),
    ),
    "choose_measure": Transition(
        "选择监督措施",
        (Status.CONFIRMED,),
        (Status.SUPERVISING,),
        HANDLER_ROLES,
        (("measure", "监督措施"),),
    ),
    "record_oral_correction": Transition(
        "记录口头纠正",
        (Status.SUPERVISING,),
        (Status.AWAITING_REPLY,),
        HANDLER_ROLES,
        (("due_date", "整改回复期限"),),
        (Measure.ORAL,),
    ),
    "issue_document": Transition(
        "制发文书",
        (Status.SUPERVISING,),
        (Status.AWAITING_REPLY,),
        HANDLER_ROLES,
        (("due_date", "整改回复期限"),),
        (Measure.NOTICE, Measure.RECOMMENDATION),
    ),
    "transfer_for_investigation": Transition(
        "移送侦查",
        (Status.SUPERVISING,),
        (Status.CLOSED,),
        HANDLER_ROLES,
        (("reason", "移送情况"),),
        (Measure.INVESTIGATION,),
    ),
    "record_reply": Transition(
        "记录整改回复",
        (Status.AWAITING_REPLY,),
        (Status.RECTIFIED, Status.OVERDUE),
        HANDLER_ROLES,
        (("reply_date", "回复日期"), ("reply_text", "整改情况")),
    ),
    "mark_overdue": Transition(
        "认定逾期未整改", (Status.AWAITING_REPLY,), (Status.OVERDUE,), HANDLER_ROLES
    ),
    "close": Transition(
        "办结",
        (Status.RECTIFIED, Status.OVERDUE, Status.EXCLUDED),
        (Status.CLOSED,),
        HANDLER_ROLES,
    ),
}


def allowed_moves() -> dict[Status, tuple[Status, ...]]:
    """Each status and the statuses some action leads to from it (derived from the table)."""
    moves: dict[Status, tuple[Status, ...]] = {status: () for status in Status}
    for transition in TRANSITIONS.values():
        for source in transition.sources:
            new = [t for t in transition.targets if t not in moves[source]]
            moves[source] = (*moves[source], *new)
    return moves


def may_take(user: Any, action: str) -> bool:
    """True when the user's roles allow the action (status aside)."""
    return bool(user.is_authenticated and user.has_role(*TRANSITIONS[action].roles))


def heads_over(user: Any, lead: Lead) -> bool:
    """True for a 部门负责人 of a unit that supervises the lead's facility (a grant does
    not make one: it lets its holder read)."""
    if not (user.is_authenticated and user.has_role(Role.Code.HEAD)):
        return False
    codes = supervised_facility_codes(user)
    return codes is None or lead.facility_code in codes


def may_decide(user: Any, lead: Lead) -> bool:
    """Who moves a lead: its assignee, or a head of a unit supervising its facility (who
    also assigns it). Anyone else who sees it — another procurator of the unit, a circuit
    team member with a grant — reads it and may comment, but does not decide."""
    if heads_over(user, lead):
        return True
    return lead.assignee_id is not None and lead.assignee_id == user.pk


def applies(lead: Lead, action: str) -> bool:
    """True when the action may start from the lead's status and measure."""
    transition = TRANSITIONS[action]
    if lead.status not in transition.sources:
        return False
    return not transition.measures or lead.measure in transition.measures


def available_actions(lead: Lead, user: Any) -> list[str]:
    """The actions this user may take on the lead now, in the table's order."""
    if not may_decide(user, lead):
        return []
    return [name for name in TRANSITIONS if applies(lead, name) and may_take(user, name)]


def check(lead: Lead, action: str, actor: Any, inputs: dict[str, Any]) -> Transition:
    """The transition, or ``PermissionDenied`` when the actor's roles do not allow it or
    the lead is not theirs to move (``may_decide``), or ``WorkflowError`` when the lead's
    status (or measure) does not allow it, or an input is blank."""
    transition = TRANSITIONS[action]
    if not may_take(actor, action):
        raise PermissionDenied(f"您的角色不能{transition.label}")
    if lead.status not in transition.sources:
        allowed = "、".join(transition.sources)
        raise WorkflowError(
            f"线索当前状态为“{lead.status}”，不能{transition.label}（仅限：{allowed}）"
        )
    if transition.measures and lead.measure not in transition.measures:
        needed = "、".join(transition.measures)
        chosen = lead.measure or "未选择"
        raise WorkflowError(f"线索的监督措施为“{chosen}”，不能{transition.label}（须为：{needed}）")
    if not may_decide(actor, lead):
        owner = f"由{lead.assignee}承办" if lead.assignee_id else "尚未分派"
        raise PermissionDenied(
            f"该线索{owner}，只有承办人或监督该场所单位的部门负责人可以{transition.label}；"
            "您可以查看并发表意见"
        )
    missing = [label for name, label in transition.required if _blank(inputs.get(name))]
    if missing:
        raise WorkflowError(f"{transition.label}须填写：{'、'.join(missing)}")
    return transition


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
