"""The admin page of the registered data sources: the 省院's administrators register,
change and withdraw them; an administrator below the 省院 reads those of their units."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from zhijian.warehouse.standard import DATASETS, ScopeKind
from zhijian.web.accounts import access
from zhijian.web.accounts.admin import AuditedAdmin
from zhijian.web.datahub.models import DataSource


def province_datasets() -> list[tuple[str, str]]:
    """The datasets a unit may import whole only through a registered source."""
    return [
        (name, f"{dataset.label}（{name}）")
        for name, dataset in DATASETS.items()
        if dataset.write_rule.kind is ScopeKind.PROVINCE
    ]


class DataSourceForm(forms.ModelForm):  # type: ignore[type-arg]
    datasets = forms.MultipleChoiceField(
        label="可导入的数据集",
        choices=province_datasets,
        widget=forms.CheckboxSelectMultiple,
        help_text="按场所或地区划分的数据集（在押、刑罚变更、社区矫正等）各单位按监督范围导入，无须登记",
    )

    class Meta:
        model = DataSource
        fields = ("name", "unit", "datasets", "note", "is_active")


@admin.register(DataSource)
class DataSourceAdmin(AuditedAdmin):
    form = DataSourceForm
    list_display = ("name", "unit", "dataset_names", "is_active", "registered_by", "registered_at")
    list_filter = ("is_active",)
    search_fields = ("name", "unit__name")
    autocomplete_fields = ("unit",)

    def scoped(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(unit__in=access.visible_units(request.user))

    @admin.display(description="可导入的数据集")
    def dataset_names(self, source: DataSource) -> str:
        return source.dataset_labels

    def _registers(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user) and access.sees_everything(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._registers(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._registers(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._registers(request) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.registered_by = request.user
        super().save_model(request, obj, form, change)
