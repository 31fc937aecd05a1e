"""Model runs, the leads they find, and each lead's history."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from zhijian.web.append_only import AppendOnly


class ModelRun(models.Model):
    """One run of one supervision model, as ``zhijian.supervision.results.RunResult``
    reports it, with what the run did to the leads."""

    model_id = models.CharField("模型编号", max_length=100)
    model_name = models.CharField("模型名称", max_length=200)
    category = models.CharField("模型类别", max_length=50)
    severity = models.CharField("严重程度", max_length=20)
    model_version = models.CharField("模型版本", max_length=64)
    params = models.JSONField("运行参数", default=dict, encoder=DjangoJSONEncoder)
    as_of = models.DateField("数据截止日期")
    table_versions = models.JSONField("数据表版本", default=dict)
    hit_count = models.PositiveIntegerField("命中数", default=0)
    new_count = models.PositiveIntegerField("新增线索数", default=0)
    dropped_count = models.PositiveIntegerField("不再命中数", default=0)
    seconds = models.FloatField("耗时（秒）")
    error = models.TextField("错误信息", blank=True)
    complete = models.BooleanField("完整运行", default=False)
    # The facilities the run could change (a run asked for below the 省院); null: all.
    facility_scope = models.JSONField("运行范围（场所编码）", null=True, blank=True)
    outside_count = models.PositiveIntegerField("范围外命中数", default=0)
    started_at = models.DateTimeField("运行时间", auto_now_add=True)

    class Meta:
        verbose_name = "模型运行"
        verbose_name_plural = "模型运行"
        indexes = (models.Index(fields=["model_id", "-started_at"], name="run_model_started_idx"),)

    def __str__(self) -> str:
        return f"{self.model_name}（第 {self.pk} 次运行）"


MANUAL_MODEL_ID = "manual"


class Lead(models.Model):
    """A hit of a model, kept across runs by its fingerprint (model, subject, key fields).
    A lead is never deleted: when its hit disappears from a complete run it becomes
    不再命中, and returns to 待分派 if the hit comes back.

    A manual lead (``model_id`` ``manual``) is a problem a procurator recorded on site; it
    has no run, carries its legal basis in ``key["legal_basis"]`` and follows the same
    workflow."""

    class Status(models.TextChoices):
        TO_ASSIGN = "待分派", "待分派"
        TO_VERIFY = "待核查", "待核查"
        VERIFYING = "核查中", "核查中"
        CONFIRMED = "属实", "属实"
        EXCLUDED = "不属实", "不属实"
        SUPERVISING = "监督中", "监督中"
        AWAITING_REPLY = "待整改回复", "待整改回复"
        RECTIFIED = "已整改", "已整改"
        OVERDUE = "逾期未整改", "逾期未整改"
        CLOSED = "办结", "办结"
        NO_LONGER_HIT = "不再命中", "不再命中"

    class Measure(models.TextChoices):
        """The supervision measures of 刑诉规则第五百五十二条."""

        ORAL = "口头纠正", "口头纠正"
        NOTICE = "纠正违法通知书", "纠正违法通知书"
        RECOMMENDATION = "检察建议", "检察建议"
        INVESTIGATION = "移送侦查", "移送侦查"

    fingerprint = models.CharField("指纹", max_length=64, unique=True)
    model_id = models.CharField("模型编号", max_length=100)
    model_name = models.CharField("模型名称", max_length=200)
    category = models.CharField("模型类别", max_length=50)
    severity = models.CharField("严重程度", max_length=20)
    id_number = models.CharField("身份证号码", max_length=32, db_index=True)
    name = models.CharField("姓名", max_length=100, blank=True)
    facility_code = models.CharField("场所编码", max_length=50, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.TO_ASSIGN
    )
    key = models.JSONField("关键字段", default=dict)
    evidence = models.JSONField("证据", default=dict, encoder=DjangoJSONEncoder)
    message = models.TextField("线索描述")
    as_of = models.DateField("数据截止日期")
    # Empty for a manual lead (a problem a procurator found on site): no run found it.
    first_seen_run = models.ForeignKey(
        ModelRun,
        verbose_name="首次命中的运行",
        on_delete=models.PROTECT,
        related_name="first_seen_leads",
        null=True,
        blank=True,
    )
    last_seen_run = models.ForeignKey(
        ModelRun,
        verbose_name="最近命中的运行",
        on_delete=models.PROTECT,
        related_name="last_seen_leads",
        null=True,
        blank=True,
    )
    dropped_by_run = models.ForeignKey(
        ModelRun,
        verbose_name="判定不再命中的运行",
        on_delete=models.PROTECT,
        related_name="dropped_leads",
        null=True,
        blank=True,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        on_delete=models.PROTECT,
        related_name="assigned_leads",
        null=True,
        blank=True,
    )
    measure = models.CharField("监督措施", max_length=10, choices=Measure.choices, blank=True)
    due_date = models.DateField("整改回复期限", null=True, blank=True)
    reply_date = models.DateField("整改回复日期", null=True, blank=True)
    reply_text = models.TextField("整改回复情况", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        indexes = (
            # Lists filter by status, by facility (the supervising unit) or by model,
            # newest first; a complete run looks up its model's open leads.
            models.Index(fields=["status", "-created_at"], name="lead_status_created_idx"),
            models.Index(
                fields=["facility_code", "status", "-created_at"], name="lead_facility_idx"
            ),
            models.Index(fields=["model_id", "status"], name="lead_model_status_idx"),
            models.Index(fields=["-created_at"], name="lead_created_idx"),
            # The list filtered by model, newest first.
            models.Index(fields=["model_id", "-created_at"], name="lead_model_created_idx"),
            # "Assigned to me" and the assignee filter of the list.
            models.Index(fields=["assignee", "-created_at"], name="lead_assignee_created_idx"),
            # 人员档案's search by exact name.
            models.Index(fields=["name"], name="lead_name_idx"),
        )

    def __str__(self) -> str:
        return f"{self.model_name}：{self.name or self.id_number}（{self.status}）"

    @property
    def is_manual(self) -> bool:
        return self.model_id == MANUAL_MODEL_ID


class LeadEvent(AppendOnly):
    """One change of a lead's status: who or which run made it, and why. Append-only."""

    lead = models.ForeignKey(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="events"
    )
    run = models.ForeignKey(
        ModelRun,
        verbose_name="模型运行",
        on_delete=models.PROTECT,
        related_name="lead_events",
        null=True,
        blank=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        related_name="lead_events",
        null=True,
        blank=True,
    )
    from_status = models.CharField("原状态", max_length=10, choices=Lead.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=Lead.Status.choices)
    reason = models.TextField("原因", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索记录"
        verbose_name_plural = "线索记录"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class LeadComment(AppendOnly):
    """A remark on a lead by anyone who may see it: the assignee's colleagues, a circuit
    team member with a grant, a head. It changes nothing about the lead. Append-only."""

    lead = models.ForeignKey(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发表人",
        on_delete=models.PROTECT,
        related_name="lead_comments",
    )
    text = models.TextField("意见")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索意见"
        verbose_name_plural = "线索意见"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.author}：{self.text[:20]}"


class DocumentKind(models.TextChoices):
    NOTICE = "纠正违法通知书", "纠正违法通知书"
    RECOMMENDATION = "检察建议书", "检察建议书"


class DocumentSequence(models.Model):
    """The last number a unit gave to one kind of document in one year; its row is locked
    while a number is taken, so two documents never share a number."""

    unit = models.ForeignKey(
        "accounts.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("文书种类", max_length=10, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    last_serial = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "文书编号"
        verbose_name_plural = "文书编号"
        constraints = (
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="document_sequence_once"),
        )


class LeadDocument(models.Model):
    """A legal document issued on a lead: its number and the .docx as issued."""

    lead = models.ForeignKey(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文书种类", max_length=10, choices=DocumentKind.choices)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=50)
    addressee = models.CharField("主送单位", max_length=200)
    issued_on = models.DateField("发文日期")
    due_date = models.DateField("回复期限")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制发人",
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    content = models.BinaryField("文书文件")
    created_at = models.DateTimeField("制发时间", auto_now_add=True)

    class Meta:
        verbose_name = "法律文书"
        verbose_name_plural = "法律文书"
        ordering = ("created_at", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=["unit", "kind", "year", "serial"], name="document_number_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    @property
    def filename(self) -> str:
        return f"{self.kind}{self.number}.docx"
