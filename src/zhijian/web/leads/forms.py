"""The lead pages' forms: the list's filters, and one form per workflow action whose
cleaned fields are exactly the action function's keyword arguments."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from zhijian.supervision.spec import CATEGORIES, SEVERITIES
from zhijian.synth.people import cities
from zhijian.web.accounts.access import (
    HANDLER_ROLES,
    facilities_by_code,
    per_stamp,
    visible_facility_codes,
    visible_units,
)
from zhijian.web.accounts.models import SupervisedFacility, User
from zhijian.web.dates import BoundedDates
from zhijian.web.leads.models import Lead, ModelRun

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class QuickSelect(forms.Select):
    """A ``<select>`` built in Python rather than through one template per option: the
    list's facility filter has hundreds of options for a province user, and Django's
    template-rendered widget made it the slowest part of the page. Same HTML semantics:
    every label and value escaped, the chosen value selected."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, attrs) | {"name": name}
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))


def handlers_for(user: Any) -> QuerySet[User]:
    """Active handlers of the user's unit and the units below it: whom they may assign."""
    return (
        User.objects.filter(
            is_active=True, unit__in=visible_units(user), roles__code__in=HANDLER_ROLES
        )
        .select_related("unit")
        .distinct()
        .order_by("username")
    )


def listed_handlers(user: Any) -> list[User]:
    """``handlers_for(user)`` as a list for a page to show, kept while access data is
    unchanged (a form that assigns still validates against ``handlers_for``)."""
    return per_stamp(user, ("handlers", user.unit_id), lambda: list(handlers_for(user)))


# The models that have run, for the model filter: read at most once a minute per process
# (a model's first run shows in the filter within the minute).
MODEL_CHOICES_SECONDS = 60
_model_choices: tuple[float, list[tuple[str, str]]] | None = None


def model_choices() -> list[tuple[str, str]]:
    global _model_choices
    now = time_module.monotonic()
    if _model_choices is None or now - _model_choices[0] >= MODEL_CHOICES_SECONDS:
        runs = ModelRun.objects.order_by("model_id").values_list("model_id", "model_name")
        _model_choices = (now, list(dict(runs.distinct()).items()))
    return _model_choices[1]


def clear_cache() -> None:
    """Forget the cached model choices (tests)."""
    global _model_choices
    _model_choices = None


def _choices(pairs: Any) -> list[tuple[str, str]]:
    return [("", "全部"), *pairs]


class LeadFilterForm(BoundedDates, forms.Form):
    model = forms.ChoiceField(widget=QuickSelect, label="模型", required=False)
    category = forms.ChoiceField(widget=QuickSelect, label="类别", required=False)
    facility = forms.ChoiceField(widget=QuickSelect, label="场所", required=False)
    city = forms.ChoiceField(widget=QuickSelect, label="城市", required=False)
    status = forms.ChoiceField(widget=QuickSelect, label="状态", required=False)
    severity = forms.ChoiceField(widget=QuickSelect, label="严重程度", required=False)
    created_from = forms.DateField(label="发现日期自", required=False, widget=DATE_INPUT)
    created_to = forms.DateField(label="至", required=False, widget=DATE_INPUT)
    assignee = forms.ChoiceField(widget=QuickSelect, label="承办人", required=False)
    mine = forms.BooleanField(label="分派给我的", required=False)

    def __init__(self, *args: Any, user: Any, handlers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["model"].choices = _choices(model_choices())  # type: ignore[attr-defined]
        fields["category"].choices = _choices((c, c) for c in CATEGORIES)  # type: ignore[attr-defined]
        codes = visible_facility_codes(user)
        fields["facility"].choices = _choices(  # type: ignore[attr-defined]
            (code, facility.name)
            for code, facility in sorted(facilities_by_code(user).items())
            if codes is None or code in codes
        )
        fields["city"].choices = _choices((code, name) for code, name in cities())  # type: ignore[attr-defined]
        fields["status"].choices = _choices(Lead.Status.choices)  # type: ignore[attr-defined]
        fields["severity"].choices = _choices((s, s) for s in SEVERITIES)  # type: ignore[attr-defined]
        fields["assignee"].choices = _choices((str(u.pk), str(u)) for u in handlers)  # type: ignore[attr-defined]

    def apply(self, leads: QuerySet[Lead], user: Any) -> QuerySet[Lead]:
        """The leads matching the valid filters (call after ``is_valid``)."""
        data = self.cleaned_data
        exact = {
            "model_id": data.get("model"),
            "category": data.get("category"),
            "facility_code": data.get("facility"),
            "status": data.get("status"),
            "severity": data.get("severity"),
            "assignee_id": data.get("assignee"),
        }
        leads = leads.filter(**{field: value for field, value in exact.items() if value})
        if data.get("city"):
            in_city = SupervisedFacility.objects.filter(city_code=data["city"])
            leads = leads.filter(facility_code__in=in_city.values("facility_code"))
        if data.get("mine"):
            leads = leads.filter(assignee=user)
        if data.get("created_from"):
            leads = leads.filter(created_at__gte=_start_of(data["created_from"]))
        if data.get("created_to"):
            leads = leads.filter(created_at__lt=_start_of(data["created_to"] + timedelta(days=1)))
        return leads


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the site's time zone (a range on the column keeps its index)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class ActionForm(BoundedDates, forms.Form):
    """A workflow action's form; ``user`` is who acts (some choices depend on it). Its
    dates are held to ``zhijian.web.dates``' range."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReasonForm(ActionForm):
    reason = forms.CharField(label="说明", required=False, max_length=2000)


class AssignForm(ReasonForm):
    assignee = forms.ModelChoiceField(
        label="承办人", queryset=User.objects.none(), widget=QuickSelect
    )
    field_order = ("assignee", "reason")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = handlers_for(user)  # type: ignore[attr-defined]
        # The options shown come from the cached list; a submitted choice is validated
        # against the query.
        field.widget.choices = [
            ("", field.empty_label),  # type: ignore[attr-defined]
            *((u.pk, str(u)) for u in listed_handlers(user)),
        ]


class LeadIdsField(forms.Field):
    """The primary keys of the leads ticked in the list."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            return sorted({int(item) for item in value or ()})
        except (TypeError, ValueError):
            raise forms.ValidationError("线索编号无效") from None


class BulkAssignForm(ActionForm):
    assignee = forms.ModelChoiceField(label="承办人", queryset=User.objects.none())
    leads = LeadIdsField(label="线索", error_messages={"required": "请勾选要分派的线索"})

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers_for(user)  # type: ignore[attr-defined]


class ExcludeForm(ActionForm):
    reason = forms.CharField(label="排除理由", max_length=2000, widget=forms.Textarea)


class MeasureForm(ReasonForm):
    measure = forms.ChoiceField(label="监督措施", choices=Lead.Measure.choices)
    field_order = ("measure", "reason")


class OralCorrectionForm(ReasonForm):
    due_date = forms.DateField(label="整改回复期限", widget=DATE_INPUT)
    field_order = ("due_date", "reason")


class IssueDocumentForm(ActionForm):
    due_date = forms.DateField(label="整改回复期限", widget=DATE_INPUT)


class TransferForm(ActionForm):
    reason = forms.CharField(
        label="移送情况",
        max_length=2000,
        widget=forms.Textarea,
        help_text="移送的部门、时间和材料",
    )


class ReplyForm(ActionForm):
    reply_date = forms.DateField(label="回复日期", widget=DATE_INPUT)
    reply_text = forms.CharField(label="整改情况", max_length=4000, widget=forms.Textarea)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="对线索的意见或补充情况；不改变线索状态，能查看该线索的人都看得到",
    )
