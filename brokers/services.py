"""Workflows that certify, suspend and renew technology managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brokers.models import TechnologyManager
from core.exceptions import ApplicationError


@transaction.atomic
def manager_certify(*, user: AbstractBaseUser, **fields: Any) -> TechnologyManager:
    """Certify a user as a technology manager (认定)."""
    if TechnologyManager.objects.filter(user=user).exists():
        raise ApplicationError("该用户已是技术经理人。", field="user")
    manager = TechnologyManager(user=user, **fields)
    manager.full_clean()
    manager.save()
    return manager


@transaction.atomic
def manager_update(*, manager: TechnologyManager, **fields: Any) -> TechnologyManager:
    for name, value in fields.items():
        setattr(manager, name, value)
    manager.full_clean()
    manager.save()
    return manager


@transaction.atomic
def manager_suspend(*, manager: TechnologyManager, reason: str) -> TechnologyManager:
    """Suspend a manager: they keep reading but may no longer decide."""
    if not reason.strip():
        raise ApplicationError("暂停须说明原因。", field="reason")
    manager.active = False
    manager.suspended_reason = reason.strip()
    manager.save(update_fields=("active", "suspended_reason", "updated_at"))
    from matchmaker.assignment import release_from_invalid_managers  # brokers load before the matcher

    release_from_invalid_managers()
    return manager


@transaction.atomic
def manager_renew(*, manager: TechnologyManager, valid_until: dt.date) -> TechnologyManager:
    """Extend the certificate and lift any suspension."""
    if valid_until <= manager.valid_until:
        raise ApplicationError("新的有效期必须晚于当前有效期。", field="valid_until")
    manager.valid_until = valid_until
    manager.active = True
    manager.suspended_reason = ""
    manager.full_clean()
    manager.save()
    return manager


def _track_record(manager: TechnologyManager):
    # Imported here: brokers must not depend on the matcher at import time.
    from brokers.rating import TrackRecord
    from core.workdays import working_days_between
    from matchmaker.models import Match, MatchEvent

    order = ["approved", "contacted", "negotiating", "signed"]
    approved_ids = list(
        MatchEvent.objects.filter(kind=MatchEvent.Kind.APPROVED, actor=manager.user).values_list("match_id", flat=True)
    )
    furthest: dict[int, str] = dict.fromkeys(approved_ids, "approved")
    stage_events = MatchEvent.objects.filter(match_id__in=approved_ids, kind=MatchEvent.Kind.STAGE)
    for match_id, to_status in stage_events.values_list("match_id", "to_status"):
        if to_status in order and order.index(to_status) > order.index(furthest[match_id]):
            furthest[match_id] = to_status
    rejected_ids = set(
        MatchEvent.objects.filter(kind=MatchEvent.Kind.REJECTED, actor=manager.user).values_list("match_id", flat=True)
    )
    overturned = (
        MatchEvent.objects.filter(kind=MatchEvent.Kind.REOPENED, match_id__in=rejected_ids)
        .values("match_id")
        .distinct()
        .count()
    )
    decided = Match.objects.filter(decided_by=manager, decided_at__isnull=False, assigned_at__isnull=False)
    days = tuple(working_days_between(m.assigned_at, m.decided_at) for m in decided.only("assigned_at", "decided_at"))
    return TrackRecord(
        approval_stages=tuple(furthest.values()),
        rejections=len(rejected_ids),
        overturned=overturned,
        decision_days=days,
    )


@transaction.atomic
def manager_rate(*, manager: TechnologyManager) -> TechnologyManager:
    """Recompute the manager's stars from the record; a staff override still wins."""
    from brokers.rating import star_rating

    rating = star_rating(_track_record(manager))
    manager.star_computed = rating.level
    manager.star_components = rating.as_dict()
    manager.star_computed_at = timezone.now()
    manager.star_level = manager.star_override or rating.level
    manager.save(update_fields=("star_computed", "star_components", "star_computed_at", "star_level", "updated_at"))
    return manager


@transaction.atomic
def manager_override_stars(*, manager: TechnologyManager, level: int | None, reason: str) -> TechnologyManager:
    """Staff set (or, with None, clear) a star level by hand, with a recorded reason."""
    if level is not None and not 1 <= level <= 5:
        raise ApplicationError("星级应为1到5。", field="level")
    if level is not None and not reason.strip():
        raise ApplicationError("人工调整星级须说明原因。", field="reason")
    manager.star_override = level
    manager.star_override_reason = reason.strip() if level is not None else ""
    if level is None:
        # Back to the record. Recomputed now: a level never computed would otherwise keep the override.
        manager.save(update_fields=("star_override", "star_override_reason", "updated_at"))
        return manager_rate(manager=manager)
    manager.star_level = level
    manager.save(update_fields=("star_override", "star_override_reason", "star_level", "updated_at"))
    return manager


@transaction.atomic
def conflict_declare(*, manager: TechnologyManager, enterprise=None, institution=None, note: str = ""):
    """Record a tie; the manager's open reviews of that party go back to assignment."""
    from brokers.models import ConflictOfInterest
    from matchmaker.assignment import match_assign
    from matchmaker.models import Match, MatchEvent

    conflict = ConflictOfInterest.objects.create(
        manager=manager, enterprise=enterprise, institution=institution, note=note.strip()
    )
    tied = Match.objects.proposed().filter(assigned_to=manager)
    tied = tied.filter(need__enterprise=enterprise) if enterprise else tied.filter(outcome__institution=institution)
    for match in tied:
        match_assign(match=match, exclude={manager.pk}, kind=MatchEvent.Kind.REASSIGNED)
    return conflict
