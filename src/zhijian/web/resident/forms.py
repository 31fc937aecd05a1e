"""The resident pages' forms. Each form's cleaned data is what its action takes; the
facility choices are the user's writable facilities, so a forged facility code is a
form error, never a record at another office."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from zhijian.law.idnumber import is_valid_id_number
from zhijian.web.accounts.models import SupervisedFacility, Unit
from zhijian.web.dates import BoundedDates, parse_month
from zhijian.web.resident.actions import LOG_FIELDS
from zhijian.web.resident.models import (
    AREAS,
    CHECK_RESULTS,
    CHECKLIST,
    Complaint,
    DailyLog,
    Inspection,
    Problem,
    Talk,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3, "cols": 80})
MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class FacilityField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def facility_field(facilities: QuerySet[SupervisedFacility]) -> FacilityField:
    field = FacilityField(
        queryset=facilities.order_by("facility_code"),
        label="派驻场所",
        to_field_name="facility_code",
        empty_label=None,
        error_messages={"invalid_choice": "请选择本院派驻的场所"},
    )
    return field


class LogStartForm(BoundedDates, forms.Form):
    """Which facility and day a new log is for."""

    day = forms.DateField(label="日期", widget=DATE_INPUT)

    def __init__(self, *args: Any, facilities: QuerySet[SupervisedFacility], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"facility": facility_field(facilities), **self.fields}

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("不能填写今天以后的检察日志")
        return day


class LogForm(forms.ModelForm):  # type: ignore[type-arg]
    areas = forms.MultipleChoiceField(
        label="巡视场所",
        choices=[(a, a) for a in AREAS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DailyLog
        fields = LOG_FIELDS
        widgets: ClassVar[dict[str, Any]] = {
            name: TEXT
            for name in ("area_notes", "video_checks", "talks", "complaints", "meetings", "notes")
        }


class AmendForm(LogForm):
    reason = forms.CharField(label="更正理由", widget=TEXT)


class ProblemForm(forms.ModelForm):  # type: ignore[type-arg]
    reason = forms.CharField(label="更正理由（日志已提交时必填）", widget=TEXT, required=False)

    class Meta:
        model = Problem
        fields = ("category", "description", "handling", "id_number", "person_name")
        widgets: ClassVar[dict[str, Any]] = {"description": TEXT}

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data.get("id_number", "").strip().upper()
        return value


class InspectionProblemForm(ProblemForm):
    reason = None  # type: ignore[assignment]  # an inspection is not locked
    category = forms.ChoiceField(
        label="检查项目",
        choices=[("", "其他"), *((v, v) for v in CHECKLIST.values())],
        required=False,
    )

    class Meta(ProblemForm.Meta):
        fields = ("category", "description", "handling", "id_number", "person_name")


class PhotoForm(forms.Form):
    image = forms.FileField(
        label="照片（JPG 或 PNG，不超过 5 MB）",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class RectificationForm(BoundedDates, forms.Form):
    requirement = forms.CharField(label="整改要求", widget=TEXT)
    due_date = forms.DateField(label="整改期限", widget=DATE_INPUT)


class FollowUpForm(BoundedDates, forms.Form):
    note = forms.CharField(label="跟踪情况", widget=TEXT)
    on = forms.DateField(label="跟踪日期", widget=DATE_INPUT)
    completed = forms.BooleanField(label="已整改完毕", required=False)

    def clean_on(self) -> date:
        on: date = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError("跟踪日期不能晚于今天")
        return on


class InspectionForm(BoundedDates, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Inspection
        fields = ("day", "kind", "inspectors", "summary")
        widgets: ClassVar[dict[str, Any]] = {"day": DATE_INPUT, "summary": TEXT}

    def __init__(self, *args: Any, facilities: QuerySet[SupervisedFacility], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"facility": facility_field(facilities), **self.fields}
        for code, label in CHECKLIST.items():
            self.fields[f"check_{code}"] = forms.ChoiceField(
                label=label, choices=[(r, r) for r in CHECK_RESULTS], initial="未检查"
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=f"{label}说明", required=False, max_length=500
            )

    def checklist_rows(self) -> list[tuple[str, Any, Any]]:
        return [(label, self[f"check_{c}"], self[f"note_{c}"]) for c, label in CHECKLIST.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checklist = {}
        for code, label in CHECKLIST.items():
            result, note = data.get(f"check_{code}"), data.get(f"note_{code}", "")
            if result == "存在问题" and not note:
                self.add_error(f"note_{code}", f"“{label}”存在问题，请写明情况")
            checklist[code] = {"result": result, "note": note}
        data["checklist"] = checklist
        return data


class TalkForm(BoundedDates, forms.ModelForm):  # type: ignore[type-arg]
    person = forms.CharField(
        label="身份证号或罪犯编号", max_length=50, help_text="在本场所的在押记录中查找"
    )

    class Meta:
        model = Talk
        fields = ("day", "kind", "subject", "content", "follow_up")
        widgets: ClassVar[dict[str, Any]] = {"day": DATE_INPUT, "content": TEXT, "follow_up": TEXT}

    def __init__(self, *args: Any, facilities: QuerySet[SupervisedFacility], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"facility": facility_field(facilities), **self.fields}


class ComplaintForm(BoundedDates, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Complaint
        fields = (
            "received_on",
            "kind",
            "complainant",
            "complainant_id_number",
            "content",
            "is_investigation_clue",
        )
        widgets: ClassVar[dict[str, Any]] = {"received_on": DATE_INPUT, "content": TEXT}

    def __init__(self, *args: Any, facilities: QuerySet[SupervisedFacility], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"facility": facility_field(facilities), **self.fields}

    def clean_complainant_id_number(self) -> str:
        value: str = self.cleaned_data.get("complainant_id_number", "").strip().upper()
        if value and not is_valid_id_number(value):
            raise forms.ValidationError("身份证号码格式或校验位不正确")
        return value


class ComplaintProgressForm(BoundedDates, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Complaint
        fields = ("transferred_to", "transferred_on", "result", "replied_on", "reply")
        widgets: ClassVar[dict[str, Any]] = {
            "transferred_on": DATE_INPUT,
            "replied_on": DATE_INPUT,
            "result": TEXT,
            "reply": TEXT,
        }


class PeriodForm(BoundedDates, forms.Form):
    """A unit the user sees and a period (default: this year up to today)."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="单位", required=False)
    start = forms.DateField(label="起始日期", widget=DATE_INPUT, required=False)
    end = forms.DateField(label="截止日期", widget=DATE_INPUT, required=False)

    def __init__(
        self, *args: Any, units: QuerySet[Unit], latest: date | None = None, **kwargs: Any
    ):
        """``latest``: the day of the latest record in scope; without dates the period is
        its calendar year (up to today), or this year when there is no record."""
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units
        unit_field.empty_label = "本单位"
        self.latest = latest

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        year = (self.latest or today).year
        data["start"] = data.get("start") or date(year, 1, 1)
        data["end"] = data.get("end") or min(date(year, 12, 31), today)
        if data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        if (data["end"] - data["start"]).days > 366 * 5:
            raise forms.ValidationError("统计期间不能超过五年")
        return data


class MonthForm(forms.Form):
    month = forms.CharField(label="月份", widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args: Any, facilities: QuerySet[SupervisedFacility], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields = {"facility": facility_field(facilities), **self.fields}

    def clean_month(self) -> date:
        return parse_month(self.cleaned_data["month"])
