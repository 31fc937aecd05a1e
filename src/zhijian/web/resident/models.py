"""The resident office's records: daily logs (with their amendments), safety inspections,
problems found (in a log or an inspection) with photos and rectification items, talks
with inmates, and complaints.

Every record belongs to one supervised facility and, through it, to the office that
supervised the facility when the record was written (``office``): scoping follows the
facility, counting by office follows ``office``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

# The day's population and its changes, in the log's order: field → label.
COUNT_FIELDS: dict[str, str] = {
    "population": "在押（在册）人数",
    "admitted": "收押",
    "released": "释放",
    "transferred_in": "调入",
    "transferred_out": "调出",
    "deaths": "死亡",
    "escapes": "脱逃",
    "temporary_release": "暂予监外执行",
    "outside_medical": "所外就医",
}

# Areas a resident procurator walks through (刑诉规则第六百二十三条 names 禁闭室、会见室、
# 监区、监舍; the rest are the places the issue lists).
AREAS: tuple[str, ...] = ("监区", "监室", "禁闭室", "会见室", "劳动现场", "医务室")

# The safety-inspection checklist: code → label.
CHECKLIST: dict[str, str] = {
    "walls": "围墙及警戒设施",
    "locks": "监室门锁",
    "windows": "门窗及墙壁",
    "bed_boards": "铺板",
    "kitchen": "食堂及食品储藏",
    "medicines": "医务室及药品存放",
    "prohibited": "违禁品查获情况",
    "cameras": "摄像头及报警装置",
    "high_risk": "重大安全风险人员管控",
}
CHECK_RESULTS: tuple[str, ...] = ("正常", "存在问题", "未检查")


class FacilityRecord(models.Model):
    """What every resident record has: the facility, the office, who wrote it and when."""

    facility = models.ForeignKey(
        "accounts.SupervisedFacility",
        verbose_name="派驻场所",
        on_delete=models.PROTECT,
        related_name="+",
    )
    office = models.ForeignKey(
        "accounts.Unit", verbose_name="派驻检察室", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        abstract = True


class DailyLog(FacilityRecord):
    """检察日志: one per facility and day. A draft is edited freely; a submitted log is
    locked and changes only by an amendment, which keeps the replaced version."""

    class Status(models.TextChoices):
        DRAFT = "草稿", "草稿"
        SUBMITTED = "已提交", "已提交"

    day = models.DateField("日期")
    status = models.CharField("状态", max_length=5, choices=Status.choices, default=Status.DRAFT)
    population = models.PositiveIntegerField(COUNT_FIELDS["population"], null=True, blank=True)
    admitted = models.PositiveIntegerField(COUNT_FIELDS["admitted"], null=True, blank=True)
    released = models.PositiveIntegerField(COUNT_FIELDS["released"], null=True, blank=True)
    transferred_in = models.PositiveIntegerField(
        COUNT_FIELDS["transferred_in"], null=True, blank=True
    )
    transferred_out = models.PositiveIntegerField(
        COUNT_FIELDS["transferred_out"], null=True, blank=True
    )
    deaths = models.PositiveIntegerField(COUNT_FIELDS["deaths"], null=True, blank=True)
    escapes = models.PositiveIntegerField(COUNT_FIELDS["escapes"], null=True, blank=True)
    temporary_release = models.PositiveIntegerField(
        COUNT_FIELDS["temporary_release"], null=True, blank=True
    )
    outside_medical = models.PositiveIntegerField(
        COUNT_FIELDS["outside_medical"], null=True, blank=True
    )
    prefilled = models.JSONField(
        "数据仓库预填值", default=dict, blank=True, help_text="创建时从数据仓库取得的人数"
    )
    areas = models.JSONField("巡视场所", default=list, blank=True)
    area_notes = models.TextField("巡视情况", blank=True)
    video_checks = models.TextField("监控抽查情况", blank=True)
    talks = models.TextField("谈话情况", blank=True)
    complaints = models.TextField("接收控告、举报、申诉情况", blank=True)
    meetings = models.TextField("列席会议情况", blank=True)
    notes = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检察日志"
        verbose_name_plural = "检察日志"
        ordering = ("-day", "facility_id")
        constraints = (
            models.UniqueConstraint(fields=["facility", "day"], name="resident_log_once_a_day"),
        )
        indexes = (models.Index(fields=["office", "day"], name="resident_log_office_day_idx"),)

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 检察日志"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def counts(self) -> list[tuple[str, str, int | None, int | None]]:
        """(field, label, value, value pre-filled from the warehouse) in the log's order."""
        return [
            (name, label, getattr(self, name), self.prefilled.get(name))
            for name, label in COUNT_FIELDS.items()
        ]


class LogRevision(models.Model):
    """A submitted log's content as it was before an amendment. Append-only."""

    log = models.ForeignKey(
        DailyLog, verbose_name="检察日志", on_delete=models.PROTECT, related_name="revisions"
    )
    version = models.PositiveIntegerField("被更正的版本")
    content = models.JSONField("原内容", encoder=DjangoJSONEncoder)
    reason = models.TextField("更正理由")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更正人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("更正时间", auto_now_add=True)

    class Meta:
        verbose_name = "日志更正记录"
        verbose_name_plural = "日志更正记录"
        ordering = ("version",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("更正记录只能新增，不能修改")
        super().save(*args, **kwargs)


class Inspection(FacilityRecord):
    """安全防范检察: a scheduled or ad hoc inspection and its checklist."""

    class Kind(models.TextChoices):
        SCHEDULED = "定期检查", "定期检查"
        AD_HOC = "临时检查", "临时检查"
        HOLIDAY = "节前安全大检查", "节前安全大检查"

    day = models.DateField("检查日期")
    kind = models.CharField("检查类型", max_length=10, choices=Kind.choices)
    inspectors = models.CharField("检查人员", max_length=200)
    checklist = models.JSONField(
        "检查项目", default=dict, help_text="项目编码 → {result: 正常/存在问题/未检查, note}"
    )
    summary = models.TextField("检查情况", blank=True)

    class Meta:
        verbose_name = "安全防范检察"
        verbose_name_plural = "安全防范检察"
        ordering = ("-day", "-pk")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.kind}"

    def items(self) -> list[tuple[str, str, str, str]]:
        """(code, label, result, note) for every checklist item."""
        return [
            (
                code,
                label,
                str(self.checklist.get(code, {}).get("result", "未检查")),
                str(self.checklist.get(code, {}).get("note", "")),
            )
            for code, label in CHECKLIST.items()
        ]


class Problem(FacilityRecord):
    """A problem found in a log or in an inspection, how it was handled, and the lead it
    became (刑诉规则第六百二十四条: 口头纠正, 纠正违法, 检察建议)."""

    class Handling(models.TextChoices):
        ORAL = "口头纠正", "口头纠正"
        NOTICE = "纠正违法", "纠正违法"
        RECOMMENDATION = "检察建议", "检察建议"
        LEAD = "转为线索", "转为线索"

    log = models.ForeignKey(
        DailyLog,
        verbose_name="检察日志",
        on_delete=models.PROTECT,
        related_name="problems",
        null=True,
        blank=True,
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name="安全防范检察",
        on_delete=models.PROTECT,
        related_name="problems",
        null=True,
        blank=True,
    )
    found_on = models.DateField("发现日期")
    category = models.CharField("问题类别", max_length=30, blank=True)
    description = models.TextField("问题描述")
    handling = models.CharField("处理方式", max_length=5, choices=Handling.choices)
    id_number = models.CharField("涉及人员身份证号", max_length=32, blank=True)
    person_name = models.CharField("涉及人员姓名", max_length=100, blank=True)
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name="线索",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ("-found_on", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=Q(log__isnull=False, inspection__isnull=True)
                | Q(log__isnull=True, inspection__isnull=False),
                name="resident_problem_one_source",
            ),
        )

    def __str__(self) -> str:
        return self.description[:30]

    @property
    def source_label(self) -> str:
        return "检察日志" if self.log_id else "安全防范检察"


class ProblemPhoto(models.Model):
    """A photo of a problem, stored under ``MEDIA_ROOT`` and served only through the
    access check."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="photos"
    )
    image = models.FileField("照片", upload_to="resident/photos/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=30)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题照片"
        verbose_name_plural = "问题照片"
        ordering = ("pk",)


class Rectification(models.Model):
    """整改事项: what the facility must put right, by when, and its follow-up."""

    class Status(models.TextChoices):
        OPEN = "整改中", "整改中"
        DONE = "已整改", "已整改"

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="rectifications"
    )
    requirement = models.TextField("整改要求")
    due_date = models.DateField("整改期限")
    status = models.CharField("状态", max_length=5, choices=Status.choices, default=Status.OPEN)
    follow_up = models.TextField("跟踪情况", blank=True)
    followed_up_on = models.DateField("最近跟踪日期", null=True, blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ("due_date", "pk")

    def is_overdue(self, today: date) -> bool:
        return self.status == self.Status.OPEN and self.due_date < today


class Talk(FacilityRecord):
    """谈话教育 or 约见: a talk with one inmate, found in the warehouse by ID number or
    inmate number."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "个别谈话", "个别谈话"
        REQUESTED = "约见", "约见"
        ADMISSION = "新收押谈话", "新收押谈话"
        RELEASE = "出监谈话", "出监谈话"

    day = models.DateField("谈话日期")
    kind = models.CharField("谈话类型", max_length=10, choices=Kind.choices)
    id_number = models.CharField("身份证号", max_length=32)
    name = models.CharField("姓名", max_length=100)
    inmate_number = models.CharField("罪犯编号", max_length=50, blank=True)
    subject = models.CharField("谈话事由", max_length=200)
    content = models.TextField("谈话内容")
    follow_up = models.TextField("处理情况", blank=True)

    class Meta:
        verbose_name = "谈话教育"
        verbose_name_plural = "谈话教育"
        ordering = ("-day", "-pk")
        indexes = (models.Index(fields=["office", "day"], name="resident_talk_office_day_idx"),)

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.kind} {self.name}"


# 刑诉规则第一百六十六条：“……属于人民检察院直接受理侦查案件线索的，应当在七日以内移送
# 负责侦查的部门。”刑事诉讼法第一百零五条：“期间开始的时和日不算在期间以内。”
CLUE_TRANSFER_DAYS = 7


class Complaint(FacilityRecord):
    """控告、举报、申诉: received, transferred, answered. A complaint that is a clue of a
    crime the procuratorate investigates itself must be transferred within 7 days."""

    class Kind(models.TextChoices):
        ACCUSATION = "控告", "控告"
        REPORT = "举报", "举报"
        APPEAL = "申诉", "申诉"

    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("登记序号")
    received_on = models.DateField("收到日期")
    kind = models.CharField("类别", max_length=5, choices=Kind.choices)
    complainant = models.CharField("控告人/举报人/申诉人", max_length=100)
    complainant_id_number = models.CharField("身份证号", max_length=32, blank=True)
    content = models.TextField("主要内容")
    is_investigation_clue = models.BooleanField("属于检察机关直接受理侦查的案件线索", default=False)
    transferred_to = models.CharField("移送部门", max_length=100, blank=True)
    transferred_on = models.DateField("移送日期", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True)

    class Meta:
        verbose_name = "控告、举报、申诉"
        verbose_name_plural = "控告、举报、申诉"
        ordering = ("-received_on", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=["office", "year", "serial"], name="resident_complaint_number_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.number} {self.kind}"

    @property
    def number(self) -> str:
        return f"{self.year}-{self.serial:03d}"

    @property
    def transfer_due(self) -> date | None:
        """The last day to transfer an investigation clue, or None for other complaints."""
        if not self.is_investigation_clue:
            return None
        return self.received_on + timedelta(days=CLUE_TRANSFER_DAYS)

    def transfer_overdue(self, today: date) -> bool:
        due = self.transfer_due
        if due is None:
            return False
        done = self.transferred_on
        return done > due if done is not None else today > due
