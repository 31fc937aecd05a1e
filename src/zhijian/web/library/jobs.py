"""The life of a background job, shared by model runs and data imports.

A page creates the job (``create_job``) in its action's transaction and the task is
queued once that transaction commits, so a worker never picks up a job that does not
exist yet. The worker claims it (排队中 → 运行中), reports progress, and ends it with
``finish_job`` or ``fail_job``, each writing its audit row (by the system, no user) in
the same transaction as the change of status.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from zhijian.web.audit.chain import record
from zhijian.web.library.models import BackgroundJob

OBJECT_TYPE = "后台任务"
# Progress is written at most this often (seconds); a callback may fire per chunk.
PROGRESS_INTERVAL = 0.5
# A job whose process stopped before it ended (see ``settle_abandoned_jobs``).
ABANDONED = "执行该任务的后台进程在任务完成前已停止（被终止或服务重启），任务未完成，请重新提交"
ABANDONED_ACTION = "后台任务中断"


def create_job(
    kind: str, parameters: dict[str, Any], task: Task[[int], None], *, actor: Any
) -> BackgroundJob:
    """A queued job; its task is enqueued when the surrounding transaction commits."""
    job = BackgroundJob.objects.create(kind=kind, parameters=parameters, created_by=actor)
    transaction.on_commit(partial(_enqueue, task, job.pk))
    return job


def _enqueue(task: Task[[int], None], job_id: int) -> None:
    result = task.enqueue(job_id)
    BackgroundJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def claim_job(job_id: int, kind: str) -> BackgroundJob | None:
    """The job, now 运行中 in this process; None when it does not exist or is no longer
    queued (a task delivered twice runs once)."""
    claimed = BackgroundJob.objects.filter(
        pk=job_id, kind=kind, status=BackgroundJob.Status.QUEUED
    ).update(
        status=BackgroundJob.Status.RUNNING,
        started_at=timezone.now(),
        progress=1,
        message="",
        runner=this_runner(),
    )
    return BackgroundJob.objects.get(pk=job_id) if claimed else None


def this_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def settle_abandoned_jobs() -> int:
    """Fail the jobs left 运行中 by a process of this machine that is no longer running
    (a worker killed, or the server restarted mid-job), so their pages stop waiting and
    the user knows to submit again. A job run on another machine, or by a process that
    still runs, is left alone. Returns how many were failed."""
    host = socket.gethostname()
    running = BackgroundJob.objects.filter(
        status=BackgroundJob.Status.RUNNING, runner__startswith=f"{host}:"
    )
    return sum(settle_if_abandoned(job).status == BackgroundJob.Status.FAILED for job in running)


def settle_if_abandoned(job: BackgroundJob) -> BackgroundJob:
    """The job, failed first if it is 运行中 by a dead process of this machine."""
    host, _, pid = job.runner.rpartition(":")
    if job.status != BackgroundJob.Status.RUNNING or host != socket.gethostname() or _alive(pid):
        return job
    with transaction.atomic():
        # Only if still 运行中: the job may have ended meanwhile.
        current = BackgroundJob.objects.select_for_update().filter(pk=job.pk).first()
        if current is None or current.status != BackgroundJob.Status.RUNNING:
            return current or job
        fail_job(current, ABANDONED, action=ABANDONED_ACTION)
    job.refresh_from_db()
    return job


def _alive(pid_text: str) -> bool:
    if os.name != "posix":
        return True  # no harmless way to ask elsewhere (os.kill would stop the process)
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by another user
    return True


def report_progress(job: BackgroundJob, percent: int, message: str) -> None:
    percent = max(0, min(99, percent))  # 100 only when the job is done
    job.progress, job.message = percent, message
    BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.RUNNING).update(
        progress=percent, message=message
    )


def throttled(
    job: BackgroundJob, interval: float = PROGRESS_INTERVAL
) -> Callable[[int, str], None]:
    """``report_progress`` for ``job`` that writes at most once per ``interval``."""
    last = 0.0

    def report(percent: int, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval:
            last = now
            report_progress(job, percent, message)

    return report


def finish_job(
    job: BackgroundJob, result: dict[str, Any], message: str, *, action: str
) -> BackgroundJob:
    """完成 with 100 %; call inside the transaction that made the job's changes."""
    with transaction.atomic():
        _end(job, BackgroundJob.Status.DONE, message, result)
        job.progress = 100
        BackgroundJob.objects.filter(pk=job.pk).update(progress=100)
        record(None, action, object_type=OBJECT_TYPE, object_id=job.pk, detail=result)
    return job


def fail_job(
    job: BackgroundJob,
    message: str,
    *,
    action: str,
    result: dict[str, Any] | None = None,
) -> BackgroundJob:
    """失败 with a Chinese ``message`` for the user (never a traceback)."""
    with transaction.atomic():
        _end(job, BackgroundJob.Status.FAILED, message, result or {})
        record(
            None,
            action,
            object_type=OBJECT_TYPE,
            object_id=job.pk,
            detail={**(result or {}), "message": message},
        )
    return job


def _end(job: BackgroundJob, status: str, message: str, result: dict[str, Any]) -> None:
    job.status, job.message, job.result = status, message, result
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "finished_at"])
