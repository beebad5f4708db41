"""Django's 404 and 500 answers: JSON under /api/, the usual pages elsewhere.

A URL the router never matched (e.g. /api/v1/needs/-1/matches/, whose <int:pk> takes no sign)
and an error outside DRF's handler would otherwise answer an API client with an HTML page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "服务器内部错误。"}, status=500, json_dumps_params={"ensure_ascii": False})
    return defaults.server_error(request)
