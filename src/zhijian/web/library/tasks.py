"""The model-run task: run one model of the library with the engine and sync its hits
into leads, as ``zhijian models run`` does, reporting progress on the job.

Enqueued by ``zhijian.web.library.actions.request_model_run``; a worker (``zhijian
worker``, i.e. ``django-admin db_worker``) picks it up from the database queue.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from zhijian.supervision.engine import run_model
from zhijian.supervision.results import RunResult
from zhijian.supervision.spec import ModelSpec
from zhijian.warehouse.compute import connect
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.workspace import Workspace
from zhijian.web.accounts.access import supervised_facility_codes
from zhijian.web.leads.actions import sync_run
from zhijian.web.library.catalogue import get_spec, upload_spec
from zhijian.web.library.jobs import claim_job, fail_job, finish_job, report_progress
from zhijian.web.library.models import BackgroundJob, UploadedModel
from zhijian.web.people.keyindex import catch_up_with_leads

logger = logging.getLogger(__name__)

DONE = "完成模型运行"
FAILED = "模型运行失败"
INTERNAL_ERROR = "内部错误：模型未能运行完成，请联系系统管理员查看后台任务日志（任务 {job}）"


@task()
def run_model_job(job_id: int) -> None:
    job = claim_job(job_id, BackgroundJob.Kind.MODEL_RUN)
    if job is None:
        return
    try:
        _run(job)
    except WarehouseError as error:
        fail_job(job, f"无法读取数据仓库：{error}", action=FAILED)
    except Exception:
        logger.exception("model run job %s failed", job.pk)
        fail_job(job, INTERNAL_ERROR.format(job=job.pk), action=FAILED)
        raise


def _run(job: BackgroundJob) -> None:
    parameters = job.parameters
    spec = _job_spec(parameters)
    if spec is None:
        fail_job(job, f"模型库中已没有模型 {parameters['model_id']}", action=FAILED)
        return
    report_progress(job, 10, "正在读取数据仓库")
    snapshot = connect(Workspace(Path(settings.HOME)))
    try:
        report_progress(job, 30, f"正在运行模型：{spec.name}")
        result = run_model(
            spec,
            snapshot,
            date.fromisoformat(parameters["as_of"]),
            parameters["params"],
            max_rows=settings.MODEL_MAX_ROWS,
        )
    finally:
        snapshot.connection.close()
    report_progress(job, 80, f"命中 {len(result.hits)} 条，正在同步线索")
    _record(job, result)
    catch_up_with_leads()  # the new leads' person pages open without waiting for it


def _job_spec(parameters: dict[str, Any]) -> ModelSpec | None:
    """The model the job names: an upload is read from its record, and only while it is
    published in the version the job was asked for."""
    if "upload_id" not in parameters:
        return get_spec(parameters["model_id"])
    upload = UploadedModel.objects.filter(
        pk=parameters["upload_id"],
        status=UploadedModel.Status.PUBLISHED,
        version=parameters.get("version"),
    ).first()
    return upload_spec(upload) if upload is not None else None


def _record(job: BackgroundJob, result: RunResult) -> None:
    """Save the run and its leads and end the job, in one transaction. A run the engine
    reports as failed is saved too (it marks no lead as gone) and fails the job. The run
    changes only the leads of the facilities the requester's unit supervises."""
    scope = supervised_facility_codes(job.created_by) if job.created_by else frozenset()
    with transaction.atomic():
        run = sync_run(result, facility_codes=scope)
        summary = {
            "run_id": run.pk,
            "model_id": run.model_id,
            "hits": run.hit_count,
            "new_leads": run.new_count,
            "dropped": run.dropped_count,
            "outside_scope": run.outside_count,
            "seconds": round(run.seconds, 3),
        }
        if result.error:
            fail_job(job, f"模型运行出错：{result.error}", action=FAILED, result=summary)
        else:
            message = (
                f"命中 {run.hit_count} 条，新增线索 {run.new_count} 条，"
                f"不再命中 {run.dropped_count} 条"
            )
            if run.facility_scope is not None:
                message += f"；其他单位监督场所的命中 {run.outside_count} 条未改动"
            finish_job(job, summary, message, action=DONE)
