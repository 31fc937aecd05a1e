"""The leads workbench: the list (filters, keyset pages, bulk assign), a lead's page with
the actions open to this user, the workflow's POSTs and document downloads.

Each view fetches through the access helpers (another unit's lead is a 404), validates a
form and calls one action; a role that may not act gets a 403 before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST

from zhijian.web.accounts.access import (
    display_id,
    facilities_by_code,
    get_lead_for_user,
    is_assigner,
    leads_for,
)
from zhijian.web.leads import actions, forms, specs, workflow
from zhijian.web.leads.models import Lead, LeadDocument
from zhijian.web.leads.workflow import WorkflowError
from zhijian.web.people.keys import person_key

PAGE_SIZE = 50
TIME = "%Y-%m-%d %H:%M"
# The list counts at most this many matches: an exact count of a million rows on every
# page view is the slow part of a paginated list.
COUNT_CAP = 1_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The columns a list row shows (and its cursor needs).
LISTED_FIELDS = (
    *("id", "created_at", "status", "model_name", "category", "severity", "name"),
    *("id_number", "facility_code", "assignee__username", "assignee__full_name"),
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Each workflow action: its form (whose fields are the action's keyword arguments) and
# the action function.
ACTIONS: dict[str, tuple[type[forms.ActionForm], Callable[..., Any]]] = {
    "assign": (forms.AssignForm, actions.assign_lead),
    "start_verification": (forms.ReasonForm, actions.start_verification),
    "confirm": (forms.ReasonForm, actions.confirm_lead),
    "exclude": (forms.ExcludeForm, actions.exclude_lead),
    "choose_measure": (forms.MeasureForm, actions.choose_measure),
    "record_oral_correction": (forms.OralCorrectionForm, actions.record_oral_correction),
    "issue_document": (forms.IssueDocumentForm, actions.issue_document),
    "transfer_for_investigation": (forms.TransferForm, actions.transfer_for_investigation),
    "record_reply": (forms.ReplyForm, actions.record_reply),
    "mark_overdue": (forms.ReasonForm, actions.mark_overdue),
    "close": (forms.ReasonForm, actions.close_lead),
}


@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    handlers = forms.listed_handlers(user)
    filters = forms.LeadFilterForm(request.GET, user=user, handlers=handlers)
    leads = leads_for(user)
    if filters.is_valid():
        leads = filters.apply(leads, user)
    else:
        messages.error(request, "筛选条件有误，已忽略")
    page, previous_cursor, next_cursor = _keyset_page(
        leads, request.GET.get("after"), request.GET.get("before")
    )
    count = leads[: COUNT_CAP + 1].count()
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    rows = [
        (lead, display_id(user, lead.id_number), localtime(lead.created_at).strftime(TIME))
        for lead in page
    ]
    can_assign = is_assigner(user)
    context = {
        "filters": filters,
        "rows": rows,
        "rows_html": _rows_html(rows, reverse("leads:list"), can_assign),
        "count": min(count, COUNT_CAP),
        "count_capped": count > COUNT_CAP,
        "query": query.urlencode(),
        "previous_cursor": previous_cursor,
        "next_cursor": next_cursor,
        "can_assign": can_assign,
        "handlers": handlers,
    }
    return render(request, "leads/list.html", context)


def _rows_html(rows: list[tuple[Lead, str, str]], prefix: str, can_assign: bool) -> SafeString:
    """The table's rows, built here rather than by the template: fifty rows of a dozen
    cells each were most of the page's time in Django's template engine (each value
    localised and escaped through several layers). Every value is escaped."""
    parts = []
    for lead, shown_id, created in rows:
        pk = str(lead.pk)
        link = f'<a href="{escape(prefix)}{pk}/">'
        cells = []
        if can_assign:
            box = (
                f'<input type="checkbox" name="leads" value="{pk}" form="bulk-assign" '
                f'aria-label="选择线索 {pk}">'
                if lead.status == Lead.Status.TO_ASSIGN
                else ""
            )
            cells.append(box)
        cells += [
            f"{link}{pk}</a>",
            escape(lead.model_name),
            escape(lead.category),
            f'<span class="badge">{escape(lead.severity)}</span>',
            f"{link}{escape(lead.name or '—')}</a>",
            escape(shown_id),
            escape(lead.facility_code),
            f'<span class="badge">{escape(lead.status)}</span>',
            escape(str(lead.assignee)) if lead.assignee else "—",
            escape(created),
        ]
        parts.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return mark_safe("\n".join(parts))


def _keyset_page(
    leads: QuerySet[Lead], after: str | None, before: str | None
) -> tuple[list[Lead], str, str]:
    """One page newest first, after (or before) a cursor: (rows, cursor of the page
    before, cursor of the page after; "" when there is none). Pages are found through
    the (created_at, id) order, never by skipping rows."""
    listed = leads.select_related("assignee").only(*LISTED_FIELDS)
    start = _parse_cursor(before) if before else _parse_cursor(after) if after else None
    if before and start:
        moment, pk = start
        newer = Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)
        rows = list(listed.filter(newer).order_by("created_at", "pk")[: PAGE_SIZE + 1])
        more_before = len(rows) > PAGE_SIZE
        page = rows[:PAGE_SIZE][::-1]
        return page, _cursor(page[0]) if more_before else "", _cursor(page[-1]) if page else ""
    query = listed.order_by("-created_at", "-pk")
    if start:
        moment, pk = start
        query = query.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(query[: PAGE_SIZE + 1])
    page = rows[:PAGE_SIZE]
    previous = _cursor(page[0]) if start and page else ""
    return page, previous, _cursor(page[-1]) if len(rows) > PAGE_SIZE else ""


def _cursor(lead: Lead) -> str:
    """``<microseconds since 1970>.<id>``: exact, and safe in a URL."""
    return f"{(lead.created_at - EPOCH) // timedelta(microseconds=1)}.{lead.pk}"


def _parse_cursor(text: str) -> tuple[datetime, int] | None:
    try:
        micros, pk = text.split(".")
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):  # typed by hand: not a cursor, or past year 9999
        return None


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    if not workflow.may_take(request.user, "assign"):
        raise PermissionDenied("您的角色不能分派线索")
    form = forms.BulkAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("leads:list")
    pks = form.cleaned_data["leads"]
    leads = list(leads_for(request.user).filter(pk__in=pks))
    if len(leads) != len(pks):
        raise Http404("线索不存在或无权查看")
    try:
        count = actions.assign_leads(leads, form.cleaned_data["assignee"], actor=request.user)
    except WorkflowError as error:
        messages.error(request, f"未分派任何线索：{error}")
    else:
        messages.success(request, f"已将 {count} 条线索分派给{form.cleaned_data['assignee']}")
    return redirect("leads:list")


@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = get_lead_for_user(user, pk)
    actions.view_lead(lead, actor=user)
    available = workflow.available_actions(lead, user)
    context = {
        "lead": lead,
        "shown_id": display_id(user, lead.id_number),
        "person_url": _person_url(lead),
        "facility": facilities_by_code(user).get(lead.facility_code),
        "evidence": specs.evidence_rows(lead),
        "legal_basis": specs.legal_basis(lead),
        "first_run": lead.first_seen_run,
        "last_run": lead.last_seen_run,
        "events": lead.events.select_related("actor", "run"),
        "comments": lead.comments.select_related("author"),
        "comment_form": forms.CommentForm(),
        "decides": workflow.may_decide(user, lead),
        "documents": lead.documents.select_related("issued_by").defer("content"),
        "forms": [
            (name, workflow.TRANSITIONS[name].label, ACTIONS[name][0](user=user))
            for name in available
        ],
    }
    return render(request, "leads/detail.html", context)


def _person_url(lead: Lead) -> str:
    """The person page of the lead's subject; "" until the people app serves it."""
    try:
        return reverse("people:detail", args=[person_key(lead.id_number)])
    except NoReverseMatch:
        return ""


@require_POST
def lead_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有此操作")
    lead = get_lead_for_user(request.user, pk)
    if not workflow.may_take(request.user, action):
        raise PermissionDenied(f"您的角色不能{workflow.TRANSITIONS[action].label}")
    form_class, perform = ACTIONS[action]
    form = form_class(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("leads:detail", pk=lead.pk)
    try:
        perform(lead, **form.cleaned_data, actor=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已{workflow.TRANSITIONS[action].label}")
    return redirect("leads:detail", pk=lead.pk)


@require_POST
def lead_comment(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk)
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("leads:detail", pk=lead.pk)
    try:
        actions.comment_lead(lead, form.cleaned_data["text"], actor=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已发表意见")
    return redirect("leads:detail", pk=lead.pk)


@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = LeadDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404("文书不存在或无权查看")
    content = actions.download_document(document, actor=request.user)
    disposition = content_disposition_header(as_attachment=True, filename=document.filename)
    return HttpResponse(
        content, content_type=DOCX, headers={"Content-Disposition": disposition or ""}
    )


def _errors(form: django_forms.Form) -> str:
    """The form's errors as one line: 承办人：该字段是必填项。"""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'，'.join(str(error) for error in errors)}")
    return "；".join(parts)
