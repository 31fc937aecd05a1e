"""Background jobs: a model run or a data import asked for in the web and done by a
worker (``django_tasks`` with the database backend; ``zhijian worker`` runs it)."""

from __future__ import annotations

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
