"""The model library: every model with its legal basis, parameters and figures; a model
run now in the background, with its progress."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from zhijian.supervision.spec import ModelSpec
from zhijian.web.accounts.access import is_modeller
from zhijian.web.leads.models import ModelRun
from zhijian.web.library import actions, catalogue
from zhijian.web.library.forms import RunModelForm
from zhijian.web.library.jobs import settle_if_abandoned
from zhijian.web.library.models import BackgroundJob


def _spec_or_404(model_id: str) -> ModelSpec:
    spec = catalogue.get_spec(model_id)
    if spec is None:
        raise Http404("模型不存在")
    return spec


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    specs = catalogue.library_specs()
    leads = catalogue.lead_figures(request.user)
    runs = catalogue.run_figures()
    groups = [
        (
            category,
            [
                (
                    spec,
                    leads.get(spec.id, catalogue.LeadFigures()),
                    runs.get(spec.id, catalogue.RunFigures()),
                )
                for spec in members
            ],
        )
        for category, members in catalogue.by_category(specs)
    ]
    return render(
        request,
        "library/list.html",
        {"groups": groups, "count": len(specs), "can_run": is_modeller(request.user)},
    )


@require_GET
def model_detail(request: HttpRequest, model_id: str) -> HttpResponse:
    spec = _spec_or_404(model_id)
    return _detail(request, spec, RunModelForm(spec) if is_modeller(request.user) else None)


def _detail(
    request: HttpRequest, spec: ModelSpec, form: RunModelForm | None, status: int = 200
) -> HttpResponse:
    figures = catalogue.lead_figures(request.user).get(spec.id, catalogue.LeadFigures())
    context = {
        "spec": spec,
        "figures": figures,
        "runs": catalogue.recent_runs(spec.id),
        "form": form,
        "jobs": _recent_jobs(spec.id) if form is not None else [],
    }
    return render(request, "library/detail.html", context, status=status)


def _recent_jobs(model_id: str) -> list[BackgroundJob]:
    return list(
        BackgroundJob.objects.filter(
            kind=BackgroundJob.Kind.MODEL_RUN, parameters__model_id=model_id
        )
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:5]
    )


@require_POST
def run_now(request: HttpRequest, model_id: str) -> HttpResponse:
    spec = _spec_or_404(model_id)
    if not is_modeller(request.user):
        raise PermissionDenied("只有建模人员和系统管理员可以运行模型")
    form = RunModelForm(spec, request.POST)
    if not form.is_valid():
        return _detail(request, spec, form, status=400)
    job = actions.request_model_run(
        spec, form.cleaned_data["as_of"], form.cleaned_data["overrides"], actor=request.user
    )
    return redirect("library:job", pk=job.pk)


def _job_or_404(request: HttpRequest, pk: int) -> BackgroundJob:
    if not is_modeller(request.user):
        raise PermissionDenied("只有建模人员和系统管理员可以查看模型运行任务")
    job = get_object_or_404(
        BackgroundJob.objects.select_related("created_by"),
        pk=pk,
        kind=BackgroundJob.Kind.MODEL_RUN,
    )
    return settle_if_abandoned(job)


def _job_context(job: BackgroundJob) -> dict[str, object]:
    run_id = job.result.get("run_id")
    return {
        "job": job,
        "spec": catalogue.get_spec(job.parameters.get("model_id", "")),
        "run": ModelRun.objects.filter(pk=run_id).first() if run_id else None,
    }


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "library/job.html", _job_context(job))


@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by the job page until the job has finished."""
    job = _job_or_404(request, pk)
    return render(request, "library/_job_panel.html", _job_context(job))
