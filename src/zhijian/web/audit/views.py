"""The read-only audit page, for administrators, scoped to their unit
(``access.audit_entries_for``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhijian.web.accounts import access
from zhijian.web.audit import display
from zhijian.web.audit.forms import AuditFilterForm, end_of, start_of

PAGE_SIZE = 50


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not access.is_admin(request.user):
        raise PermissionDenied
    scoped = access.audit_entries_for(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = scoped.order_by("-pk")
    filters: dict[str, Any] = {}
    if form.is_bound:
        # A mistyped filter is left out of cleaned_data (the page shows its message); the
        # others still apply.
        form.is_valid()
        filters = form.cleaned_data
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("actor"):
        entries = entries.filter(actor_name=filters["actor"])
    start = start_of(filters["date_from"]) if filters.get("date_from") else None
    end = end_of(filters["date_to"]) if filters.get("date_to") else None
    if start is not None:
        entries = entries.filter(at__gte=start)
    if end is not None:
        entries = entries.filter(at__lt=end)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {
        code: facility.name for code, facility in access.facilities_by_code(request.user).items()
    }
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": display.rows(page.object_list, names),
        "actions": scoped.order_by("action").values_list("action", flat=True).distinct(),
        "query": query.urlencode(),
        "sees_everything": access.sees_everything(request.user),
    }
    return render(request, "audit/list.html", context)
