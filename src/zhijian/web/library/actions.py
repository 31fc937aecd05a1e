"""What the library page changes: a model run asked for now, done in the background."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from zhijian.supervision.spec import ModelSpec
from zhijian.web.accounts.access import is_modeller
from zhijian.web.audit.chain import record
from zhijian.web.library.jobs import OBJECT_TYPE, create_job
from zhijian.web.library.models import BackgroundJob


def request_model_run(
    spec: ModelSpec, as_of: date, overrides: dict[str, Any], *, actor: Any
) -> BackgroundJob:
    """Queue a run of ``spec`` on the warehouse as of ``as_of`` with ``overrides`` (already
    validated by the form); 建模人员 and 系统管理员 only (PermissionDenied otherwise)."""
    from zhijian.web.library.tasks import run_model_job

    if not is_modeller(actor):
        raise PermissionDenied("只有建模人员和系统管理员可以运行模型")
    params = spec.param_values(overrides)
    parameters = {"model_id": spec.id, "as_of": as_of.isoformat(), "params": params}
    with transaction.atomic():
        job = create_job(BackgroundJob.Kind.MODEL_RUN, parameters, run_model_job, actor=actor)
        record(actor, "提交模型运行", object_type=OBJECT_TYPE, object_id=job.pk, detail=parameters)
    return job
