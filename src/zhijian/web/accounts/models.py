"""Units, supervised facilities, users with roles, and time-limited facility grants."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Unit(models.Model):
    """A procuratorate or one of its offices: 省院 → 市院 → 基层院 / 派出院 → 派驻检察室.

    ``path`` holds the primary keys from the root down (``/1/4/17/``), so a unit's
    descendants are one ``startswith`` query."""

    class Kind(models.TextChoices):
        PROVINCE = "省院", "省院"
        CITY = "市院", "市院"
        BASIC = "基层院", "基层院"
        DETACHED = "派出院", "派出院"
        RESIDENT_OFFICE = "派驻检察室", "派驻检察室"

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField(
        "文号简称", max_length=20, help_text="文书编号中的机关代字，如“济检”"
    )
    kind = models.CharField("单位层级", max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    region_code = models.CharField("所在地区划", max_length=12, blank=True)
    path = models.CharField("层级路径", max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ("path",)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent else "/"
        path = f"{parent_path}{self.pk}/"
        if path != self.path:
            old = self.path
            self.path = path
            Unit.objects.filter(pk=self.pk).update(path=path)
            if old:
                # A moved unit takes its subtree along.
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.path = path + child.path.removeprefix(old)
                    Unit.objects.filter(pk=child.pk).update(path=child.path)

    def descendants_and_self(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)


class SupervisedFacility(models.Model):
    """A prison, detention centre or corrections agency and the unit that supervises it
    (seeded from ``facilities.supervising_procuratorate``; editable)."""

    facility_code = models.CharField("场所编码", max_length=50, unique=True)
    name = models.CharField("场所名称", max_length=200)
    facility_type = models.CharField("场所类型", max_length=20)
    region_code = models.CharField("所在地区划", max_length=12, blank=True)
    city_code = models.CharField("所在城市", max_length=12, blank=True, db_index=True)
    unit = models.ForeignKey(
        Unit, verbose_name="监督单位", on_delete=models.PROTECT, related_name="facilities"
    )

    class Meta:
        verbose_name = "监督场所"
        verbose_name_plural = "监督场所"
        ordering = ("facility_code",)

    def __str__(self) -> str:
        return f"{self.name}（{self.facility_code}）"


class Role(models.Model):
    """One of the six roles; a user may hold several."""

    class Code(models.TextChoices):
        RESIDENT = "派驻检察官", "派驻检察官"
        CIRCUIT = "巡回检察组成员", "巡回检察组成员"
        MODELLER = "建模人员", "建模人员"
        INVESTIGATOR = "侦查人员", "侦查人员"
        HEAD = "部门负责人", "部门负责人"
        ADMIN = "系统管理员", "系统管理员"

    code = models.CharField("角色", max_length=20, choices=Code.choices, unique=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.code


class User(AbstractUser):
    """A person who logs in: one unit, any of the six roles."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="所在单位",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    roles = models.ManyToManyField(Role, verbose_name="角色", blank=True, related_name="users")

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> frozenset[str]:
        """The user's roles (cached with their access, see ``access.access_of``)."""
        if not self.pk:
            return frozenset()
        from zhijian.web.accounts.access import access_of

        return access_of(self).roles

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))


class FacilityGrantQuerySet(models.QuerySet["FacilityGrant"]):
    def active(self) -> FacilityGrantQuerySet:
        now = timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)


class FacilityGrant(models.Model):
    """Time-limited access to one facility, for a circuit-inspection team member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权用户",
        on_delete=models.CASCADE,
        related_name="facility_grants",
    )
    facility = models.ForeignKey(
        SupervisedFacility, verbose_name="场所", on_delete=models.CASCADE, related_name="grants"
    )
    starts_at = models.DateTimeField("开始时间", default=timezone.now)
    ends_at = models.DateTimeField("结束时间")
    reason = models.CharField("事由", max_length=200, help_text="如：2026年第四轮巡回检察")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = FacilityGrantQuerySet.as_manager()

    class Meta:
        verbose_name = "临时授权"
        verbose_name_plural = "临时授权"

    def __str__(self) -> str:
        return f"{self.user} → {self.facility}（至 {self.ends_at:%Y-%m-%d %H:%M}）"


class AccessStamp(models.Model):
    """One row whose ``stamp`` takes a new random value whenever what decides access
    changes: a unit, a supervised facility, a grant, a role, a user's roles, or a user's
    unit, name or active flag. Database triggers set it (migration 0003), so a change made
    by any path (the admin pages, an action, a bulk update, plain SQL) is seen. What is
    computed from access data is cached per server process against the stamp, which is
    read with the user on every request (``backends.UnitModelBackend``)."""

    stamp = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = "权限数据版本"
        verbose_name_plural = "权限数据版本"
