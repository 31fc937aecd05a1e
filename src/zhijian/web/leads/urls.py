from __future__ import annotations

from django.urls import path

from zhijian.web.leads import views

app_name = "leads"
urlpatterns = [path("", views.lead_list, name="list")]
