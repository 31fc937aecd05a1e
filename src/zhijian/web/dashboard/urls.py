from __future__ import annotations

from django.urls import path

from zhijian.web.dashboard import views

app_name = "dashboard"
urlpatterns = [path("", views.index, name="index")]
