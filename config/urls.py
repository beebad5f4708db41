from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "科技成果与产业需求对接平台"
admin.site.site_title = "Matchmaker 管理后台"

urlpatterns = [
    path("", include("matchmaker.urls")),
    path("analytics/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

# JSON instead of an HTML page for API clients (core/error_views.py).
handler404 = "core.error_views.not_found"
handler500 = "core.error_views.server_error"
