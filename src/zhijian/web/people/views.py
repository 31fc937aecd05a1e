"""人员档案: search (a POST, so that an ID number never reaches a URL or a log) and the
person page, whose every showing is audited."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from zhijian.web.audit.chain import record
from zhijian.web.leads.models import Lead
from zhijian.web.people.forms import SearchForm
from zhijian.web.people.profiles import get_person_for_user, normalize_query, search_people


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_valid():
        results = search_people(request.user, form.cleaned_data["query"])
        _, is_id_number = normalize_query(form.cleaned_data["query"])
        if is_id_number and len(results) == 1:
            return redirect("people:detail", key=results[0].key)
    return render(request, "people/search.html", {"form": form, "results": results})


@require_GET
def detail(request: HttpRequest, key: str) -> HttpResponse:
    person = get_person_for_user(request.user, key)
    record(
        request.user,
        "查看人员档案",
        object_type="person",
        object_id=person.key,
        detail={"id_number": person.id_number, "name": person.name},
    )
    context = {"person": person, "leads": [(lead, lead_url(lead)) for lead in person.leads]}
    return render(request, "people/detail.html", context)


def lead_url(lead: Lead) -> str | None:
    """The lead's page, or None while the leads app has no detail page."""
    try:
        return reverse("leads:detail", args=[lead.pk])
    except NoReverseMatch:
        return None
