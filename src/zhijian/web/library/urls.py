from __future__ import annotations

from django.urls import path

from zhijian.web.library import views

app_name = "library"
urlpatterns = [path("", views.list, name="list")]
