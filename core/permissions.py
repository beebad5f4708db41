"""DRF permission classes for the platform's roles."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.access import request_roles


def _unrouted(view) -> bool:
    """The viewset has no action for this method (DELETE on needs), so DRF will answer 405.

    Letting such requests through keeps the answer an honest "not allowed for anyone"
    instead of a 403 that suggests another role could do it.
    """
    return getattr(view, "action", "") is None


class ReadOnlyOrStaff(BasePermission):
    """Anyone reads; only staff write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_staff)


class IsStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


class IsEnterpriseMemberToWrite(BasePermission):
    """Reads are open (the queryset limits them); writes need membership of an enterprise."""

    message = "只有企业成员可以发布或修改需求。"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or _unrouted(view):
            return True
        return bool(request_roles(request).enterprise_ids)


class IsInstitutionMemberToWrite(BasePermission):
    """Reads are open (the queryset limits them); writes need membership of an institution."""

    message = "只有高校院所成员可以登记或修改成果。"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or _unrouted(view):
            return True
        return bool(request_roles(request).institution_ids)
