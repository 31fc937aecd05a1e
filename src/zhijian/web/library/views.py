"""The model library: every model with its legal basis, parameters and figures; a model
run now in the background, with its progress; and the models 建模人员 upload, test and
publish beside the packaged ones."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import ModelSpec
from zhijian.web.accounts.access import (
    get_uploaded_model_for_user,
    is_modeller,
    is_uploader,
    uploaded_models_for,
)
from zhijian.web.leads.models import ModelRun
from zhijian.web.library import actions, catalogue
from zhijian.web.library.forms import RunModelForm, UploadModelForm
from zhijian.web.library.jobs import settle_if_abandoned
from zhijian.web.library.models import BackgroundJob, UploadedModel

RECENT_UPLOADS = 20


def _model_or_404(model_id: str) -> tuple[ModelSpec, UploadedModel | None]:
    found = catalogue.find_model(model_id)
    if found is None:
        raise Http404("模型不存在")
    return found


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    return _list(request, UploadModelForm() if is_uploader(request.user) else None)


def _list(request: HttpRequest, form: UploadModelForm | None, status: int = 200) -> HttpResponse:
    published = catalogue.published_models()
    uploads = {spec.id: upload for spec, upload in published}
    specs = [*catalogue.library_specs(), *(spec for spec, _ in published)]
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
                    uploads.get(spec.id),
                )
                for spec in members
            ],
        )
        for category, members in catalogue.by_category(specs)
    ]
    context = {
        "groups": groups,
        "count": len(specs),
        "can_run": is_modeller(request.user),
        "upload_form": form,
        "uploads": _own_uploads(request) if form is not None else [],
    }
    return render(request, "library/list.html", context, status=status)


def _own_uploads(request: HttpRequest) -> list[UploadedModel]:
    return list(
        uploaded_models_for(request.user)
        .select_related("unit", "uploaded_by")
        .order_by("-uploaded_at", "-pk")[:RECENT_UPLOADS]
    )


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    if not is_uploader(request.user):
        raise PermissionDenied(actions.UPLOADERS_ONLY)
    form = UploadModelForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        uploaded = actions.upload_model(
            form.cleaned_data["model_id"],
            form.cleaned_data["yml_text"],
            form.cleaned_data["sql_text"],
            actor=request.user,
        )
    except ModelError as error:
        form.add_error(None, f"模型未能上传：{error}")
        return _list(request, form, status=400)
    return redirect("library:upload", pk=uploaded.pk)


@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    uploaded = get_uploaded_model_for_user(request.user, pk)
    return render(request, "library/upload.html", {"upload": uploaded})


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        published = actions.publish_model(pk, actor=request.user)
    except ModelError as error:
        messages.error(request, str(error))
        return redirect("library:upload", pk=pk)
    messages.success(request, f"模型 {published.name} 已发布到模型库")
    return redirect("library:upload", pk=pk)


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        withdrawn = actions.withdraw_model(pk, actor=request.user)
    except ModelError as error:
        messages.error(request, str(error))
        return redirect("library:upload", pk=pk)
    messages.success(request, f"模型 {withdrawn.name} 已停用")
    return redirect("library:upload", pk=pk)


@require_GET
def model_detail(request: HttpRequest, model_id: str) -> HttpResponse:
    spec, uploaded = _model_or_404(model_id)
    form = RunModelForm(spec) if is_modeller(request.user) else None
    return _detail(request, spec, uploaded, form)


def _detail(
    request: HttpRequest,
    spec: ModelSpec,
    uploaded: UploadedModel | None,
    form: RunModelForm | None,
    status: int = 200,
) -> HttpResponse:
    figures = catalogue.lead_figures(request.user).get(spec.id, catalogue.LeadFigures())
    context = {
        "spec": spec,
        "upload": uploaded,
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
    spec, uploaded = _model_or_404(model_id)
    if not is_modeller(request.user):
        raise PermissionDenied("只有建模人员和系统管理员可以运行模型")
    form = RunModelForm(spec, request.POST)
    if not form.is_valid():
        return _detail(request, spec, uploaded, form, status=400)
    job = actions.request_model_run(
        spec,
        form.cleaned_data["as_of"],
        form.cleaned_data["overrides"],
        actor=request.user,
        upload=uploaded,
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
