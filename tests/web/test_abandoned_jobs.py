"""A job whose worker died mid-way is failed with an explanation, not left 运行中."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.personas import World
from zhijian.web.audit.models import AuditEntry
from zhijian.web.library.jobs import (
    ABANDONED,
    ABANDONED_ACTION,
    claim_job,
    settle_abandoned_jobs,
)
from zhijian.web.library.models import BackgroundJob

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process checks are POSIX only")
HOST = socket.gethostname()


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_job(
    world: World, runner: str, kind: str = BackgroundJob.Kind.MODEL_RUN
) -> BackgroundJob:
    return BackgroundJob.objects.create(
        kind=kind,
        status=BackgroundJob.Status.RUNNING,
        progress=40,
        parameters={"model_id": "parole_prohibited"},
        created_by=world.users["modeller"],
        runner=runner,
    )


def test_claiming_a_job_records_the_process(world: World) -> None:
    job = BackgroundJob.objects.create(kind="模型运行", created_by=world.users["modeller"])
    claimed = claim_job(job.pk, "模型运行")
    assert claimed is not None
    assert claimed.runner == f"{HOST}:{os.getpid()}"


def test_the_worker_fails_jobs_of_a_process_that_has_stopped(world: World) -> None:
    gone = running_job(world, f"{HOST}:{dead_pid()}")
    alive = running_job(world, f"{HOST}:{os.getpid()}")
    elsewhere = running_job(world, f"another-host:{dead_pid()}")

    assert settle_abandoned_jobs() == 1
    assert settle_abandoned_jobs() == 0

    statuses = dict(BackgroundJob.objects.values_list("pk", "status"))
    assert statuses == {gone.pk: "失败", alive.pk: "运行中", elsewhere.pk: "运行中"}
    gone.refresh_from_db()
    assert gone.message == ABANDONED and gone.finished_at is not None
    audit = AuditEntry.objects.order_by("pk").last()
    assert audit is not None
    assert (audit.action, audit.actor_id, audit.object_id) == (ABANDONED_ACTION, None, str(gone.pk))


@pytest.mark.parametrize(
    ("kind", "page"),
    [
        (BackgroundJob.Kind.MODEL_RUN, "library:job"),
        (BackgroundJob.Kind.DATA_IMPORT, "datahub:job"),
    ],
)
def test_a_job_page_tells_that_the_job_stopped(world: World, kind: str, page: str) -> None:
    job = running_job(world, f"{HOST}:{dead_pid()}", kind=kind)
    client = Client()
    client.force_login(world.users["modeller"])

    html = client.get(reverse(page, args=[job.pk])).content.decode()

    assert ABANDONED in html
    assert "hx-trigger" not in html  # the page stops polling
