"""The OpenAPI schema class: drf-spectacular's, plus the error answers every operation can give.

drf-spectacular documents only the success status. A client (and the schemathesis fuzz in
tests/fuzz/) must also know the error statuses and their JSON bodies, which
core.exceptions.api_exception_handler and DRF produce: 400 with the fields at fault, 401, 403,
404, 409, 429 and 503 with {"detail": ...}.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

_DETAIL = {
    "type": "object",
    "description": "错误说明。",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "校验失败：键为出错的字段名（或 detail / non_field_errors），值为错误信息列表。",
    "additionalProperties": {},
}
# status → (response component, description, body schema component)
_ERRORS: dict[str, tuple[str, str, str]] = {
    "400": ("ValidationFailed", "请求有误：字段校验失败或参数无效", "FieldErrors"),
    "401": ("Unauthenticated", "未登录或令牌无效", "ErrorDetail"),
    "403": ("Forbidden", "当前角色无权执行此操作", "ErrorDetail"),
    "404": ("NotFound", "对象不存在，或对当前角色不可见", "ErrorDetail"),
    "409": ("Conflict", "对象已被他人改变（例如已由其他技术经理人审核）", "FieldErrors"),
    "429": ("Throttled", "请求过于频繁，请稍后再试", "ErrorDetail"),
    "503": ("DatabaseUnavailable", "数据库暂时不可用，请稍后重试", "ErrorDetail"),
}
_SCHEMAS = {"ErrorDetail": _DETAIL, "FieldErrors": _FIELD_ERRORS}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self._error_statuses(operation):
            if status not in responses:
                responses[status] = self._error_response(status)
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> list[str]:
        located = {parameter.get("in") for parameter in operation.get("parameters", [])}
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        # Any request carrying an invalid token is refused with 401, on public routes too.
        statuses = ["401"]
        if writes or "query" in located:
            statuses.append("400")
        if not self._allows_anyone():
            statuses.append("403")
        # A page past the end (or not a number) of a paginated list is a 404 too.
        if "path" in located or (self._is_list_view() and self._get_paginator() is not None):
            statuses.append("404")
        if writes:
            statuses.append("409")
        if getattr(self.view, "throttle_classes", None):
            statuses.append("429")
        statuses.append("503")
        return sorted(statuses)

    def _allows_anyone(self) -> bool:
        from rest_framework.permissions import AllowAny

        try:
            permissions = self.view.get_permissions()
        except Exception:  # a view whose permissions depend on the request: assume it can refuse
            return False
        return bool(permissions) and all(isinstance(p, AllowAny) for p in permissions)

    def _error_response(self, status: str) -> dict[str, str]:
        name, description, body = _ERRORS[status]
        schema = ResolvedComponent(name=body, type=ResolvedComponent.SCHEMA, object=body, schema=_SCHEMAS[body])
        self.registry.register_on_missing(schema)
        response = ResolvedComponent(
            name=name,
            type=ResolvedComponent.RESPONSE,
            object=name,
            schema={"description": description, "content": {"application/json": {"schema": schema.ref}}},
        )
        self.registry.register_on_missing(response)
        return response.ref


class PartyContactSchema(OpenApiSerializerExtension):
    """An enterprise's or institution's contact fields are left out for most readers: not required."""

    target_class = "core.api_fields.PartyContactSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "response":
            hidden = set(self.target.private_fields)
            required = [name for name in schema.get("required", []) if name not in hidden]
            if required:
                schema["required"] = required
            else:
                schema.pop("required", None)
        return schema
