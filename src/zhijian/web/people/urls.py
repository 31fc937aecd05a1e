from __future__ import annotations

from django.urls import path

from zhijian.web.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("<str:key>/", views.detail, name="detail"),
]
