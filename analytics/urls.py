"""The analytics pages and their CSV downloads (each takes the page's filters)."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("funnel.csv", views.funnel_page, {"csv": True}, name="funnel-csv"),
    path("regional-flows/", views.regional_page, name="regional"),
    path("regional-flows.csv", views.regional_page, {"csv": "flows"}, name="regional-csv"),
    path("regional-matrix.csv", views.regional_page, {"csv": "matrix"}, name="regional-matrix-csv"),
    path("managers/", views.league_page, name="managers"),
    path("managers.csv", views.league_page, {"csv": True}, name="managers-csv"),
]
