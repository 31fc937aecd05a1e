"""What the library page changes: a model run asked for now, done in the background;
a model uploaded by a 建模人员, tested in the sandbox, published to the library or
withdrawn from it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import ModelSpec, parse_spec
from zhijian.supervision.testing import TestOutcome, run_tests
from zhijian.web.accounts.access import get_uploaded_model_for_user, is_modeller, is_uploader
from zhijian.web.audit.chain import record
from zhijian.web.library.catalogue import packaged_spec
from zhijian.web.library.jobs import OBJECT_TYPE, create_job
from zhijian.web.library.models import BackgroundJob, UploadedModel

UPLOAD_OBJECT = "上传的模型"
# An upload's tests run while its 建模人员 waits: each query is stopped after this many
# seconds, and tests not started within the budget fail as not run.
UPLOAD_TEST_SECONDS = 10.0
UPLOAD_TEST_BUDGET = 30.0
# Ids the library's own pages use (/library/jobs/, /library/uploads/).
RESERVED_IDS = ("jobs", "uploads")
UPLOADERS_ONLY = "只有建模人员可以上传、发布或停用模型"

S = UploadedModel.Status


def request_model_run(
    spec: ModelSpec,
    as_of: date,
    overrides: dict[str, Any],
    *,
    actor: Any,
    upload: UploadedModel | None = None,
) -> BackgroundJob:
    """Queue a run of ``spec`` on the warehouse as of ``as_of`` with ``overrides`` (already
    validated by the form); 建模人员 and 系统管理员 only (PermissionDenied otherwise). A
    published ``upload`` is named in the job, which runs the model from that record."""
    from zhijian.web.library.tasks import run_model_job

    if not is_modeller(actor):
        raise PermissionDenied("只有建模人员和系统管理员可以运行模型")
    params = spec.param_values(overrides)
    parameters: dict[str, Any] = {
        "model_id": spec.id,
        "as_of": as_of.isoformat(),
        "params": params,
    }
    if upload is not None:
        parameters |= {"upload_id": upload.pk, "version": upload.version}
    with transaction.atomic():
        job = create_job(BackgroundJob.Kind.MODEL_RUN, parameters, run_model_job, actor=actor)
        record(actor, "提交模型运行", object_type=OBJECT_TYPE, object_id=job.pk, detail=parameters)
    return job


def upload_model(model_id: str, yml_text: str, sql_text: str, *, actor: Any) -> UploadedModel:
    """A 草稿 of the model in ``<model_id>.yml`` and ``<model_id>.sql``, checked by the
    loader and with its own tests run in the sandbox (the outcome is kept, pass or fail).
    PermissionDenied for anyone but a 建模人员 with a unit; ModelError (Chinese) when the
    loader refuses the files or the id is taken."""
    if not is_uploader(actor) or actor.unit_id is None:
        raise PermissionDenied(UPLOADERS_ONLY)
    spec = parse_spec(yml_text, sql_text, model=model_id, sql_name=f"{model_id}.sql", user=True)
    _check_id_is_free(spec.id, actor)
    outcomes = run_tests(spec, seconds=UPLOAD_TEST_SECONDS, budget=UPLOAD_TEST_BUDGET)
    with transaction.atomic():
        upload = UploadedModel.objects.create(
            model_id=spec.id,
            name=spec.name,
            unit=actor.unit,
            uploaded_by=actor,
            yml_text=yml_text,
            sql_text=sql_text,
            version=spec.version,
            tests_passed=_all_passed(outcomes),
            test_outcomes=[_outcome(o) for o in outcomes],
            tested_at=timezone.now(),
        )
        record(
            actor, "上传模型", object_type=UPLOAD_OBJECT, object_id=upload.pk, detail=_facts(upload)
        )
    return upload


def _check_id_is_free(model_id: str, actor: Any) -> None:
    """An id is the packaged library's, or one unit's: another unit's upload that is not
    withdrawn holds it (a unit uploads new versions of its own models under their id)."""
    if model_id in RESERVED_IDS or packaged_spec(model_id) is not None:
        raise ModelError(f"模型编号 {model_id} 已被模型库内置模型使用，请换一个编号")
    taken = (
        UploadedModel.objects.filter(model_id=model_id)
        .exclude(status=S.WITHDRAWN)
        .exclude(unit=actor.unit)
        .exists()
    )
    if taken:
        raise ModelError(f"模型编号 {model_id} 已被其他单位上传的模型使用，请换一个编号")


def publish_model(pk: int | str, *, actor: Any) -> UploadedModel:
    """Publish a 草稿 of the actor's unit or a unit below it to the provincial library,
    after running its tests again (the sandbox may have changed since the upload); the
    published version it replaces is withdrawn. PermissionDenied for anyone but a
    建模人员; 404 outside their scope; ModelError when the tests do not all pass or the
    upload is not a 草稿 (the outcome of the new run is kept either way)."""
    if not is_uploader(actor):
        raise PermissionDenied(UPLOADERS_ONLY)
    upload = get_uploaded_model_for_user(actor, pk)
    if not upload.can_become(S.PUBLISHED):
        raise ModelError(f"模型 {upload.model_id} 的状态为{upload.status}，只有草稿可以发布")
    outcomes = _retest(upload)
    with transaction.atomic():
        upload = UploadedModel.objects.select_for_update().get(pk=upload.pk)
        if not upload.can_become(S.PUBLISHED):
            raise ModelError(f"模型 {upload.model_id} 的状态为{upload.status}，只有草稿可以发布")
        upload.tests_passed = _all_passed(outcomes)
        upload.test_outcomes = [_outcome(o) for o in outcomes]
        upload.tested_at = timezone.now()
        if not upload.tests_passed:
            upload.save(update_fields=["tests_passed", "test_outcomes", "tested_at"])
            record(
                actor,
                "模型测试未通过",
                object_type=UPLOAD_OBJECT,
                object_id=upload.pk,
                detail=_facts(upload),
            )
        else:
            _withdraw_published(upload, actor)
            upload.status, upload.published_by, upload.published_at = (
                S.PUBLISHED,
                actor,
                timezone.now(),
            )
            upload.save()
            record(
                actor,
                "发布模型",
                object_type=UPLOAD_OBJECT,
                object_id=upload.pk,
                detail=_facts(upload),
            )
    if not upload.tests_passed:
        failed = sum(not o.passed for o in outcomes)
        raise ModelError(
            f"模型 {upload.model_id} 有 {failed} 条测试未通过，不能发布：请修改后重新上传"
        )
    return upload


def _retest(upload: UploadedModel) -> list[TestOutcome]:
    try:
        spec = parse_spec(
            upload.yml_text, upload.sql_text, model=upload.model_id, sql_name=upload.sql_name
        )
    except ModelError as error:
        return [TestOutcome(upload.model_id, "模型检查", False, str(error))]
    return run_tests(spec, seconds=UPLOAD_TEST_SECONDS, budget=UPLOAD_TEST_BUDGET)


def _withdraw_published(upload: UploadedModel, actor: Any) -> None:
    """Withdraw the published version that ``upload`` replaces; ModelError when another
    unit published a model of that id meanwhile."""
    for earlier in UploadedModel.objects.select_for_update().filter(
        model_id=upload.model_id, status=S.PUBLISHED
    ):
        if earlier.unit_id != upload.unit_id:
            raise ModelError(
                f"模型编号 {upload.model_id} 已被其他单位发布的模型使用，请换一个编号后重新上传"
            )
        _withdraw(earlier, actor)


def withdraw_model(pk: int | str, *, actor: Any) -> UploadedModel:
    """停用 a 草稿 or a published model of the actor's unit or a unit below it; a
    published one leaves the library (its leads and runs stay). PermissionDenied for
    anyone but a 建模人员; 404 outside their scope; ModelError when already 已停用."""
    if not is_uploader(actor):
        raise PermissionDenied(UPLOADERS_ONLY)
    upload = get_uploaded_model_for_user(actor, pk)
    with transaction.atomic():
        upload = UploadedModel.objects.select_for_update().get(pk=upload.pk)
        if not upload.can_become(S.WITHDRAWN):
            raise ModelError(f"模型 {upload.model_id} 已停用")
        _withdraw(upload, actor)
    return upload


def _withdraw(upload: UploadedModel, actor: Any) -> None:
    upload.status, upload.withdrawn_by, upload.withdrawn_at = S.WITHDRAWN, actor, timezone.now()
    upload.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
    record(actor, "停用模型", object_type=UPLOAD_OBJECT, object_id=upload.pk, detail=_facts(upload))


def _all_passed(outcomes: list[TestOutcome]) -> bool:
    return bool(outcomes) and all(o.passed for o in outcomes)


def _outcome(outcome: TestOutcome) -> dict[str, Any]:
    return {k: v for k, v in asdict(outcome).items() if k != "model_id"}


def _facts(upload: UploadedModel) -> dict[str, Any]:
    return {
        "model_id": upload.model_id,
        "version": upload.version,
        "unit": upload.unit.name,
        "status": upload.status,
        "tests_passed": upload.tests_passed,
    }
