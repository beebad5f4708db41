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
    # Through pairings a manager approved: the counterpart's contact details and, for an
    # institution, the matched need's confidential details are released to the user.
    released_need_ids: frozenset[int] = frozenset()
    released_enterprise_ids: frozenset[int] = frozenset()
    released_institution_ids: frozenset[int] = frozenset()
    is_manager: bool = False

    @property
    def sees_everything(self) -> bool:
        """Staff and managers in force read every row, confidential details included."""
        return self.staff or self.valid_manager


_ANONYMOUS = Roles(False, False, False, frozenset(), frozenset())


def _released(enterprise_ids: frozenset[int], institution_ids: frozenset[int]) -> tuple[frozenset, ...]:
    if not enterprise_ids and not institution_ids:
        return frozenset(), frozenset(), frozenset()
    from django.db.models import Q

    from matchmaker.models import Match  # the matcher depends on this module, not the reverse

    rows = Match.objects.released().filter(
        Q(need__enterprise_id__in=enterprise_ids) | Q(outcome__institution_id__in=institution_ids)
    )
    needs, enterprises, institutions = set(), set(), set()
    for need_id, enterprise_id, institution_id in rows.values_list(
        "need_id", "need__enterprise_id", "outcome__institution_id"
    ):
        if institution_id in institution_ids:
            needs.add(need_id)
            enterprises.add(enterprise_id)
        if enterprise_id in enterprise_ids:
            institutions.add(institution_id)
    return frozenset(needs), frozenset(enterprises), frozenset(institutions)


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> Roles:
    """The user's roles, read from the database."""
    if user is None or not user.is_authenticated:
        return _ANONYMOUS
    enterprise_ids = frozenset(user.enterprise_memberships.values_list("enterprise_id", flat=True))
    institution_ids = frozenset(user.institution_memberships.values_list("institution_id", flat=True))
    released_needs, released_enterprises, released_institutions = _released(enterprise_ids, institution_ids)
    return Roles(
        authenticated=True,
        staff=bool(user.is_staff),
        valid_manager=valid_manager_for(user) is not None,
        enterprise_ids=enterprise_ids,
        institution_ids=institution_ids,
        released_need_ids=released_needs,
        released_enterprise_ids=released_enterprises,
        released_institution_ids=released_institutions,
        is_manager=hasattr(user, "technology_manager"),
    )


def request_roles(request: HttpRequest) -> Roles:
    """The requesting user's roles, computed once per request."""
    cached = getattr(request, "_matchmaker_roles", None)
    if cached is None:
        cached = roles_of(getattr(request, "user", None))
        request._matchmaker_roles = cached
    return cached
