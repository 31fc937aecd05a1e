from __future__ import annotations

from django.urls import path

from zhijian.web.datahub import views

app_name = "datahub"
urlpatterns = [path("", views.list, name="list")]
