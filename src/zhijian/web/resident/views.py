"""The resident pages: the office's home, logs, problems, inspections, talks, complaints.

Each view fetches through ``resident.scope`` (another office's record is a 404), checks
that the user may write before showing or taking a form (403), validates the form and
calls one action. Registers, reports and statistics are in ``views_reports``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhijian.web.accounts.access import display_id, leads_for
from zhijian.web.accounts.models import SupervisedFacility, Unit
from zhijian.web.audit.chain import record
from zhijian.web.leads.models import Lead
from zhijian.web.people.keys import person_key
from zhijian.web.resident import actions, forms, scope, stats, warehouse
from zhijian.web.resident.actions import ResidentError
from zhijian.web.resident.models import Complaint, DailyLog, Rectification, Talk

LIST_SIZE = 100
OPEN_LEAD_STATUSES = tuple(
    s for s in Lead.Status.values if s not in (Lead.Status.CLOSED, Lead.Status.NO_LONGER_HIT)
)


def _writable(request: HttpRequest) -> QuerySet[SupervisedFacility]:
    """The user's writable facilities; 403 when there are none."""
    facilities = scope.writable_facilities(request.user)
    if not facilities.exists():
        raise PermissionDenied("只有派驻检察官可以填写派驻检察记录")
    return facilities


def _failed(request: HttpRequest, error: ResidentError, to: str, **kwargs: Any) -> HttpResponse:
    messages.error(request, str(error))
    response: HttpResponse = redirect(to, **kwargs)
    return response


# 首页 --------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    own = scope.writable_facilities(user)
    unit: Unit | None = getattr(user, "unit", None)
    own_codes = [f.facility_code for f in own]
    if unit is not None and unit.kind == Unit.Kind.RESIDENT_OFFICE:
        own_codes = sorted(
            set(own_codes) | set(unit.facilities.values_list("facility_code", flat=True))
        )
    today_logs = {
        log.facility_id: log for log in scope.logs_for(user).filter(day=today, facility__in=own)
    }
    offices = list(scope.offices_for(user)[:60])
    context = {
        "today": today,
        "facilities": [(f, today_logs.get(f.pk)) for f in own],
        "weeks": {
            office: stats.talk_weeks(user, office, 8 if len(offices) == 1 else 1, today)
            for office in offices
        },
        "rectifications": scope.rectifications_for(user)
        .filter(status=Rectification.Status.OPEN)
        .order_by("due_date")[:20],
        "clues": [
            c
            for c in scope.complaints_for(user).filter(
                is_investigation_clue=True, transferred_on=None
            )[:20]
        ],
        "leads": leads_for(user)
        .filter(facility_code__in=own_codes, status__in=OPEN_LEAD_STATUSES)
        .order_by("-created_at")[:30]
        if own_codes
        else [],
        "recent_logs": scope.logs_for(user)[:10],
        "talk_rule": stats.TALK_RULE_CITATION,
        "may_write": scope.may_write(user),
    }
    return render(request, "resident/home.html", context)


# 检察日志 ----------------------------------------------------------------------------


@require_GET
def log_list(request: HttpRequest) -> HttpResponse:
    logs = scope.logs_for(request.user)
    status = request.GET.get("status", "")
    if status in DailyLog.Status.values:
        logs = logs.filter(status=status)
    return render(
        request,
        "resident/log_list.html",
        {"logs": logs[:LIST_SIZE], "status": status, "statuses": DailyLog.Status.values},
    )


@require_http_methods(["GET", "POST"])
def log_new(request: HttpRequest) -> HttpResponse:
    facilities = _writable(request)
    source = request.POST if request.method == "POST" else request.GET
    start = forms.LogStartForm(
        source if "day" in source else None,
        facilities=facilities,
        initial={"day": timezone.localdate(), "facility": facilities.first()},
    )
    if not start.is_valid():
        return render(request, "resident/log_start.html", {"start": start})
    facility: SupervisedFacility = start.cleaned_data["facility"]
    day: date = start.cleaned_data["day"]
    existing = scope.logs_for(request.user).filter(facility=facility, day=day).first()
    if existing is not None:
        messages.info(request, "该场所当日已有检察日志")
        return redirect("resident:log_detail", pk=existing.pk)
    prefilled = warehouse.day_counts(facility.facility_code, day)
    form = forms.LogForm(request.POST if request.method == "POST" else None, initial=prefilled)
    if request.method == "POST" and form.is_valid():
        try:
            log = actions.create_log(
                facility, day, form.cleaned_data, prefilled=prefilled, actor=request.user
            )
        except ResidentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "检察日志草稿已保存")
            return redirect("resident:log_detail", pk=log.pk)
    context = {
        "start": start,
        "form": form,
        "facility": facility,
        "day": day,
        "prefilled": prefilled,
    }
    return render(request, "resident/log_form.html", context, status=400 if form.errors else 200)


@require_GET
def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = scope.get_log_for_user(request.user, pk)
    writer = scope.may_write(request.user)
    context = {
        "log": log,
        "problems": log.problems.select_related("lead").order_by("pk"),
        "revisions": log.revisions.select_related("actor"),
        "day_talks": scope.talks_for(request.user).filter(facility=log.facility, day=log.day),
        "problem_form": forms.ProblemForm() if writer else None,
        "may_write": writer,
    }
    return render(request, "resident/log_detail.html", context)


@require_http_methods(["GET", "POST"])
def log_edit(request: HttpRequest, pk: int) -> HttpResponse:
    log = scope.get_log_for_user(request.user, pk)
    scope.check_writer(request.user, log.facility)
    amending = log.is_locked
    form_class = forms.AmendForm if amending else forms.LogForm
    form = form_class(request.POST or None, instance=DailyLog.objects.get(pk=log.pk))
    if request.method == "POST" and form.is_valid():
        try:
            if amending:
                actions.amend_log(
                    log, form.cleaned_data, reason=form.cleaned_data["reason"], actor=request.user
                )
            else:
                actions.update_log(log, form.cleaned_data, actor=request.user)
        except ResidentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "检察日志已更正" if amending else "检察日志草稿已保存")
            return redirect("resident:log_detail", pk=log.pk)
    context = {
        "form": form,
        "log": log,
        "facility": log.facility,
        "day": log.day,
        "amending": amending,
        "prefilled": log.prefilled,
    }
    return render(request, "resident/log_form.html", context, status=400 if form.errors else 200)


@require_POST
def log_submit(request: HttpRequest, pk: int) -> HttpResponse:
    log = scope.get_log_for_user(request.user, pk)
    try:
        actions.submit_log(log, actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:log_detail", pk=log.pk)
    messages.success(request, "检察日志已提交，此后只能通过更正修改")
    return redirect("resident:log_detail", pk=log.pk)


@require_POST
def log_problem_add(request: HttpRequest, pk: int) -> HttpResponse:
    log = scope.get_log_for_user(request.user, pk)
    scope.check_writer(request.user, log.facility)
    form = forms.ProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("resident:log_detail", pk=log.pk)
    try:
        problem = actions.add_log_problem(
            log, form.cleaned_data, reason=form.cleaned_data.get("reason", ""), actor=request.user
        )
    except ResidentError as error:
        return _failed(request, error, "resident:log_detail", pk=log.pk)
    messages.success(request, "问题已登记")
    return redirect("resident:problem_detail", pk=problem.pk)


def _errors(form: Any) -> str:
    """The form's errors on one line, each after its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = f"{form.fields[name].label}：" if name in form.fields else ""
        parts += [f"{label}{error}" for error in errors]
    return "；".join(parts)


# 发现问题 ----------------------------------------------------------------------------


@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = scope.get_problem_for_user(request.user, pk)
    writer = scope.may_write(request.user)
    today = timezone.localdate()
    items = [(item, item.is_overdue(today)) for item in problem.rectifications.all()]
    record(
        request.user,
        "查看发现问题",
        object_type="发现问题",
        object_id=problem.pk,
        detail={"id_number": problem.id_number},
        facility_code=problem.facility.facility_code,
    )
    context = {
        "problem": problem,
        "person_id": display_id(request.user, problem.id_number) if problem.id_number else "",
        "photos": problem.photos.all(),
        "items": items,
        "may_write": writer,
        "photo_form": forms.PhotoForm() if writer else None,
        "rectification_form": forms.RectificationForm() if writer else None,
        "follow_form": forms.FollowUpForm(initial={"on": today}) if writer else None,
    }
    return render(request, "resident/problem_detail.html", context)


@require_POST
def problem_lead(request: HttpRequest, pk: int) -> HttpResponse:
    problem = scope.get_problem_for_user(request.user, pk)
    try:
        problem = actions.problem_to_lead(problem, actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:problem_detail", pk=pk)
    messages.success(request, "已转为线索，按线索工作流办理")
    return redirect("leads:detail", pk=problem.lead_id)


@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem = scope.get_problem_for_user(request.user, pk)
    scope.check_writer(request.user, problem.facility)
    form = forms.PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("resident:problem_detail", pk=pk)
    try:
        actions.add_photo(problem, form.cleaned_data["image"], actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:problem_detail", pk=pk)
    messages.success(request, "照片已上传")
    return redirect("resident:problem_detail", pk=pk)


@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    item = scope.get_photo_for_user(request.user, pk)
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    return response


@require_POST
def rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem = scope.get_problem_for_user(request.user, pk)
    scope.check_writer(request.user, problem.facility)
    form = forms.RectificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("resident:problem_detail", pk=pk)
    try:
        actions.add_rectification(problem, **form.cleaned_data, actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:problem_detail", pk=pk)
    messages.success(request, "整改事项已登记")
    return redirect("resident:problem_detail", pk=pk)


@require_POST
def rectification_follow(request: HttpRequest, pk: int) -> HttpResponse:
    item = scope.get_rectification_for_user(request.user, pk)
    scope.check_writer(request.user, item.problem.facility)
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("resident:problem_detail", pk=item.problem_id)
    try:
        actions.follow_up_rectification(item, **form.cleaned_data, actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:problem_detail", pk=item.problem_id)
    messages.success(request, "跟踪情况已记录")
    return redirect("resident:problem_detail", pk=item.problem_id)


# 安全防范检察 ------------------------------------------------------------------------


@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    inspections = scope.inspections_for(request.user)[:LIST_SIZE]
    return render(request, "resident/inspection_list.html", {"inspections": inspections})


@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    facilities = _writable(request)
    form = forms.InspectionForm(
        request.POST or None,
        facilities=facilities,
        initial={"day": timezone.localdate(), "facility": facilities.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = actions.create_inspection(
                form.cleaned_data["facility"], form.cleaned_data, actor=request.user
            )
        except ResidentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "安全防范检察已登记")
            return redirect("resident:inspection_detail", pk=inspection.pk)
    return render(
        request, "resident/inspection_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = scope.get_inspection_for_user(request.user, pk)
    writer = scope.may_write(request.user)
    context = {
        "inspection": inspection,
        "problems": inspection.problems.select_related("lead").order_by("pk"),
        "problem_form": forms.InspectionProblemForm() if writer else None,
        "may_write": writer,
    }
    return render(request, "resident/inspection_detail.html", context)


@require_POST
def inspection_problem_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = scope.get_inspection_for_user(request.user, pk)
    scope.check_writer(request.user, inspection.facility)
    form = forms.InspectionProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("resident:inspection_detail", pk=pk)
    try:
        problem = actions.add_inspection_problem(inspection, form.cleaned_data, actor=request.user)
    except ResidentError as error:
        return _failed(request, error, "resident:inspection_detail", pk=pk)
    messages.success(request, "发现问题已登记")
    return redirect("resident:problem_detail", pk=problem.pk)


# 谈话教育 ----------------------------------------------------------------------------


def _record_list(
    request: HttpRequest, action: str, object_type: str, shown: list[Any], numbers: list[str]
) -> None:
    """The audit row of a list that shows people: how many rows, whose (by person key),
    and the facility when they are all of one."""
    codes = {item.facility.facility_code for item in shown}
    record(
        request.user,
        action,
        object_type=object_type,
        object_id="列表",
        detail={"rows": len(shown), "person_keys": [person_key(n) for n in numbers if n]},
        facility_code=codes.pop() if len(codes) == 1 else "",
    )


@require_GET
def talk_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    offices = list(scope.offices_for(user)[:60])
    talks = list(scope.talks_for(user)[:LIST_SIZE])
    _record_list(request, "查看谈话记录列表", "谈话教育", talks, [t.id_number for t in talks])
    context = {
        "talks": [(t, display_id(user, t.id_number)) for t in talks],
        "weeks": {office: stats.talk_weeks(user, office, 8, today) for office in offices},
        "talk_rule": stats.TALK_RULE_CITATION,
        "may_write": scope.may_write(user),
    }
    return render(request, "resident/talk_list.html", context)


@require_http_methods(["GET", "POST"])
def talk_new(request: HttpRequest) -> HttpResponse:
    facilities = _writable(request)
    form = forms.TalkForm(
        request.POST or None,
        facilities=facilities,
        initial={
            "day": timezone.localdate(),
            "facility": facilities.first(),
            "kind": Talk.Kind.INDIVIDUAL,
        },
    )
    inmate = None
    if request.method == "POST" and form.is_valid():
        facility: SupervisedFacility = form.cleaned_data["facility"]
        inmate = warehouse.find_inmate(facility.facility_code, form.cleaned_data["person"])
        if inmate is None:
            form.add_error("person", "在本场所的在押记录中未找到该身份证号或罪犯编号")
        else:
            fields = {
                **form.cleaned_data,
                "id_number": inmate.id_number,
                "name": inmate.name,
                "inmate_number": inmate.inmate_number,
            }
            try:
                talk = actions.record_talk(facility, fields, actor=request.user)
            except ResidentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"已登记与{inmate.name}的谈话")
                return redirect("resident:talk_detail", pk=talk.pk)
    return render(
        request, "resident/talk_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
def inmate_lookup(request: HttpRequest) -> HttpResponse:
    """The person an ID number or inmate number names at the facility (an htmx fragment).
    A POST: the number typed must not reach a URL, a server log or the browser's history."""
    facility = (
        scope.writable_facilities(request.user)
        .filter(facility_code=request.POST.get("facility", ""))
        .first()
    )
    if facility is None:
        raise PermissionDenied("只能查找本院派驻场所的在押人员")
    inmate = warehouse.find_inmate(facility.facility_code, request.POST.get("person", ""))
    if inmate is not None:
        record(
            request.user,
            "查找在押人员",
            object_type="场所",
            object_id=facility.facility_code,
            detail={"id_number": inmate.id_number},
        )
    return render(request, "resident/inmate.html", {"inmate": inmate})


@require_GET
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talk = scope.get_talk_for_user(request.user, pk)
    record(
        request.user,
        "查看谈话记录",
        object_type="谈话教育",
        object_id=talk.pk,
        detail={"id_number": talk.id_number},
        facility_code=talk.facility.facility_code,
    )
    return render(
        request,
        "resident/talk_detail.html",
        {"talk": talk, "person_id": display_id(request.user, talk.id_number)},
    )


# 控告、举报、申诉 ----------------------------------------------------------------------


@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    shown = list(scope.complaints_for(request.user)[:LIST_SIZE])
    _record_list(
        request,
        "查看控告举报申诉列表",
        "控告举报申诉",
        shown,
        [c.complainant_id_number for c in shown],
    )
    complaints = [(c, c.transfer_overdue(today)) for c in shown]
    return render(
        request,
        "resident/complaint_list.html",
        {"complaints": complaints, "may_write": scope.may_write(request.user)},
    )


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    facilities = _writable(request)
    form = forms.ComplaintForm(
        request.POST or None,
        facilities=facilities,
        initial={"received_on": timezone.localdate(), "facility": facilities.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = actions.record_complaint(
                form.cleaned_data["facility"], form.cleaned_data, actor=request.user
            )
        except ResidentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"已登记，编号 {complaint.number}")
            return redirect("resident:complaint_detail", pk=complaint.pk)
    return render(
        request, "resident/complaint_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = scope.get_complaint_for_user(request.user, pk)
    writer = scope.may_write(request.user)
    form = None
    if writer:
        form = forms.ComplaintProgressForm(
            request.POST or None, instance=Complaint.objects.get(pk=complaint.pk)
        )
    if request.method == "POST":
        scope.check_writer(request.user, complaint.facility)
        assert form is not None
        if form.is_valid():
            try:
                actions.update_complaint(complaint, form.cleaned_data, actor=request.user)
            except ResidentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "办理情况已保存")
                return redirect("resident:complaint_detail", pk=pk)
    today = timezone.localdate()
    record(
        request.user,
        "查看控告举报申诉",
        object_type="控告举报申诉",
        object_id=complaint.pk,
        detail={
            "number": complaint.number,
            "complainant_id_number": complaint.complainant_id_number,
        },
        facility_code=complaint.facility.facility_code,
    )
    context = {
        "complaint": complaint,
        "form": form,
        "overdue": complaint.transfer_overdue(today),
        "days_left": (complaint.transfer_due - today).days if complaint.transfer_due else None,
        "complainant_id": display_id(request.user, complaint.complainant_id_number)
        if complaint.complainant_id_number
        else "",
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "resident/complaint_detail.html", context, status=status)
