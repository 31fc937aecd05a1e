"""What changes leads: a model run's hits synced into leads; the workflow's moves (each
``verb_noun(lead, ..., *, actor)``: scope and role checked, one transaction, a history row
and an audit row); documents issued and read; and the export.

The engine's command line records a run with::

    import zhijian.web

    zhijian.web.setup_django()
    zhijian.web.ensure_database()
    from zhijian.web.leads.actions import sync_run

    run = sync_run(result)  # result: zhijian.supervision.results.RunResult
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Field, ForeignObjectRel
from django.http import Http404
from django.utils import timezone

from zhijian.supervision.results import Hit, RunResult
from zhijian.web.accounts.access import can_see_facility, is_handler, leads_for
from zhijian.web.audit.chain import record
from zhijian.web.leads import documents, workflow
from zhijian.web.leads.models import (
    MANUAL_MODEL_ID,
    Lead,
    LeadComment,
    LeadDocument,
    LeadEvent,
    ModelRun,
)
from zhijian.web.leads.workflow import WorkflowError

Status = Lead.Status

T = TypeVar("T")

# Hits per round trip; small enough for SQLite's 999 parameters in an ``IN`` list.
BATCH_SIZE = 500
NEW_LEAD = "新线索"
HIT_AGAIN = "再次命中"
NO_LONGER_HIT = "本次完整运行未再命中"
# A lead in one of these states is left as it is when its hit disappears.
# A lead nobody has started on becomes 不再命中 when its hit disappears. A lead already
# in the workflow keeps its status (a confirmed violation that stopped hitting has usually
# been rectified: that is for the procurator to record) and is only marked by
# ``dropped_by_run`` with an event.
NOT_YET_WORKED = (Lead.Status.TO_ASSIGN,)
REFRESHED_FIELDS = ("last_seen_run", "updated_at", "message", "evidence", "as_of")

EXPORT_FIELDS = (
    "lead_id",
    "model_id",
    "model_name",
    "id_number",
    "name",
    "facility_code",
    "severity",
    "status",
    "first_seen_run",
    "last_seen_run",
    "as_of",
    "message",
    "evidence",
)
# The model's names for the export's fields, in the same order.
_EXPORT_COLUMNS = (
    "pk",
    "model_id",
    "model_name",
    "id_number",
    "name",
    "facility_code",
    "severity",
    "status",
    "first_seen_run_id",
    "last_seen_run_id",
    "as_of",
    "message",
    "evidence",
)
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@transaction.atomic
def sync_run(result: RunResult, *, facility_codes: frozenset[str] | None = None) -> ModelRun:
    """Record ``result`` and bring its model's leads up to date, in one transaction: a
    new fingerprint makes a lead 待分派, a known one is refreshed (a dropped lead is
    unmarked; a 不再命中 one returns to 待分派), and only a complete run marks the model's
    absent leads (不再命中 if nobody has started on them; otherwise the status is kept and
    ``dropped_by_run`` set). Every mark writes a ``LeadEvent``. Returns the saved run
    with its counts.

    ``facility_codes`` is what the run may change (a run asked for by a unit below the
    省院: the facilities it supervises; ``None``: every facility). Hits placed elsewhere,
    or nowhere, are counted in ``outside_count`` and left alone; only leads of these
    facilities are refreshed or marked absent."""
    run = _create_run(result, facility_codes)
    hits = _distinct_hits(result.hits)
    now = timezone.now()
    new_count = outside = 0
    for batch in _batches(list(hits.items()), BATCH_SIZE):
        created, skipped = _sync_batch(run, batch, now, facility_codes)
        new_count += created
        outside += skipped
    run.hit_count = len(hits) - outside
    run.outside_count = outside
    run.new_count = new_count
    run.dropped_count = _drop_absent_leads(run, now, facility_codes) if result.complete else 0
    run.save(update_fields=["hit_count", "outside_count", "new_count", "dropped_count"])
    return run


def _create_run(result: RunResult, facility_codes: frozenset[str] | None) -> ModelRun:
    return ModelRun.objects.create(
        model_id=result.model_id,
        model_name=result.model_name,
        category=result.category,
        severity=result.severity,
        model_version=result.model_version,
        params=result.params,
        as_of=result.as_of,
        table_versions=result.table_versions,
        seconds=result.seconds,
        error=result.error or "",
        complete=result.complete,
        facility_scope=None if facility_codes is None else sorted(facility_codes),
    )


def _distinct_hits(hits: Iterable[Hit]) -> dict[str, Hit]:
    """The hits by fingerprint; of two hits with one fingerprint the first is kept."""
    distinct: dict[str, Hit] = {}
    for hit in hits:
        distinct.setdefault(hit.fingerprint, hit)
    return distinct


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sync_batch(
    run: ModelRun,
    batch: Sequence[tuple[str, Hit]],
    now: datetime,
    facility_codes: frozenset[str] | None,
) -> tuple[int, int]:
    """Create the batch's new leads and refresh the known ones; returns how many are new
    and how many hits were left alone as outside ``facility_codes``. Known leads stay
    locked until the run commits: a status change made meanwhile in the web waits for it
    rather than being overwritten."""
    known = {
        lead.fingerprint: lead
        for lead in Lead.objects.select_for_update()
        .filter(fingerprint__in=[fingerprint for fingerprint, _ in batch])
        .only("fingerprint", "status", "dropped_by_run", "facility_code")
    }
    inside = [
        (fingerprint, hit)
        for fingerprint, hit in batch
        if _within(known.get(fingerprint), hit, facility_codes)
    ]
    new = [(fingerprint, hit) for fingerprint, hit in inside if fingerprint not in known]
    _create_leads(run, new)
    _refresh_leads(run, [(known[f], hit) for f, hit in inside if f in known], now)
    return len(new), len(batch) - len(inside)


def _within(lead: Lead | None, hit: Hit, facility_codes: frozenset[str] | None) -> bool:
    """Whether a run limited to ``facility_codes`` may create or refresh the hit's lead:
    a known lead by the facility it is placed at (a lead of another unit's facility is
    that unit's, wherever the hit now places the person), a new or still unplaced one by
    the hit's facility."""
    if facility_codes is None:
        return True
    placed = lead.facility_code if lead is not None and lead.facility_code else None
    return (placed or hit.facility_code or "") in facility_codes


def _create_leads(run: ModelRun, new: Sequence[tuple[str, Hit]]) -> None:
    leads = Lead.objects.bulk_create(_new_lead(run, fingerprint, hit) for fingerprint, hit in new)
    LeadEvent.objects.bulk_create(
        _event(lead, run, "", Lead.Status.TO_ASSIGN, NEW_LEAD) for lead in leads
    )


def _new_lead(run: ModelRun, fingerprint: str, hit: Hit) -> Lead:
    return Lead(
        fingerprint=fingerprint,
        model_id=run.model_id,
        model_name=run.model_name,
        category=run.category,
        severity=run.severity,
        id_number=hit.id_number,
        name=hit.name or "",
        facility_code=hit.facility_code or "",
        status=Lead.Status.TO_ASSIGN,
        key=hit.key,
        evidence=hit.evidence,
        message=hit.message,
        as_of=hit.as_of,
        first_seen_run=run,
        last_seen_run=run,
    )


def _refresh_leads(run: ModelRun, known: Sequence[tuple[Lead, Hit]], now: datetime) -> None:
    """Point the known leads at this run with the latest message, evidence and date; a
    lead the data had dropped is unmarked (a 不再命中 one returns to 待分派), with an event."""
    for lead, hit in known:
        lead.last_seen_run, lead.updated_at = run, now
        lead.message, lead.evidence, lead.as_of = hit.message, hit.evidence, hit.as_of
    _update_rows([lead for lead, _ in known], REFRESHED_FIELDS)
    # A lead found before its model knew the facility gets it now, so the supervising
    # unit sees it. A facility once set is kept: moving a lead between units mid-workflow
    # is for people to decide, not for a re-run.
    placed = [(lead, hit) for lead, hit in known if not lead.facility_code and hit.facility_code]
    for lead, hit in placed:
        lead.facility_code = hit.facility_code or ""
    _update_rows([lead for lead, _ in placed], ("facility_code",))
    returning = [lead for lead, _ in known if lead.dropped_by_run_id is not None]
    Lead.objects.filter(pk__in=[lead.pk for lead in returning]).update(dropped_by_run=None)
    Lead.objects.filter(
        pk__in=[lead.pk for lead in returning], status=Lead.Status.NO_LONGER_HIT
    ).update(status=Lead.Status.TO_ASSIGN)
    LeadEvent.objects.bulk_create(
        _event(lead, run, lead.status, _status_when_hit_again(lead.status), HIT_AGAIN)
        for lead in returning
    )


def _status_when_hit_again(status: str) -> str:
    return Lead.Status.TO_ASSIGN if status == Lead.Status.NO_LONGER_HIT else status


def _update_rows(leads: Sequence[Lead], fields: Sequence[str]) -> None:
    """Save ``fields`` of each lead with one parameterised UPDATE executed for all rows.
    (``bulk_update`` builds a CASE expression per row and field: ~4 ms a lead in Python,
    minutes for a large model.) The fields prepare their own values for the backend."""
    if not leads:
        return
    columns = [field for field in Lead._meta.concrete_fields if field.name in fields]
    assignments = ", ".join(f"{_quoted(field)} = %s" for field in columns)
    table = connection.ops.quote_name(Lead._meta.db_table)
    sql = f"UPDATE {table} SET {assignments} WHERE {_quoted(Lead._meta.get_field('id'))} = %s"
    rows = [
        [field.get_db_prep_save(getattr(lead, field.attname), connection) for field in columns]
        + [lead.pk]
        for lead in leads
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _quoted(field: Field[Any, Any] | ForeignObjectRel) -> str:
    """The quoted column name of a concrete field."""
    assert isinstance(field, Field) and field.column is not None
    return connection.ops.quote_name(field.column)


def _drop_absent_leads(run: ModelRun, now: datetime, facility_codes: frozenset[str] | None) -> int:
    """Mark the model's leads this run did not hit (every lead it hit now points to it),
    except those already marked or 办结, and, for a run limited to ``facility_codes``,
    those of other facilities: not yet worked → 不再命中; in the workflow → status kept,
    ``dropped_by_run`` set. Returns how many."""
    leads = Lead.objects.select_for_update().filter(
        model_id=run.model_id, dropped_by_run__isnull=True
    )
    if facility_codes is not None:
        leads = leads.filter(facility_code__in=sorted(facility_codes))
    absent = list(
        leads.exclude(status=Lead.Status.CLOSED)
        .exclude(last_seen_run=run)
        .values_list("pk", "status")
    )
    for batch in _batches(absent, BATCH_SIZE):
        LeadEvent.objects.bulk_create(
            LeadEvent(
                lead_id=pk,
                run=run,
                from_status=status,
                to_status=_status_when_absent(status),
                reason=NO_LONGER_HIT,
            )
            for pk, status in batch
        )
        pks = [pk for pk, _ in batch]
        Lead.objects.filter(pk__in=pks).update(dropped_by_run=run, updated_at=now)
        Lead.objects.filter(pk__in=pks, status__in=NOT_YET_WORKED).update(
            status=Lead.Status.NO_LONGER_HIT
        )
    return len(absent)


def _status_when_absent(status: str) -> str:
    return Lead.Status.NO_LONGER_HIT if status in NOT_YET_WORKED else status


def _event(lead: Lead, run: ModelRun, from_status: str, to_status: str, reason: str) -> LeadEvent:
    return LeadEvent(
        lead=lead, run=run, from_status=from_status, to_status=to_status, reason=reason
    )


# ---- The workflow (see ``workflow.TRANSITIONS``) -------------------------------------


MANUAL_MODEL_NAME = "人工发现的问题"
MANUAL_CATEGORIES = ("刑罚变更执行监督", "监管执法与交付执行监督", "社区矫正监督", "跨部门数据比对")


def create_manual_lead(
    *,
    facility_code: str,
    id_number: str,
    name: str,
    message: str,
    evidence: dict[str, Any],
    category: str,
    actor: Any,
    severity: str = "中",
    legal_basis: Sequence[tuple[str, str]] = (),
    source: str = "",
) -> Lead:
    """A problem found on site (a log, an inspection) as a lead in the same workflow,
    awaiting assignment. ``legal_basis`` is (citation, text) pairs; ``source`` says where
    it was found (e.g. "检察日志 2026-11-27"). The actor must work leads and see the
    facility; ``id_number`` may be empty when the problem concerns no one person."""
    if not is_handler(actor):
        raise PermissionDenied
    if not can_see_facility(actor, facility_code):
        raise Http404("场所不存在或无权查看")
    if category not in MANUAL_CATEGORIES:
        raise WorkflowError(f"线索类别应为{'、'.join(MANUAL_CATEGORIES)}之一：{category}")
    if not message.strip():
        raise WorkflowError("请填写问题描述")
    with transaction.atomic():
        lead = Lead.objects.create(
            fingerprint=hashlib.sha256(f"manual:{uuid.uuid4()}".encode()).hexdigest(),
            model_id=MANUAL_MODEL_ID,
            model_name=MANUAL_MODEL_NAME,
            category=category,
            severity=severity,
            id_number=id_number.strip().upper(),
            name=name.strip(),
            facility_code=facility_code,
            key={"source": source, "legal_basis": [list(pair) for pair in legal_basis]},
            evidence=evidence,
            message=message.strip(),
            as_of=timezone.localdate(),
        )
        LeadEvent.objects.create(
            lead=lead,
            actor=actor,
            from_status="",
            to_status=lead.status,
            reason=source or "人工录入",
        )
        record(
            actor,
            "人工录入线索",
            object_type="线索",
            object_id=lead.pk,
            facility_code=facility_code,
            detail={"facility_code": facility_code, "category": category, "source": source},
        )
        return lead


def assign_lead(lead: Lead, assignee: Any, *, actor: Any, reason: str = "") -> Lead:
    """待分派 → 待核查, handled by ``assignee``: a handler whose unit sees the facility."""
    with transaction.atomic():
        locked, transition = _begin(lead, "assign", actor, assignee=assignee)
        if not (assignee.is_active and is_handler(assignee)):
            raise WorkflowError(
                f"{assignee}不是承办人（须为派驻检察官、巡回检察组成员或部门负责人）"
            )
        if not can_see_facility(assignee, locked.facility_code):
            raise WorkflowError(f"{assignee}所在单位不监督该线索的场所，不能承办")
        return _finish(
            locked,
            transition,
            actor,
            reason=_joined(f"分派给{assignee}", reason),
            changes={"assignee": assignee},
            detail={"assignee": assignee.get_username()},
        )


def assign_leads(leads: Sequence[Lead], assignee: Any, *, actor: Any) -> int:
    """Assign every lead to ``assignee`` in one transaction: all of them, or (on the first
    lead that cannot be assigned) none. Returns how many."""
    if not leads:
        raise WorkflowError("未选择线索")
    with transaction.atomic():
        for lead in leads:
            assign_lead(lead, assignee, actor=actor, reason="批量分派")
    return len(leads)


def start_verification(lead: Lead, *, actor: Any, reason: str = "") -> Lead:
    with transaction.atomic():
        locked, transition = _begin(lead, "start_verification", actor)
        return _finish(locked, transition, actor, reason=reason)


def confirm_lead(lead: Lead, *, actor: Any, reason: str = "") -> Lead:
    with transaction.atomic():
        locked, transition = _begin(lead, "confirm", actor)
        return _finish(locked, transition, actor, reason=reason)


def exclude_lead(lead: Lead, *, reason: str, actor: Any) -> Lead:
    with transaction.atomic():
        locked, transition = _begin(lead, "exclude", actor, reason=reason)
        return _finish(locked, transition, actor, reason=reason.strip())


def choose_measure(lead: Lead, measure: str, *, actor: Any, reason: str = "") -> Lead:
    """属实 → 监督中 with one of the measures of 刑诉规则第五百五十二条."""
    with transaction.atomic():
        locked, transition = _begin(lead, "choose_measure", actor, measure=measure)
        if measure not in Lead.Measure.values:
            raise WorkflowError(f"监督措施无效：{measure}")
        return _finish(
            locked,
            transition,
            actor,
            reason=_joined(f"监督措施：{measure}", reason),
            changes={"measure": measure},
            detail={"measure": measure},
        )


def record_oral_correction(
    lead: Lead, *, due_date: date, actor: Any, reason: str = "", today: date | None = None
) -> Lead:
    """监督中 → 待整改回复: the oral correction given, with its reply due date."""
    with transaction.atomic():
        locked, transition = _begin(lead, "record_oral_correction", actor, due_date=due_date)
        _check_due_date(due_date, today or timezone.localdate())
        return _finish(
            locked,
            transition,
            actor,
            reason=_joined(f"已口头提出纠正意见，限{due_date}前回复", reason),
            changes={"due_date": due_date},
            detail={"due_date": due_date},
        )


def issue_document(
    lead: Lead, *, due_date: date, actor: Any, today: date | None = None
) -> LeadDocument:
    """监督中 → 待整改回复: the 纠正违法通知书 or 检察建议书 the measure calls for is
    numbered, rendered and stored with the lead. Returns the document."""
    with transaction.atomic():
        locked, transition = _begin(lead, "issue_document", actor, due_date=due_date)
        issued_on = today or timezone.localdate()
        _check_due_date(due_date, issued_on)
        document = documents.create_document(
            locked, actor=actor, due_date=due_date, issued_on=issued_on
        )
        _finish(
            locked,
            transition,
            actor,
            reason=f"制发{document.kind}{document.number}，限{due_date}前回复",
            changes={"due_date": due_date},
            detail={"document_id": document.pk, "number": document.number, "due_date": due_date},
        )
        return document


def transfer_for_investigation(lead: Lead, *, reason: str, actor: Any) -> Lead:
    """监督中 → 办结: the lead handed to the investigation department (``reason`` says to
    whom and what was handed over)."""
    with transaction.atomic():
        locked, transition = _begin(lead, "transfer_for_investigation", actor, reason=reason)
        return _finish(locked, transition, actor, reason=f"移送侦查：{reason.strip()}")


def record_reply(
    lead: Lead, *, reply_date: date, reply_text: str, actor: Any, today: date | None = None
) -> Lead:
    """待整改回复 → 已整改 when the reply came on or before the due date, otherwise
    逾期未整改 (the reply is recorded either way)."""
    with transaction.atomic():
        locked, transition = _begin(
            lead, "record_reply", actor, reply_date=reply_date, reply_text=reply_text
        )
        if reply_date > (today or timezone.localdate()):
            raise WorkflowError("回复日期不能晚于今天")
        on_time = locked.due_date is None or reply_date <= locked.due_date
        late = "" if on_time else f"（超过回复期限{locked.due_date}）"
        return _finish(
            locked,
            transition,
            actor,
            to=Status.RECTIFIED if on_time else Status.OVERDUE,
            reason=f"{reply_date}回复{late}：{reply_text.strip()}",
            changes={"reply_date": reply_date, "reply_text": reply_text.strip()},
            detail={"reply_date": reply_date, "due_date": locked.due_date},
        )


def mark_overdue(lead: Lead, *, actor: Any, reason: str = "", today: date | None = None) -> Lead:
    """待整改回复 → 逾期未整改, once the due date has passed with no reply."""
    with transaction.atomic():
        locked, transition = _begin(lead, "mark_overdue", actor)
        if locked.due_date is not None and (today or timezone.localdate()) <= locked.due_date:
            raise WorkflowError(f"回复期限{locked.due_date}尚未届满，不能认定逾期")
        return _finish(
            locked, transition, actor, reason=_joined(f"至期限{locked.due_date}未回复", reason)
        )


def mark_overdue_leads(today: date | None = None) -> int:
    """The system's daily sweep: every lead awaiting a rectification reply whose due date
    passed with no reply becomes 逾期未整改, with a history row and an audit row by the
    system (no user). Returns how many moved. Safe to run any number of times."""
    today = today or timezone.localdate()
    transition = workflow.TRANSITIONS["mark_overdue"]
    moved = 0
    due = Lead.objects.filter(status=Lead.Status.AWAITING_REPLY, due_date__lt=today)
    for pk in due.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            lead = Lead.objects.select_for_update().get(pk=pk)
            if lead.status != Lead.Status.AWAITING_REPLY or not (lead.due_date or today) < today:
                continue  # replied to (or moved) since the sweep began
            _finish(lead, transition, None, reason=f"至期限{lead.due_date}未回复（系统认定）")
            moved += 1
    return moved


def close_lead(lead: Lead, *, actor: Any, reason: str = "") -> Lead:
    with transaction.atomic():
        locked, transition = _begin(lead, "close", actor)
        return _finish(locked, transition, actor, reason=reason)


COMMENT_LENGTH = 2000


def comment_lead(lead: Lead, text: str, *, actor: Any) -> LeadComment:
    """A remark on the lead by anyone who sees it (404 otherwise); it moves nothing. The
    assignee decides the lead's moves, others with access read and comment."""
    if not leads_for(actor).filter(pk=lead.pk).exists():
        raise Http404("线索不存在或无权查看")
    text = text.strip()
    if not text:
        raise WorkflowError("请填写意见")
    if len(text) > COMMENT_LENGTH:
        raise WorkflowError(f"意见不能超过 {COMMENT_LENGTH} 字")
    with transaction.atomic():
        comment = LeadComment.objects.create(lead=lead, author=actor, text=text)
        record(
            actor,
            "发表线索意见",
            object_type="线索",
            object_id=lead.pk,
            detail={"comment_id": comment.pk, "length": len(text)},
            facility_code=lead.facility_code,
        )
        return comment


def view_lead(lead: Lead, *, actor: Any) -> None:
    """Audit a look at the lead's page (it shows a person's data)."""
    record(
        actor, "查看线索", object_type="线索", object_id=lead.pk, facility_code=lead.facility_code
    )


def download_document(document: LeadDocument, *, actor: Any) -> bytes:
    """The document's file, audited; 404 outside the actor's scope."""
    found = list(
        leads_for(actor).filter(pk=document.lead_id).values_list("facility_code", flat=True)[:1]
    )
    if not found:
        raise Http404("文书不存在或无权查看")
    with transaction.atomic():
        record(
            actor,
            "下载法律文书",
            object_type="法律文书",
            object_id=document.pk,
            detail={"number": document.number, "lead_id": document.lead_id},
            facility_code=found[0] or "",
        )
    return bytes(document.content)


def _begin(lead: Lead, action: str, actor: Any, **inputs: Any) -> tuple[Lead, workflow.Transition]:
    """The lead locked for the transaction (404 outside the actor's scope) and the
    transition, checked against the actor's roles, the lead's status and the inputs."""
    try:
        locked = leads_for(actor).select_for_update().get(pk=lead.pk)
    except Lead.DoesNotExist as error:
        raise Http404("线索不存在或无权查看") from error
    return locked, workflow.check(locked, action, actor, inputs)


def _finish(
    lead: Lead,
    transition: workflow.Transition,
    actor: Any,
    *,
    to: str | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Lead:
    """Move the locked lead, write its history row and the audit row."""
    changes = changes or {}
    from_status, to_status = lead.status, to or transition.targets[0]
    for field, value in changes.items():
        setattr(lead, field, value)
    lead.status = to_status
    lead.save(update_fields=["status", "updated_at", *changes])
    LeadEvent.objects.create(
        lead=lead, actor=actor, from_status=from_status, to_status=to_status, reason=reason
    )
    record(
        actor,
        f"线索{transition.label}",
        object_type="线索",
        object_id=lead.pk,
        detail={"from": from_status, "to": to_status, "reason": reason, **(detail or {})},
        facility_code=lead.facility_code,
    )
    return lead


def _check_due_date(due_date: date, today: date) -> None:
    if due_date <= today:
        raise WorkflowError("整改回复期限须晚于今天")


def _joined(fact: str, reason: str) -> str:
    return f"{fact}；{reason.strip()}" if reason.strip() else fact


def export_leads(path: Path, fmt: Literal["csv", "json"], *, actor: Any = None) -> int:
    """Write every lead to ``path`` as CSV or JSON, streamed from the database; returns
    how many were written, and records the export in the audit log (``actor`` None: the
    command line, named by the operating-system account). Raises ``OSError`` when the
    file cannot be written."""
    writers = {"csv": _write_csv, "json": _write_json}
    if fmt not in writers:
        raise ValueError(f"不支持的导出格式：{fmt}（可选 csv、json）")
    rows = Lead.objects.order_by("pk").values_list(*_EXPORT_COLUMNS).iterator(chunk_size=2000)
    records = (dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows)
    count = writers[fmt](path, records)
    detail: dict[str, Any] = {"format": fmt, "file": path.name, "count": count}
    if actor is None:
        detail["via"] = f"命令行（系统账号 {_system_account()}）"
    record(actor, "导出线索", object_type="线索", object_id="全部", detail=detail)
    return count


def _system_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知"


def _write_json(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """A JSON list of objects, one lead a line."""
    count = 0
    with path.open("w", encoding="utf-8") as file:
        file.write("[")
        for record in records:
            file.write(",\n" if count else "\n")
            file.write(json.dumps(record, ensure_ascii=False, cls=DjangoJSONEncoder))
            count += 1
        file.write("\n]\n" if count else "]\n")
    return count


def _write_csv(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """UTF-8 with a byte-order mark, without which Excel misreads Chinese."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(EXPORT_FIELDS)
        for record in records:
            writer.writerow(_csv_row(record))
            count += 1
    return count


def _csv_row(record: dict[str, Any]) -> list[Any]:
    record["evidence"] = json.dumps(record["evidence"], ensure_ascii=False)
    record = {field: _defuse(value) for field, value in record.items()}
    # A leading tab makes Excel keep an ID number as text, not 3.70102E+17.
    record["id_number"] = "\t" + record["id_number"]
    return list(record.values())


def _defuse(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ``'`` to keep it text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
