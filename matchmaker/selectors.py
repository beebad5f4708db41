"""Who may see which pairings."""

from __future__ import annotations

from core.access import Roles
from matchmaker.models import Match
from needs.models import Need
from outcomes.models import Outcome


def matches_of_need_for(roles: Roles, need: Need):
    """Managers and staff see every proposal; the enterprise sees what a manager approved."""
    matches = Match.objects.filter(need=need).select_related("need", "outcome__institution")
    if roles.sees_everything:
        return matches
    if need.enterprise_id in roles.enterprise_ids:
        return matches.released()
    return None


def matches_of_outcome_for(roles: Roles, outcome: Outcome):
    """Managers and staff see every proposal; the institution sees what a manager approved."""
    matches = Match.objects.filter(outcome=outcome).select_related("need__enterprise", "outcome__institution")
    if roles.sees_everything:
        return matches
    if outcome.institution_id in roles.institution_ids:
        return matches.released()
    return None


def can_rematch_need(roles: Roles, need: Need) -> bool:
    return roles.valid_manager or roles.staff or need.enterprise_id in roles.enterprise_ids
