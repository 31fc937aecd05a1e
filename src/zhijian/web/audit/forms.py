"""The audit page's filters: action, account, a date range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class AuditFilterForm(forms.Form):
    action = forms.CharField(label="操作", required=False, max_length=50)
    actor = forms.CharField(label="操作人账号", required=False, max_length=150)
    date_from = forms.DateField(label="日期自", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="至", required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期早于起始日期，请调换后再筛选")
        return cleaned


def start_of(day: date) -> datetime | None:
    """The first moment of ``day`` in local time; ``None`` when it is so early that it
    bounds nothing (0001-01-01 cannot be written in UTC)."""
    try:
        moment = timezone.make_aware(datetime.combine(day, time.min))
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return moment


def end_of(day: date) -> datetime | None:
    """The first moment after ``day``; ``None`` when there is none (9999-12-31)."""
    try:
        return start_of(day + timedelta(days=1))
    except OverflowError:
        return None
