"""The web's URLs; each app serves its own pages under its prefix."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

admin.site.site_header = "智慧执检 · 系统管理"
admin.site.site_title = "智慧执检"
admin.site.index_title = "单位、用户与场所"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="dashboard:index"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("zhijian.web.dashboard.urls")),
    path("leads/", include("zhijian.web.leads.urls")),
    path("people/", include("zhijian.web.people.urls")),
    path("models/", include("zhijian.web.library.urls")),
    path("data/", include("zhijian.web.datahub.urls")),
    path("audit/", include("zhijian.web.audit.urls")),
    path("resident/", include("zhijian.web.resident.urls")),
]
