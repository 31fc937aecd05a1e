from __future__ import annotations

from django.urls import path

from zhijian.web.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/comment/", views.lead_comment, name="comment"),
    path("<int:pk>/<slug:action>/", views.lead_action, name="action"),
    path("documents/<int:pk>/", views.document_download, name="document"),
]
