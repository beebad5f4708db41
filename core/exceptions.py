"""The one domain error type, and the API handler that turns errors into JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError
from kombu.exceptions import OperationalError as BrokerUnavailable
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
    # Django's own body limits (DATA_UPLOAD_MAX_*), raised while a form body is parsed.
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "请求内容过大。"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": "请求中的字段或文件过多。"}, status=status.HTTP_400_BAD_REQUEST)
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
    # InterfaceError (the connection itself is gone) is not a DatabaseError in Django's hierarchy.
    if isinstance(exc, DatabaseError | InterfaceError):
        logger.exception("database error")
        return Response({"detail": "数据库暂时不可用，请稍后重试。"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, BrokerUnavailable):
        # Only actions whose whole point is to queue a task (re-match) get here; saving rows
        # queues after commit and never fails on the broker (docs/resilience.md).
        logger.warning("broker unavailable: %s", exc)
        return Response({"detail": "任务队列暂时不可用，请稍后重试。"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return exception_handler(exc, context)
