"""Fair assignment of proposals to technology managers, escalation, and hand-back.

Fallback order for a proposal's need (industry chain C, city R), first non-empty tier wins:
  1. valid managers whose specialties include C and whose regions include R;
  2. specialties include C (any region);
  3. regions include R (any specialty);
  4. any valid manager.
Within a tier: the fewest open reviews, then the higher star level, then the lower id.
A manager at capacity, or with a declared conflict of interest with the need's enterprise or
the outcome's institution, is never chosen.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from brokers.models import ConflictOfInterest, TechnologyManager
from core.workdays import add_working_days
from matchmaker.audit import record_event
from matchmaker.models import Match, MatchEvent

logger = logging.getLogger(__name__)


def _candidates(match: Match, *, exclude: set[int]) -> list[TechnologyManager]:
    conflicted = set(
        ConflictOfInterest.objects.filter(
            Q(enterprise_id=match.need.enterprise_id) | Q(institution_id=match.outcome.institution_id)
        ).values_list("manager_id", flat=True)
    )
    managers = (
        TechnologyManager.objects.valid()
        .exclude(pk__in=conflicted | exclude)
        .annotate(open_reviews=Count("reviews", filter=Q(reviews__status=Match.Status.PROPOSED)))
    )
    return [m for m in managers if m.open_reviews < m.capacity]


def _tier(manager: TechnologyManager, chain: str, city: str) -> int:
    fits_chain = chain in (manager.specialties or [])
    fits_city = city in (manager.regions or [])
    if fits_chain and fits_city:
        return 1
    if fits_chain:
        return 2
    if fits_city:
        return 3
    return 4


def choose_manager(match: Match, *, exclude: set[int] | None = None) -> TechnologyManager | None:
    """The manager a proposal should go to, or None when nobody valid has room."""
    candidates = _candidates(match, exclude=exclude or set())
    if not candidates:
        return None
    chain, city = match.need.industry_chain, match.need.city
    return min(candidates, key=lambda m: (_tier(m, chain, city), m.open_reviews, -m.star_level, m.pk))


def _due(now: dt.datetime) -> dt.datetime:
    return add_working_days(now, settings.MATCHMAKER_REVIEW_WINDOW_DAYS)


@transaction.atomic
def match_assign(*, match: Match, exclude: set[int] | None = None, kind: str = MatchEvent.Kind.ASSIGNED) -> bool:
    """Assign one proposal; False when no valid manager has room (it waits for the next sweep)."""
    match = Match.objects.select_for_update().select_related("need", "outcome").get(pk=match.pk)
    if match.status != Match.Status.PROPOSED:
        return False
    manager = choose_manager(match, exclude=exclude)
    now = timezone.now()
    if manager is None:
        if kind == MatchEvent.Kind.ESCALATED and match.assigned_to_id is not None:
            # Nobody else can take it: the current manager keeps it, with a new window and a record.
            Match.objects.filter(pk=match.pk).update(due_at=_due(now))
            record_event(
                match=match,
                kind=kind,
                from_status=match.status,
                to_status=match.status,
                data={"manager": match.assigned_to_id, "no_alternative": True},
            )
        elif match.assigned_to_id is not None:
            Match.objects.filter(pk=match.pk).update(assigned_to=None, assigned_at=None, due_at=None)
            # Handed back with nobody to take it: still a change of the pairing, so it is audited.
            record_event(
                match=match,
                kind=kind,
                from_status=match.status,
                to_status=match.status,
                data={"manager": None, "previous_manager": match.assigned_to_id},
            )
        return False
    previous = match.assigned_to_id
    Match.objects.filter(pk=match.pk).update(assigned_to=manager, assigned_at=now, due_at=_due(now))
    record_event(
        match=match,
        kind=kind,
        from_status=match.status,
        to_status=match.status,
        data={"manager": manager.pk, "previous_manager": previous},
    )
    return True


def assign_unassigned(matches=None, limit: int = 1000) -> int:
    """Assign proposals that have no manager yet (new ones, and those handed back); best first."""
    matches = Match.objects.all() if matches is None else matches
    pending = matches.proposed().filter(assigned_to__isnull=True).order_by("-score", "created_at")[:limit]
    return sum(match_assign(match=m) for m in pending)


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Reassign proposals nobody decided within the service window, to someone else."""
    now = now or timezone.now()
    overdue = Match.objects.proposed().filter(due_at__lt=now, assigned_to__isnull=False)
    moved = 0
    for match in overdue:
        # F() and the status condition: a sweep running twice, or a decision in between, loses nothing.
        bumped = Match.objects.filter(pk=match.pk, status=Match.Status.PROPOSED, due_at__lt=now).update(
            escalations=F("escalations") + 1
        )
        if not bumped:
            continue
        if match_assign(match=match, exclude={match.assigned_to_id}, kind=MatchEvent.Kind.ESCALATED):
            moved += 1
    return moved


def release_from_invalid_managers() -> int:
    """Hand open reviews of expired, suspended or inactive managers back to assignment."""
    valid_ids = set(TechnologyManager.objects.valid().values_list("pk", flat=True))
    stuck = Match.objects.proposed().filter(assigned_to__isnull=False).exclude(assigned_to_id__in=valid_ids)
    moved = 0
    for match in stuck:
        if match_assign(match=match, exclude={match.assigned_to_id}, kind=MatchEvent.Kind.REASSIGNED):
            moved += 1
    return moved
