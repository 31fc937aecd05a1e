"""The data page: upload a file for a dataset, follow its import, read the batch result
and the rejected rows with their reasons. 系统管理员 and 建模人员 only, each seeing the
uploads and batches of their own unit and the units below it (the 省院: all)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.standard import DATASETS
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts.access import (
    facilities_by_code,
    is_modeller,
    sees_everything,
    visible_units,
)
from zhijian.web.audit.chain import record
from zhijian.web.datahub import warehouse_log
from zhijian.web.datahub.actions import UploadRefused, upload_data_file
from zhijian.web.datahub.forms import UploadForm
from zhijian.web.datahub.scope import region_name, sources_for, write_scope_for
from zhijian.web.dates import page_number
from zhijian.web.library.jobs import settle_if_abandoned
from zhijian.web.library.models import BackgroundJob

ISSUES_PER_PAGE = 50
RECENT_JOBS = 10


def _check_role(request: HttpRequest) -> None:
    if not is_modeller(request.user):
        raise PermissionDenied("只有系统管理员和建模人员可以使用数据导入")


def _workspace() -> Workspace:
    return Workspace(Path(settings.HOME))


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _check_role(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = upload_data_file(
                data["dataset"],
                data["file"],
                source=data["source"],
                sheet=data["sheet"],
                actor=request.user,
            )
        except UploadRefused as refused:
            form.add_error("dataset", str(refused))
        else:
            return redirect("datahub:job", pk=job.pk)
    jobs = (
        _import_jobs(request.user)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT_JOBS]
    )
    only = None if sees_everything(request.user) else _batch_ids(request.user)
    try:
        batches, log_error = warehouse_log.recent_batches(_workspace(), only=only), ""
    except WarehouseError as error:
        batches, log_error = [], str(error)
    context = {
        "form": form,
        "jobs": jobs,
        "batches": batches,
        "log_error": log_error,
        "scope": _scope_summary(request.user),
    }
    return render(request, "datahub/list.html", context, status=400 if form.errors else 200)


def _scope_summary(user: Any) -> dict[str, Any]:
    """What the user's uploads may write, in words for the page."""
    if sees_everything(user):
        return {"everything": True}
    scope = write_scope_for(user)
    codes = sorted(scope.facility_codes or ())
    facilities = facilities_by_code(user)
    return {
        "everything": False,
        "facilities": [str(facilities[c]) if c in facilities else c for c in codes],
        "regions": [region_name(prefix) for prefix in sorted(scope.region_prefixes or ())],
        "sources": list(sources_for(user)),
    }


def _import_jobs(user: Any) -> QuerySet[BackgroundJob]:
    """The uploads of the user's unit and the units below it (every upload for the 省院)."""
    jobs = BackgroundJob.objects.filter(kind=BackgroundJob.Kind.DATA_IMPORT)
    if sees_everything(user):
        return jobs
    return jobs.filter(created_by__unit__in=visible_units(user))


def _batch_ids(user: Any) -> list[str]:
    """The import batches of the uploads the user may see."""
    found = (
        _import_jobs(user).exclude(result__batch_id=None).values_list("result__batch_id", flat=True)
    )
    return sorted({str(batch_id) for batch_id in found if batch_id})


def _job_or_404(request: HttpRequest, pk: int) -> BackgroundJob:
    _check_role(request)
    job = get_object_or_404(_import_jobs(request.user).select_related("created_by"), pk=pk)
    return settle_if_abandoned(job)


def _job_context(job: BackgroundJob) -> dict[str, object]:
    dataset = DATASETS.get(job.parameters.get("dataset", ""))
    return {"job": job, "dataset": dataset, "summary": job.result}


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "datahub/job.html", _job_context(job))


@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by the job page until the import has ended."""
    job = _job_or_404(request, pk)
    return render(request, "datahub/_job_panel.html", _job_context(job))


def _page_number(request: HttpRequest) -> int:
    return page_number(request.GET.get("page"))


@require_GET
def batch_detail(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The batch summary and its rejected and flagged rows. A rejected value may be any
    person's in the province (an ID number, a name), so the values are shown only to a
    user who sees every facility or to whoever uploaded the file, and each look at them
    is audited; others see where each problem is and why, without the value."""
    _check_role(request)
    if not sees_everything(request.user) and batch_id not in _batch_ids(request.user):
        raise Http404("导入批次不存在")
    report = warehouse_log.batch_report(
        _workspace(), batch_id, _page_number(request), ISSUES_PER_PAGE
    )
    if report is None:
        raise Http404("导入批次不存在")
    batch, page = report
    shows_values = sees_everything(request.user) or _uploaded_by(request.user, batch_id)
    if page.issues and shows_values:
        with transaction.atomic():
            record(
                request.user,
                "查看拒收记录",
                object_type="导入批次",
                object_id=batch_id,
                detail={"page": page.number, "rows": len(page.issues)},
            )
    context = {
        "batch": batch,
        "dataset": DATASETS.get(batch.dataset),
        "page": page,
        "shows_values": shows_values,
    }
    return render(request, "datahub/batch.html", context)


def _uploaded_by(user: Any, batch_id: str) -> bool:
    """Whether the user uploaded the file of this batch through the data page."""
    return BackgroundJob.objects.filter(
        kind=BackgroundJob.Kind.DATA_IMPORT, created_by=user, result__batch_id=batch_id
    ).exists()
