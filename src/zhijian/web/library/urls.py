from __future__ import annotations

from django.urls import path

from zhijian.web.library import views

app_name = "library"
urlpatterns = [
    path("", views.model_list, name="list"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("uploads/", views.upload, name="upload_model"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload"),
    path("uploads/<int:pk>/publish/", views.publish, name="publish"),
    path("uploads/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:model_id>/", views.model_detail, name="detail"),
    path("<slug:model_id>/run/", views.run_now, name="run"),
]
