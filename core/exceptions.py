"""The one domain error type, and the API handler that turns errors into JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule said no. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConflictError(ApplicationError):
    """The object changed under the caller (e.g. someone else decided first): HTTP 409."""


class NotAllowedError(ApplicationError):
    """The caller's role does not allow this action on this object: HTTP 403."""


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus domain errors as 400/409 and database faults as JSON, never a stack trace."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, NotAllowedError):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ConflictError):
        body = {exc.field or "detail": [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.warning("integrity error turned into 400: %s", exc)
        return Response({"detail": "数据与已有记录冲突。"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
        return Response({"detail": "数据库暂时不可用，请稍后重试。"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return exception_handler(exc, context)
