from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhijian.web.dashboard.stats import overview


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    data = overview(request.user)
    context = {"headline": data.headline, "charts": data.charts, "counted_at": data.counted_at}
    return render(request, "dashboard/index.html", context)
