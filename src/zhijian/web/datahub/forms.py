"""The upload form: a dataset of the standard and a file in a format the importer reads."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile

from zhijian.warehouse.ingest import SUFFIXES
from zhijian.warehouse.standard import import_order


def dataset_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The datasets grouped by the standard's sections, reference data first."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for dataset in import_order():
        groups.setdefault(dataset.section, []).append(
            (dataset.name, f"{dataset.label}（{dataset.name}）")
        )
    return list(groups.items())


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(label="数据集", choices=dataset_choices)
    file = forms.FileField(
        label="数据文件",
        help_text="CSV（UTF-8 或 GBK）、TXT、XLSX/XLS、Parquet 或 JSON Lines",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    source = forms.CharField(
        label="数据来源", max_length=100, required=False, help_text="报送单位或系统名称（可不填）"
    )
    sheet = forms.CharField(
        label="Excel 工作表", max_length=100, required=False, help_text="默认第一个工作表"
    )

    def clean_file(self) -> UploadedFile[bytes]:
        uploaded: UploadedFile[bytes] = self.cleaned_data["file"]
        suffix = Path(uploaded.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(
                f"不支持的文件类型“{suffix or '无扩展名'}”，可用：{'、'.join(SUFFIXES)}"
            )
        return uploaded
