"""Who may see the analytics: the platform's operators (staff) and managers in force."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from core.access import Roles, request_roles

FORBIDDEN_MESSAGE = "只有平台管理员和在有效期内的技术经理人可以查看数据分析。"


def may_see_analytics(roles: Roles) -> bool:
    return roles.staff or roles.valid_manager


class CanSeeAnalytics(BasePermission):
    message = FORBIDDEN_MESSAGE

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and may_see_analytics(request_roles(request))
