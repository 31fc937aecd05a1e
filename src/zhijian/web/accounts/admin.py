"""The Chinese admin pages for units, facilities, users and grants. Only 系统管理员 open
them; every save and delete writes an audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from zhijian.web.accounts import access
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit, User
from zhijian.web.audit.chain import record


def _admin_site_permission(request: HttpRequest) -> bool:
    return bool(request.user.is_active and access.is_admin(request.user))


admin.site.has_permission = _admin_site_permission  # type: ignore[method-assign]


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Administrators (by role) may change these objects; each change is audited."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                request.user,
                f"{'修改' if change else '新增'}{obj._meta.verbose_name}",
                object_type=str(obj._meta.verbose_name),
                object_id=obj.pk,
                detail={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record(
                request.user,
                f"删除{obj._meta.verbose_name}",
                object_type=str(obj._meta.verbose_name),
                object_id=obj.pk,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "kind", "parent", "short_name", "region_code")
    list_filter = ("kind",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)


@admin.register(SupervisedFacility)
class SupervisedFacilityAdmin(AuditedAdmin):
    list_display = ("facility_code", "name", "facility_type", "unit")
    list_filter = ("facility_type",)
    search_fields = ("facility_code", "name", "unit__name")
    autocomplete_fields = ("unit",)


@admin.register(FacilityGrant)
class FacilityGrantAdmin(AuditedAdmin):
    list_display = ("user", "facility", "starts_at", "ends_at", "reason")
    autocomplete_fields = ("user", "facility")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(User)
class ZhijianUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "full_name", "unit", "is_active", "last_login")
    list_filter = ("is_active", "roles", "unit__kind")
    search_fields = ("username", "full_name", "unit__name")
    autocomplete_fields = ("unit",)
    filter_horizontal = ("roles",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("人员信息", {"fields": ("full_name", "unit", "roles")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "unit", "roles", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
