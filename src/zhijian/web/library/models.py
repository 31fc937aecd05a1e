"""The library's records: background jobs (a model run or a data import asked for in the
web and done by a worker, ``django_tasks`` with the database backend; ``zhijian worker``
runs it) and the models 建模人员 upload."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class BackgroundJob(models.Model):
    """One piece of work queued from a page: who asked for it, with what parameters,
    how far it has got and how it ended. ``result`` holds what the finished work
    reports (for a model run the ``ModelRun`` id and counts; for an import the batch
    summary); ``message`` is Chinese and shown to the user as is."""

    class Kind(models.TextChoices):
        MODEL_RUN = "模型运行", "模型运行"
        DATA_IMPORT = "数据导入", "数据导入"

    class Status(models.TextChoices):
        QUEUED = "排队中", "排队中"
        RUNNING = "运行中", "运行中"
        DONE = "完成", "完成"
        FAILED = "失败", "失败"

    FINISHED = (Status.DONE, Status.FAILED)

    kind = models.CharField("任务类型", max_length=10, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.TextField("说明", blank=True)
    parameters = models.JSONField("参数", default=dict, encoder=DjangoJSONEncoder)
    result = models.JSONField("结果", default=dict, encoder=DjangoJSONEncoder)
    task_id = models.CharField("队列任务编号", max_length=64, blank=True)
    runner = models.CharField("执行进程", max_length=200, blank=True, help_text="主机名:进程号")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        related_name="background_jobs",
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        indexes = (models.Index(fields=["kind", "-created_at"], name="job_kind_created_idx"),)

    def __str__(self) -> str:
        return f"{self.kind}（第 {self.pk} 号任务，{self.status}）"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class UploadedModel(models.Model):
    """A model a 建模人员 uploaded (its yml and SQL, as written), the outcome of its own
    tests in the sandbox, and where it stands: a 草稿 is seen only within its unit's tree;
    once 已发布 it is in the provincial library beside the packaged models; 已停用 ends it.
    At most one upload of a model id is 已发布 at a time."""

    class Status(models.TextChoices):
        DRAFT = "草稿", "草稿"
        PUBLISHED = "已发布", "已发布"
        WITHDRAWN = "已停用", "已停用"

    # Which status may follow which (``zhijian.web.library.actions``).
    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        Status.DRAFT: (Status.PUBLISHED, Status.WITHDRAWN),
        Status.PUBLISHED: (Status.WITHDRAWN,),
        Status.WITHDRAWN: (),
    }

    model_id = models.CharField("模型编号", max_length=64, db_index=True)
    name = models.CharField("模型名称", max_length=200)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.PROTECT,
        related_name="uploaded_models",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    yml_text = models.TextField("模型说明（yml）")
    sql_text = models.TextField("模型查询（SQL）")
    version = models.CharField("模型版本", max_length=16)
    tests_passed = models.BooleanField("测试全部通过", default=False)
    test_outcomes = models.JSONField("测试结果", default=list)
    tested_at = models.DateTimeField("测试时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="停用人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "上传的模型"
        verbose_name_plural = "上传的模型"
        constraints = (
            models.UniqueConstraint(
                fields=["model_id"],
                condition=models.Q(status="已发布"),
                name="one_published_upload_per_model",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name}（{self.model_id}，{self.status}）"

    @property
    def yml_name(self) -> str:
        return f"{self.model_id}.yml"

    @property
    def sql_name(self) -> str:
        return f"{self.model_id}.sql"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]
