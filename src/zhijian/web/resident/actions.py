"""What changes resident records. Each ``verb_noun(..., *, actor)`` checks that the actor
may write for the record's facility (403 otherwise), changes state in one transaction
and writes its audit row in that transaction. A rule the change breaks (a submitted log
edited, a date before the receipt) raises ``ResidentError`` with a Chinese message and
changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from zhijian.web.accounts.models import SupervisedFacility
from zhijian.web.audit.chain import record
from zhijian.web.resident.models import (
    COUNT_FIELDS,
    Complaint,
    DailyLog,
    Inspection,
    LogRevision,
    Problem,
    ProblemPhoto,
    Rectification,
    Talk,
)
from zhijian.web.resident.scope import check_writer

# The log's content: what a draft edit or an amendment may change.
LOG_FIELDS: tuple[str, ...] = (
    *COUNT_FIELDS,
    "areas",
    "area_notes",
    "video_checks",
    "talks",
    "complaints",
    "meetings",
    "notes",
)
PROBLEM_FIELDS = ("found_on", "category", "description", "handling", "id_number", "person_name")
INSPECTION_FIELDS = ("day", "kind", "inspectors", "checklist", "summary")
TALK_FIELDS = (
    "day",
    "kind",
    "id_number",
    "name",
    "inmate_number",
    "subject",
    "content",
    "follow_up",
)
COMPLAINT_FIELDS = (
    "received_on",
    "kind",
    "complainant",
    "complainant_id_number",
    "content",
    "is_investigation_clue",
)
COMPLAINT_PROGRESS_FIELDS = ("transferred_to", "transferred_on", "result", "replied_on", "reply")
# Photos: JPEG or PNG, told by their first bytes (not by the name or the browser's type).
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIGNATURES: dict[bytes, tuple[str, str]] = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}
# Problems found on site in a prison or detention centre (the four categories of leads).
LEAD_CATEGORY = "监管执法与交付执行监督"


class ResidentError(ValueError):
    """A change the rules do not allow; the message is shown to the user."""


def _pick(fields: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: fields[name] for name in names if name in fields}


def _log_content(log: DailyLog) -> dict[str, Any]:
    content = {name: getattr(log, name) for name in LOG_FIELDS}
    content["problems"] = [
        {"id": p.pk, "description": p.description, "handling": p.handling}
        for p in log.problems.order_by("pk")
    ]
    return content


# 检察日志 ----------------------------------------------------------------------------


def create_log(
    facility: SupervisedFacility,
    day: date,
    fields: Mapping[str, Any],
    *,
    prefilled: Mapping[str, int],
    actor: Any,
) -> DailyLog:
    """A draft log for the facility and day; ``prefilled`` is what the warehouse said."""
    check_writer(actor, facility)
    if day > timezone.localdate():
        raise ResidentError("不能填写今天以后的检察日志")
    try:
        with transaction.atomic():
            log = DailyLog.objects.create(
                facility=facility,
                office=facility.unit,
                author=actor,
                day=day,
                prefilled=dict(prefilled),
                **_pick(fields, LOG_FIELDS),
            )
            record(
                actor,
                "填写检察日志",
                object_type="检察日志",
                object_id=log.pk,
                facility_code=log.facility.facility_code,
                detail={"facility": facility.facility_code, "day": day},
            )
    except IntegrityError as error:
        raise ResidentError(f"{facility.name} {day:%Y-%m-%d} 已有检察日志") from error
    return log


def update_log(log: DailyLog, fields: Mapping[str, Any], *, actor: Any) -> DailyLog:
    """Edit a draft. A submitted log changes only by ``amend_log``."""
    check_writer(actor, log.facility)
    with transaction.atomic():
        log = DailyLog.objects.select_for_update().get(pk=log.pk)
        if log.is_locked:
            raise ResidentError("检察日志已提交，只能通过更正修改")
        changed = _apply(log, _pick(fields, LOG_FIELDS))
        log.save()
        record(
            actor,
            "修改检察日志草稿",
            object_type="检察日志",
            object_id=log.pk,
            facility_code=log.facility.facility_code,
            detail={"changed": changed},
        )
    return log


def submit_log(log: DailyLog, *, actor: Any) -> DailyLog:
    check_writer(actor, log.facility)
    with transaction.atomic():
        log = DailyLog.objects.select_for_update().get(pk=log.pk)
        if log.is_locked:
            raise ResidentError("检察日志已提交")
        log.status = DailyLog.Status.SUBMITTED
        log.submitted_at = timezone.now()
        log.save(update_fields=["status", "submitted_at", "updated_at"])
        record(
            actor,
            "提交检察日志",
            object_type="检察日志",
            object_id=log.pk,
            facility_code=log.facility.facility_code,
            detail={"facility": log.facility.facility_code, "day": log.day},
        )
    return log


def amend_log(log: DailyLog, fields: Mapping[str, Any], *, reason: str, actor: Any) -> DailyLog:
    """Change a submitted log: the version it replaces is kept with the reason."""
    check_writer(actor, log.facility)
    if not reason.strip():
        raise ResidentError("请填写更正理由")
    with transaction.atomic():
        log = DailyLog.objects.select_for_update().get(pk=log.pk)
        if not log.is_locked:
            raise ResidentError("草稿可直接修改，无需更正")
        before = _log_content(log)
        changed = _apply(log, _pick(fields, LOG_FIELDS))
        if not changed:
            raise ResidentError("没有需要更正的内容")
        _revise(log, before, reason, actor)
        log.save()
        record(
            actor,
            "更正检察日志",
            object_type="检察日志",
            object_id=log.pk,
            facility_code=log.facility.facility_code,
            detail={"version": log.version, "changed": changed, "reason": reason},
        )
    return log


def _revise(log: DailyLog, before: dict[str, Any], reason: str, actor: Any) -> None:
    LogRevision.objects.create(
        log=log, version=log.version, content=before, reason=reason, actor=actor
    )
    log.version += 1


def _apply(obj: Any, fields: Mapping[str, Any]) -> list[str]:
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    return changed


# 发现问题、照片、整改 ------------------------------------------------------------------


def add_log_problem(
    log: DailyLog, fields: Mapping[str, Any], *, actor: Any, reason: str = ""
) -> Problem:
    """A problem found on the log's day. On a submitted log this is an amendment: it
    needs a reason and keeps the version it replaces."""
    check_writer(actor, log.facility)
    with transaction.atomic():
        log = DailyLog.objects.select_for_update().get(pk=log.pk)
        if log.is_locked:
            if not reason.strip():
                raise ResidentError("检察日志已提交：补充问题须填写更正理由")
            _revise(log, _log_content(log), reason, actor)
            log.save(update_fields=["version", "updated_at"])
        return _create_problem(log.facility, {**fields, "found_on": log.day}, actor, log=log)


def add_inspection_problem(
    inspection: Inspection, fields: Mapping[str, Any], *, actor: Any
) -> Problem:
    check_writer(actor, inspection.facility)
    with transaction.atomic():
        return _create_problem(
            inspection.facility,
            {**fields, "found_on": fields.get("found_on") or inspection.day},
            actor,
            inspection=inspection,
        )


def _create_problem(
    facility: SupervisedFacility, fields: Mapping[str, Any], actor: Any, **source: Any
) -> Problem:
    problem = Problem.objects.create(
        facility=facility,
        office=facility.unit,
        author=actor,
        **source,
        **_pick(fields, PROBLEM_FIELDS),
    )
    record(
        actor,
        "登记发现问题",
        object_type="发现问题",
        object_id=problem.pk,
        facility_code=problem.facility.facility_code,
        detail={"source": problem.source_label, "handling": problem.handling},
    )
    if problem.handling == Problem.Handling.LEAD:
        _make_lead(problem, actor)
    return problem


def problem_to_lead(problem: Problem, *, actor: Any) -> Problem:
    """Make the problem a manual lead (same workflow as the models' leads)."""
    check_writer(actor, problem.facility)
    with transaction.atomic():
        problem = Problem.objects.select_for_update().select_related("facility").get(pk=problem.pk)
        if problem.lead_id is not None:
            raise ResidentError("该问题已转为线索")
        _make_lead(problem, actor)
    return problem


def _make_lead(problem: Problem, actor: Any) -> None:
    from zhijian.web.leads.actions import create_manual_lead
    from zhijian.web.leads.workflow import WorkflowError

    source = f"{problem.source_label} {problem.found_on:%Y-%m-%d}"
    try:
        lead = create_manual_lead(
            facility_code=problem.facility.facility_code,
            id_number=problem.id_number,
            name=problem.person_name,
            message=f"{problem.source_label}发现问题：{problem.description}",
            evidence={
                "来源": source,
                "问题类别": problem.category or "—",
                "处理方式": problem.handling,
                "问题编号": problem.pk,
            },
            category=LEAD_CATEGORY,
            actor=actor,
            source=source,
        )
    except WorkflowError as error:
        raise ResidentError(str(error)) from error
    problem.lead = lead
    problem.save(update_fields=["lead"])
    record(
        actor,
        "问题转为线索",
        object_type="发现问题",
        object_id=problem.pk,
        facility_code=problem.facility.facility_code,
        detail={"lead": lead.pk},
    )


def add_photo(problem: Problem, upload: UploadedFile[Any], *, actor: Any) -> ProblemPhoto:
    """Store a JPEG or PNG of at most 5 MB under ``MEDIA_ROOT``."""
    check_writer(actor, problem.facility)
    size = upload.size or 0
    if size > PHOTO_MAX_BYTES:
        raise ResidentError(f"照片不能超过 {PHOTO_MAX_BYTES // 1024 // 1024} MB")
    if size == 0:
        raise ResidentError("照片文件是空的")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = next((k for sig, k in PHOTO_SIGNATURES.items() if head.startswith(sig)), None)
    if kind is None:
        raise ResidentError("只能上传 JPG 或 PNG 格式的照片")
    content_type, suffix = kind
    original = (upload.name or "photo")[-200:]
    upload.name = f"{secrets.token_hex(12)}{suffix}"
    with transaction.atomic():
        photo = ProblemPhoto.objects.create(
            problem=problem,
            image=upload,
            original_name=original,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
        )
        record(
            actor,
            "上传问题照片",
            object_type="发现问题",
            object_id=problem.pk,
            facility_code=problem.facility.facility_code,
            detail={"photo": photo.pk, "size": size},
        )
    return photo


def add_rectification(
    problem: Problem, *, requirement: str, due_date: date, actor: Any
) -> Rectification:
    check_writer(actor, problem.facility)
    if due_date < problem.found_on:
        raise ResidentError("整改期限不能早于发现日期")
    with transaction.atomic():
        item = Rectification.objects.create(
            problem=problem, requirement=requirement, due_date=due_date, created_by=actor
        )
        if problem.rectified_on is not None:
            Problem.objects.filter(pk=problem.pk).update(rectified_on=None)
        record(
            actor,
            "登记整改事项",
            object_type="整改事项",
            object_id=item.pk,
            facility_code=item.problem.facility.facility_code,
            detail={"problem": problem.pk, "due_date": due_date},
        )
    return item


def follow_up_rectification(
    item: Rectification, *, note: str, on: date, completed: bool, actor: Any
) -> Rectification:
    """Record a follow-up; when the last open item of the problem is completed, the
    problem counts as rectified on that day."""
    check_writer(actor, item.problem.facility)
    if on < item.problem.found_on:
        raise ResidentError("跟踪日期不能早于发现日期")
    with transaction.atomic():
        item = Rectification.objects.select_for_update().get(pk=item.pk)
        if item.status == Rectification.Status.DONE:
            raise ResidentError("该整改事项已完成")
        line = f"{on:%Y-%m-%d}：{note.strip()}"
        item.follow_up = f"{item.follow_up}\n{line}".strip()
        item.followed_up_on = on
        if completed:
            item.status, item.completed_on = Rectification.Status.DONE, on
        item.save()
        open_items = Rectification.objects.filter(
            problem_id=item.problem_id, status=Rectification.Status.OPEN
        )
        if completed and not open_items.exists():
            Problem.objects.filter(pk=item.problem_id).update(rectified_on=on)
        record(
            actor,
            "跟踪整改事项",
            object_type="整改事项",
            object_id=item.pk,
            facility_code=item.problem.facility.facility_code,
            detail={"completed": completed, "on": on},
        )
    return item


# 安全防范检察、谈话、控告举报申诉 -----------------------------------------------------


def create_inspection(
    facility: SupervisedFacility, fields: Mapping[str, Any], *, actor: Any
) -> Inspection:
    check_writer(actor, facility)
    if fields["day"] > timezone.localdate():
        raise ResidentError("检查日期不能晚于今天")
    with transaction.atomic():
        inspection = Inspection.objects.create(
            facility=facility,
            office=facility.unit,
            author=actor,
            **_pick(fields, INSPECTION_FIELDS),
        )
        record(
            actor,
            "登记安全防范检察",
            object_type="安全防范检察",
            object_id=inspection.pk,
            facility_code=inspection.facility.facility_code,
            detail={"facility": facility.facility_code, "kind": inspection.kind},
        )
    return inspection


def record_talk(facility: SupervisedFacility, fields: Mapping[str, Any], *, actor: Any) -> Talk:
    check_writer(actor, facility)
    if fields["day"] > timezone.localdate():
        raise ResidentError("谈话日期不能晚于今天")
    with transaction.atomic():
        talk = Talk.objects.create(
            facility=facility, office=facility.unit, author=actor, **_pick(fields, TALK_FIELDS)
        )
        record(
            actor,
            "登记谈话",
            object_type="谈话教育",
            object_id=talk.pk,
            facility_code=talk.facility.facility_code,
            detail={"facility": facility.facility_code, "kind": talk.kind},
        )
    return talk


def record_complaint(
    facility: SupervisedFacility, fields: Mapping[str, Any], *, actor: Any
) -> Complaint:
    """Register a complaint with the office's next number of the year."""
    check_writer(actor, facility)
    received_on: date = fields["received_on"]
    if received_on > timezone.localdate():
        raise ResidentError("收到日期不能晚于今天")
    with transaction.atomic():
        # Lock the office's complaints of the year so two registrations never share a number.
        year_rows = Complaint.objects.select_for_update().filter(
            office=facility.unit, year=received_on.year
        )
        list(year_rows.values_list("pk", flat=True))
        last = (
            Complaint.objects.filter(office=facility.unit, year=received_on.year).aggregate(
                last=Max("serial")
            )["last"]
            or 0
        )
        complaint = Complaint.objects.create(
            facility=facility,
            office=facility.unit,
            author=actor,
            year=received_on.year,
            serial=last + 1,
            **_pick(fields, COMPLAINT_FIELDS),
        )
        record(
            actor,
            "登记控告举报申诉",
            object_type="控告举报申诉",
            object_id=complaint.pk,
            facility_code=complaint.facility.facility_code,
            detail={"number": complaint.number, "kind": complaint.kind},
        )
    return complaint


def update_complaint(complaint: Complaint, fields: Mapping[str, Any], *, actor: Any) -> Complaint:
    """Record the transfer, the result and the reply to the person."""
    check_writer(actor, complaint.facility)
    values = _pick(fields, COMPLAINT_PROGRESS_FIELDS)
    for name, label in (("transferred_on", "移送日期"), ("replied_on", "答复日期")):
        day = values.get(name)
        if day is not None and day < complaint.received_on:
            raise ResidentError(f"{label}不能早于收到日期")
        if day is not None and day > timezone.localdate():
            raise ResidentError(f"{label}不能晚于今天")
    if values.get("transferred_on") and not values.get("transferred_to"):
        raise ResidentError("请填写移送部门")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        changed = _apply(complaint, values)
        complaint.save()
        record(
            actor,
            "办理控告举报申诉",
            object_type="控告举报申诉",
            object_id=complaint.pk,
            facility_code=complaint.facility.facility_code,
            detail={"changed": changed},
        )
    return complaint
