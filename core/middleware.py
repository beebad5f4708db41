"""Refuse an oversized request body from its declared length, before anything reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

# Views that take a file upload: their bodies may reach IMPORT_MAX_UPLOAD_BYTES (plus the form
# around the file); the views check the file itself and name the field.
UPLOAD_URL_NAMES = frozenset({"import-list", "admin:imports_importjob_upload"})
UPLOAD_OVERHEAD_BYTES = 1024 * 1024


def body_limit(request: HttpRequest) -> tuple[int, bool]:
    """The largest body this request may carry, and whether its route takes an upload."""
    match = request.resolver_match
    if match is not None and match.view_name in UPLOAD_URL_NAMES:
        return settings.IMPORT_MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES, True
    return settings.REQUEST_MAX_BODY_BYTES, False


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}".rstrip("0").rstrip(".")


class RequestBodyLimitMiddleware:
    """413 for a body over the limit: JSON under /api/, a short Chinese page elsewhere.

    It runs in process_view (the route is known there) and sits before CsrfViewMiddleware, the
    first thing that would read a page form's body. A request without Content-Length (chunked)
    has an empty body as far as Django is concerned, so the declared length is the whole story.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit, upload = body_limit(request)
        if declared <= limit:
            return None
        message = f"请求内容过大：上限 {_megabytes(limit)} MB。"
        if upload:
            message = f"文件过大：上限 {_megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)} MB，请拆分后分批导入。"
        if request.path.startswith("/api/"):
            body = {"file": [message]} if upload else {"detail": message}
            response: HttpResponse = JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response
