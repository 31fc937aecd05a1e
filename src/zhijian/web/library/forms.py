"""The library's forms: 立即运行 (the query date and one field per model parameter) and
the upload of a model's two files."""

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


# A model's yml (with its tests' rows) and its SQL are text a person writes: larger
# files are not a model.
MAX_UPLOAD_BYTES = 512 * 1024


class UploadModelForm(forms.Form):
    """Two files, ``<编号>.yml`` and ``<编号>.sql``, as in a library folder;
    ``cleaned_data`` gives ``model_id``, ``yml_text`` and ``sql_text``."""

    yml_file = forms.FileField(label="模型说明（<编号>.yml）")
    sql_file = forms.FileField(label="模型查询（<编号>.sql）")

    def clean_yml_file(self) -> Any:
        return self._checked("yml_file", ".yml")

    def clean_sql_file(self) -> Any:
        return self._checked("sql_file", ".sql")

    def _checked(self, field: str, suffix: str) -> Any:
        upload = self.cleaned_data[field]
        if not upload.name.lower().endswith(suffix):
            raise forms.ValidationError(f"应上传 {suffix} 文件，收到的是 {upload.name}")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"文件 {upload.name} 超过 {MAX_UPLOAD_BYTES // 1024} KB，请精简后再上传"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        yml, sql = cleaned.get("yml_file"), cleaned.get("sql_file")
        if yml is None or sql is None:
            return cleaned  # the field's own error is shown
        model_id, sql_id = yml.name[: -len(".yml")], sql.name[: -len(".sql")]
        if model_id != sql_id:
            raise forms.ValidationError(
                f"两个文件应同名（<编号>.yml 与 <编号>.sql），收到的是 {yml.name} 与 {sql.name}"
            )
        cleaned["model_id"] = model_id
        cleaned["yml_text"] = _text(yml)
        cleaned["sql_text"] = _text(sql)
        return cleaned


def _text(upload: Any) -> str:
    data = upload.read()
    try:
        return str(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise forms.ValidationError(
            f"文件 {upload.name} 不是 UTF-8 编码，请另存为 UTF-8 后重新上传"
        ) from None
