"""Which needs a user may see, and how much of each."""

from __future__ import annotations

from django.db.models import Q

from core.access import Roles
from needs.models import Need


def needs_visible_to(roles: Roles):
    """Rows the user may list: open needs, plus every need of the user's own enterprises."""
    if roles.sees_everything:
        return Need.objects.all()
    visible = Q(status=Need.Status.OPEN)
    if roles.enterprise_ids:
        visible |= Q(enterprise_id__in=roles.enterprise_ids)
    if roles.released_need_ids:
        visible |= Q(pk__in=roles.released_need_ids)
    return Need.objects.filter(visible)


def need_details_q(roles: Roles) -> Q:
    """Rows whose confidential details (description, budget, company) the user may read."""
    if roles.sees_everything:
        return Q()
    return Q(confidential=False) | Q(enterprise_id__in=roles.enterprise_ids) | Q(pk__in=roles.released_need_ids)


def can_see_need_details(roles: Roles, need: Need) -> bool:
    """Everything but a confidential need's summary: owners, managers, staff, and the matched institution."""
    return (
        roles.sees_everything
        or not need.confidential
        or need.enterprise_id in roles.enterprise_ids
        or need.pk in roles.released_need_ids
    )


def can_edit_need(roles: Roles, need: Need) -> bool:
    """Only members of the need's own enterprise write it."""
    return need.enterprise_id in roles.enterprise_ids
