from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lead_list(request: HttpRequest) -> HttpResponse:
    return render(request, "placeholder.html", {"title": "线索工作台"})
