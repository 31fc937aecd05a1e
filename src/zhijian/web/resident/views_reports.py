"""Registers (Excel), the monthly report (.docx) and the statistics page.

Exports cover facilities the user may see; each download writes an audit row (the
registers name people)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from zhijian.web.accounts.access import visible_facilities
from zhijian.web.accounts.models import Unit
from zhijian.web.audit.chain import record
from zhijian.web.resident import exports, forms, scope, stats
from zhijian.web.resident.models import CHECKLIST


def _month_bounds(first: date) -> tuple[date, date]:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """The export form (facility and month) and the downloads."""
    facilities = visible_facilities(request.user)
    today = timezone.localdate()
    form = forms.MonthForm(
        request.GET if "month" in request.GET else None,
        facilities=facilities,
        initial={"month": f"{today:%Y-%m}", "facility": facilities.first()},
    )
    kind = request.GET.get("kind", "")
    if form.is_bound and form.is_valid() and kind in ("registers", "monthly"):
        facility = form.cleaned_data["facility"]
        first, last = _month_bounds(form.cleaned_data["month"])
        if kind == "registers":
            content = exports.registers_workbook(exports.Period(facility, first, last))
            name, content_type = f"一志八表_{facility.name}_{first:%Y-%m}.xlsx", exports.XLSX
        else:
            content = exports.monthly_report(exports.month_summary(facility, first, last))
            name, content_type = f"派驻检察月报_{facility.name}_{first:%Y-%m}.docx", exports.DOCX
        record(
            request.user,
            "导出派驻检察台账" if kind == "registers" else "导出派驻检察月报",
            object_type="场所",
            object_id=facility.facility_code,
            detail={"month": f"{first:%Y-%m}"},
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    if form.is_bound and not form.is_valid():
        messages.error(request, "请选择场所和月份")
    return render(request, "resident/reports.html", {"form": form})


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit: Unit | None = getattr(user, "unit", None)
    units = (
        unit.descendants_and_self().exclude(kind=Unit.Kind.BASIC)
        if unit is not None
        else Unit.objects.none()
    )
    latest = scope.logs_for(user).order_by("-day").values_list("day", flat=True).first()
    form = forms.PeriodForm(request.GET or {}, units=units, latest=latest)
    today = timezone.localdate()
    result = None
    if unit is not None and form.is_valid():
        root = form.cleaned_data["unit"] or unit
        result = stats.compute(
            user, root, form.cleaned_data["start"], form.cleaned_data["end"], today
        )
    context = {
        "form": form,
        "result": result,
        "labels": stats.MEASURE_LABELS,
        "measures": stats.MEASURES,
        "goal": stats.DAYS_ON_SITE_GOAL,
        "goal_citation": stats.GOAL_CITATION,
        "charts": result.chart_data() if result else None,
        "checklist": CHECKLIST,
    }
    return render(request, "resident/statistics.html", context, status=200 if result else 400)
