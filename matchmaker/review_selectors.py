"""Which reviews, deals and questions a user may see; shared by the API and the pages."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from brokers.models import TechnologyManager
from core.access import Roles
from matchmaker.models import Match, MatchQuestion


def manager_of(user: AbstractBaseUser | AnonymousUser) -> TechnologyManager | None:
    """The user's manager profile, in force or not."""
    if not user.is_authenticated:
        return None
    return TechnologyManager.objects.filter(user=user).first()


def reviews_for(user: AbstractBaseUser | AnonymousUser, roles: Roles):
    """Pairings under review or reviewed. Managers in force and staff see all; a manager whose
    certificate lapsed keeps read access to the pairings that were theirs."""
    matches = Match.objects.select_related(
        "need__enterprise", "outcome__institution", "assigned_to__user", "decided_by__user"
    ).exclude(status=Match.Status.RETRACTED)
    if roles.sees_everything:
        return matches
    manager = manager_of(user)
    if manager is not None:
        return matches.filter(Q(assigned_to=manager) | Q(decided_by=manager))
    return Match.objects.none()


def deals_for(roles: Roles):
    """Approved pairings and their stage: the parties see their own, managers and staff all."""
    deals = Match.objects.released().select_related("need__enterprise", "outcome__institution", "decided_by__user")
    if roles.sees_everything:
        return deals
    return deals.filter(
        Q(need__enterprise_id__in=roles.enterprise_ids) | Q(outcome__institution_id__in=roles.institution_ids)
    )


def questions_for(roles: Roles):
    """Questions asked to the user's enterprise or institution (all of them for managers and staff)."""
    questions = MatchQuestion.objects.select_related("match__need", "match__outcome", "asked_by")
    if roles.sees_everything:
        return questions
    return questions.filter(
        Q(party=MatchQuestion.Party.NEED, match__need__enterprise_id__in=roles.enterprise_ids)
        | Q(party=MatchQuestion.Party.OUTCOME, match__outcome__institution_id__in=roles.institution_ids)
    )


def rejection_summary(matches) -> list[dict]:
    """Rejection reasons of a need's or an outcome's pairings, most frequent first."""
    return rejection_summaries(matches, by="status").get(Match.Status.REJECTED, [])


def rejection_summaries(matches, *, by: str) -> dict[object, list[dict]]:
    """Rejection reasons grouped by the field `by` (e.g. "outcome_id"), in one query."""
    from django.db.models import Count

    rows = (
        matches.filter(status=Match.Status.REJECTED)
        .values(by, "reject_reason")
        .annotate(count=Count("id"))
        .order_by(by, "-count", "reject_reason")
    )
    labels = dict(Match.RejectReason.choices)
    grouped: dict[object, list[dict]] = {}
    for r in rows:
        grouped.setdefault(r[by], []).append(
            {"reason": r["reject_reason"], "label": labels.get(r["reject_reason"], ""), "count": r["count"]}
        )
    return grouped
