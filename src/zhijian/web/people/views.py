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
from zhijian.web.people.profiles import (
    Person,
    get_person_for_user,
    normalize_query,
    search_people,
)


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_valid():
        results = search_people(request.user, form.cleaned_data["query"])
        query, is_id_number = normalize_query(form.cleaned_data["query"])
        # The rows shown are people's data. The query itself is kept only as the masked
        # number and person key (record() reduces id_number to them); a name not at all.
        record(
            request.user,
            "查询人员",
            object_type="人员",
            object_id="查询结果",
            detail={
                "by": "身份证号" if is_id_number else "姓名",
                **({"id_number": query} if is_id_number else {}),
                "results": len(results),
                "person_keys": [result.key for result in results],
            },
        )
        if is_id_number and len(results) == 1:
            return redirect("people:detail", key=results[0].key)
    return render(request, "people/search.html", {"form": form, "results": results})


@require_GET
def detail(request: HttpRequest, key: str) -> HttpResponse:
    person = get_person_for_user(request.user, key)
    record(
        request.user,
        "查看人员档案",
        object_type="人员",
        object_id=person.key,
        detail={"id_number": person.id_number},
        facility_code=audited_facility(person),
    )
    context = {"person": person, "leads": [(lead, lead_url(lead)) for lead in person.leads]}
    return render(request, "people/detail.html", context)


def audited_facility(person: Person) -> str:
    """The facility a look at the person is filed under in the audit log (whose
    administrators see it): their latest lead's, else the first of their facilities."""
    for lead in person.leads:
        if lead.facility_code:
            return lead.facility_code
    return min(person.facilities, default="")


def lead_url(lead: Lead) -> str | None:
    """The lead's page, or None while the leads app has no detail page."""
    try:
        return reverse("leads:detail", args=[lead.pk])
    except NoReverseMatch:
        return None
