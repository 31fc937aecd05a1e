"""The 立即运行 form: the query date and one field per model parameter."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import ModelSpec, Param

EARLIEST_AS_OF = date(1979, 7, 1)  # 1979 年刑法通过之日：更早的查询日没有意义


def _param_field(param: Param) -> forms.Field:
    common: dict[str, Any] = {
        "label": param.name,
        "help_text": param.description,
        "initial": param.default,
    }
    if param.type == "int":
        return forms.IntegerField(min_value=0, **common)
    if param.type == "number":
        return forms.FloatField(min_value=0, **common)
    if param.type == "bool":
        return forms.BooleanField(required=False, **common)
    return forms.CharField(max_length=200, required=bool(param.default), **common)


class RunModelForm(forms.Form):
    """``cleaned_data`` gives ``as_of`` and ``overrides`` (every parameter, typed by
    the model's own coercion)."""

    as_of = forms.DateField(
        label="数据查询日",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="按这一天的情况判断",
    )

    def __init__(self, spec: ModelSpec, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["as_of"].initial = timezone.localdate()
        for param in spec.params:
            self.fields[f"param_{param.name}"] = _param_field(param)

    def clean_as_of(self) -> date:
        as_of: date = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("数据查询日不能晚于今天")
        if as_of < EARLIEST_AS_OF:
            raise forms.ValidationError("数据查询日过早")
        return as_of

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        overrides: dict[str, Any] = {}
        for param in self.spec.params:
            field = f"param_{param.name}"
            if field not in cleaned:
                continue  # the field's own error is shown
            try:
                overrides[param.name] = self.spec.coerce_param(param.name, cleaned[field])
            except ModelError as error:
                self.add_error(field, str(error))
        cleaned["overrides"] = overrides
        return cleaned
