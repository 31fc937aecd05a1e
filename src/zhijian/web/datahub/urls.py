from __future__ import annotations

from django.urls import path

from zhijian.web.datahub import views

app_name = "datahub"
urlpatterns = [
    path("", views.upload, name="list"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("batches/<str:batch_id>/", views.batch_detail, name="batch"),
]
