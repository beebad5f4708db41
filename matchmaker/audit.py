"""Writing the append-only audit trail of pairings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from matchmaker.models import Match, MatchEvent


def record_event(
    *,
    match: Match,
    kind: str,
    actor: AbstractBaseUser | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> MatchEvent:
    """Append one audit row; callers run inside the transaction that made the change."""
    return MatchEvent.objects.create(
        match=match,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:500],
        note=note,
        data=data or {},
    )
