from __future__ import annotations

from django import forms


class SearchForm(forms.Form):
    query = forms.CharField(
        label="身份证号或姓名",
        max_length=50,
        strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
