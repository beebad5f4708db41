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


class _MemberToWrite(BasePermission):
    """Reads are open (the queryset limits them); writes need membership of some party.

    `member_ids` names the Roles attribute holding the user's parties of that kind.
    """

    member_ids: str = ""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or _unrouted(view):
            return True
        return bool(getattr(request_roles(request), self.member_ids))


class IsEnterpriseMemberToWrite(_MemberToWrite):
    message = "只有企业成员可以发布或修改需求。"
    member_ids = "enterprise_ids"


class IsInstitutionMemberToWrite(_MemberToWrite):
    message = "只有高校院所成员可以登记或修改成果。"
    member_ids = "institution_ids"


class _PartyDirectoryPermission(_MemberToWrite):
    """A directory of parties: anyone reads; staff create; staff and the party's own members edit."""

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and view.action == "create":
            return bool(request.user and request.user.is_staff)
        return request.user.is_staff or super().has_permission(request, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_staff or obj.pk in getattr(request_roles(request), self.member_ids)


class EnterpriseDirectoryPermission(_PartyDirectoryPermission):
    message = "只有平台管理员或本企业成员可以修改企业信息。"
    member_ids = "enterprise_ids"


class InstitutionDirectoryPermission(_PartyDirectoryPermission):
    message = "只有平台管理员或本机构成员可以修改机构信息。"
    member_ids = "institution_ids"
