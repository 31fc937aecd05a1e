"""The read-only audit page, for administrators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhijian.web.accounts import access
from zhijian.web.audit.models import AuditEntry

PAGE_SIZE = 50


def audit_list(request: HttpRequest) -> HttpResponse:
    if not access.is_admin(request.user):
        raise PermissionDenied
    entries = AuditEntry.objects.order_by("-pk")
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_name=actor)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "audit/list.html",
        {"page": page, "actions": actions, "action": action, "actor": actor},
    )
