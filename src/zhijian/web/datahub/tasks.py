"""The import task: an uploaded file imported with the warehouse's ``import_file``, as
``zhijian data import`` does, with its row-count progress shown on the job.

Enqueued by ``zhijian.web.datahub.actions.upload_data_file``; a worker (``zhijian
worker``, i.e. ``django-admin db_worker``) picks it up from the database queue.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django_tasks import task

from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.ingest import ImportSummary, import_file
from zhijian.warehouse.scope import WriteScope
from zhijian.warehouse.workspace import Workspace
from zhijian.web.datahub.retention import uploads_dir
from zhijian.web.datahub.scope import write_scope_for
from zhijian.web.library.jobs import claim_job, fail_job, finish_job, report_progress, throttled
from zhijian.web.library.models import BackgroundJob

logger = logging.getLogger(__name__)

# The scope of an upload whose uploader's account is gone: nothing.
NOBODY = WriteScope(who="（账号已删除）", facility_codes=frozenset(), region_prefixes=frozenset())

DONE = "完成数据导入"
FAILED = "数据导入失败"
INTERNAL_ERROR = "内部错误：文件未能导入，请联系系统管理员查看后台任务日志（任务 {job}）"
# Reading moves the bar from 10 % towards 70 % without knowing the row count in advance.
READ_FROM, READ_SPAN, HALF_WAY_ROWS = 10, 60, 50_000


@task()
def import_upload_job(job_id: int) -> None:
    job = claim_job(job_id, BackgroundJob.Kind.DATA_IMPORT)
    if job is None:
        return
    try:
        summary = _import(job)
    except WarehouseError as error:
        fail_job(job, str(error), action=FAILED)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        fail_job(job, INTERNAL_ERROR.format(job=job.pk), action=FAILED)
        raise
    else:
        finish_job(job, summary.to_json(), _message(summary), action=DONE)


def read_progress(rows: int) -> int:
    """The bar's position after ``rows`` rows read: rises steadily, never reaches 70."""
    return READ_FROM + READ_SPAN * rows // (rows + HALF_WAY_ROWS)


def _import(job: BackgroundJob) -> ImportSummary:
    parameters = job.parameters
    report_progress(job, 5, "正在读取文件")
    report = throttled(job)

    def progress(rows: int) -> None:
        report(read_progress(rows), f"已读取 {rows} 行")

    source = parameters.get("source") or ""
    # Decided when the import runs, from the uploader's unit as it is then.
    scope = write_scope_for(job.created_by, source) if job.created_by else NOBODY
    summary = import_file(
        parameters["dataset"],
        uploads_dir() / Path(parameters["stored_as"]).name,
        workspace=Workspace(Path(settings.HOME)),
        source=source or None,
        sheet=parameters.get("sheet") or None,
        progress=progress,
        scope=scope,
    )
    return summary


def _message(summary: ImportSummary) -> str:
    return (
        f"收到 {summary.received} 行：新增 {summary.inserted}，更新 {summary.updated}，"
        f"未变 {summary.unchanged}，拒收 {summary.rejected}"
    )
