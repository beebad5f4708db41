"""Which outcomes a user may see and write."""

from __future__ import annotations

from django.db.models import Q

from core.access import Roles
from outcomes.models import Outcome


def outcomes_visible_to(roles: Roles):
    """Available outcomes for everyone; all outcomes of the user's own institutions; all for managers."""
    if roles.sees_everything:
        return Outcome.objects.all()
    visible = Q(status=Outcome.Status.AVAILABLE)
    if roles.institution_ids:
        visible |= Q(institution_id__in=roles.institution_ids)
    return Outcome.objects.filter(visible)


def can_edit_outcome(roles: Roles, outcome: Outcome) -> bool:
    return outcome.institution_id in roles.institution_ids
