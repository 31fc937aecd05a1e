"""The Chinese admin pages for units, facilities, users and grants. Only 系统管理员 open
them, and each administers their own unit and the units below it (the 省院's, everything):
the lists, the choices offered in every form and the objects that can be opened are
limited to that scope (``accounts.scope``), so an administrator can neither see nor
change, grant or move anything above or beside their unit. Every save and delete writes
an audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet
from django.http import HttpRequest

from zhijian.web.accounts import access, scope
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit, User
from zhijian.web.audit.chain import record


def _admin_site_permission(request: HttpRequest) -> bool:
    return bool(request.user.is_active and access.is_admin(request.user))


admin.site.has_permission = _admin_site_permission  # type: ignore[method-assign]
admin.site.site_header = admin.site.site_title = "智慧执检 系统管理"
admin.site.index_title = "本单位及下级单位的管理"
# Groups would hand out Django's own permissions beside the roles: not used.
admin.site.unregister(Group)


def _facility_code(obj: Model) -> str:
    """The facility an edited facility or grant is about, so that the administrators who
    supervise it see the audit row too."""
    if isinstance(obj, SupervisedFacility):
        return obj.facility_code
    if isinstance(obj, FacilityGrant):
        return obj.facility.facility_code
    return ""


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Administrators (by role) may change the objects of their scope; each change is
    audited. Subclasses say what the scope is (``scoped``) and which related objects a
    form may offer (``choices``)."""

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not access.is_admin(request.user):
            return queryset.none()
        return self.scoped(request, queryset)

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        if not access.is_admin(request.user):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._in_scope(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in scope.CHOICES:
            kwargs["queryset"] = scope.CHOICES[db_field.name](request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in scope.CHOICES:
            kwargs["queryset"] = scope.CHOICES[db_field.name](request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                request.user,
                f"{'修改' if change else '新增'}{obj._meta.verbose_name}",
                object_type=str(obj._meta.verbose_name),
                object_id=obj.pk,
                detail={"fields": sorted(form.changed_data)},
                facility_code=_facility_code(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record(
                request.user,
                f"删除{obj._meta.verbose_name}",
                object_type=str(obj._meta.verbose_name),
                object_id=obj.pk,
                facility_code=_facility_code(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class UnitForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_parent(self) -> Unit | None:
        parent: Unit | None = self.cleaned_data.get("parent")
        if "parent" not in self.fields:
            return self.instance.parent if self.instance.pk else parent
        if parent is None:
            raise forms.ValidationError("请选择上级单位：全省只有一个省院，其余单位都在其下")
        if self.instance.pk and parent.path.startswith(self.instance.path):
            raise forms.ValidationError("上级单位不能是本单位或本单位的下级单位")
        return parent


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    form = UnitForm
    list_display = ("name", "kind", "parent", "short_name", "region_code")
    list_filter = ("kind",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=access.visible_units(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # The administrator's own unit stays where it is: its parent is outside their
        # scope, and moving it would carry them with it. (The root has no parent.)
        own_unit = getattr(request.user, "unit_id", None)
        if isinstance(obj, Unit) and (obj.pk == own_unit or obj.parent_id is None):
            return ("parent",)
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        own = obj is not None and obj.pk == getattr(request.user, "unit_id", None)
        return not own and super().has_delete_permission(request, obj)


@admin.register(SupervisedFacility)
class SupervisedFacilityAdmin(AuditedAdmin):
    list_display = ("facility_code", "name", "facility_type", "unit")
    list_filter = ("facility_type",)
    search_fields = ("facility_code", "name", "unit__name")
    autocomplete_fields = ("unit",)

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(unit__in=access.visible_units(request.user))


class GrantForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_at", "结束时间应晚于开始时间")
        return cleaned


@admin.register(FacilityGrant)
class FacilityGrantAdmin(AuditedAdmin):
    form = GrantForm
    list_display = ("user", "facility", "starts_at", "ends_at", "reason", "granted_by")
    autocomplete_fields = ("user", "facility")
    exclude = ("granted_by",)

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # A grant is the granting unit's: it hands out one of its own facilities.
        return queryset.filter(facility__unit__in=access.visible_units(request.user))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    """The six roles are fixed: listed, never renamed, added or removed."""

    list_display = ("code",)

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
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
        ("状态", {"fields": ("is_active", "last_login", "date_joined")}),
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

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return scope.administered_users(request.user, queryset)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # Nobody moves themselves to another unit or hands themselves roles.
        if obj is not None and obj.pk == request.user.pk:
            return (*self.readonly_fields, "unit", "roles", "is_active")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The admin pages open to 系统管理员 by role; ``is_staff`` follows the role.
        user = form.instance
        is_admin = user.roles.filter(code=Role.Code.ADMIN).exists()
        if user.is_staff != is_admin:
            User.objects.filter(pk=user.pk).update(is_staff=is_admin)
