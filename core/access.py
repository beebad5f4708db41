"""Who the requesting user is, in the platform's roles; shared by the API and pages.

Computed once per request and cached on the request, because every serializer row
asks the same questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from brokers.selectors import valid_manager_for


@dataclass(frozen=True)
class Roles:
    authenticated: bool
    staff: bool
    valid_manager: bool
    enterprise_ids: frozenset[int]
    institution_ids: frozenset[int]

    @property
    def sees_everything(self) -> bool:
        """Staff and managers in force read every row, confidential details included."""
        return self.staff or self.valid_manager


_ANONYMOUS = Roles(False, False, False, frozenset(), frozenset())


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> Roles:
    """The user's roles, read from the database."""
    if user is None or not user.is_authenticated:
        return _ANONYMOUS
    return Roles(
        authenticated=True,
        staff=bool(user.is_staff),
        valid_manager=valid_manager_for(user) is not None,
        enterprise_ids=frozenset(user.enterprise_memberships.values_list("enterprise_id", flat=True)),
        institution_ids=frozenset(user.institution_memberships.values_list("institution_id", flat=True)),
    )


def request_roles(request: HttpRequest) -> Roles:
    """The requesting user's roles, computed once per request."""
    cached = getattr(request, "_matchmaker_roles", None)
    if cached is None:
        cached = roles_of(getattr(request, "user", None))
        request._matchmaker_roles = cached
    return cached
