from __future__ import annotations

from django.urls import path

from zhijian.web.resident import views, views_reports

app_name = "resident"
urlpatterns = [
    path("", views.home, name="home"),
    path("logs/", views.log_list, name="log_list"),
    path("logs/new/", views.log_new, name="log_new"),
    path("logs/<int:pk>/", views.log_detail, name="log_detail"),
    path("logs/<int:pk>/edit/", views.log_edit, name="log_edit"),
    path("logs/<int:pk>/submit/", views.log_submit, name="log_submit"),
    path("logs/<int:pk>/problems/", views.log_problem_add, name="log_problem_add"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/lead/", views.problem_lead, name="problem_lead"),
    path("problems/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("problems/<int:pk>/rectifications/", views.rectification_add, name="rectification_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("rectifications/<int:pk>/", views.rectification_follow, name="rectification_follow"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<int:pk>/problems/",
        views.inspection_problem_add,
        name="inspection_problem_add",
    ),
    path("talks/", views.talk_list, name="talk_list"),
    path("talks/new/", views.talk_new, name="talk_new"),
    path("talks/lookup/", views.inmate_lookup, name="inmate_lookup"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("reports/", views_reports.reports, name="reports"),
    path("statistics/", views_reports.statistics, name="statistics"),
]
