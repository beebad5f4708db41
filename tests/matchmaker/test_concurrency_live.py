"""Two managers decide the same pairing at the same moment, on real PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from brokers.models import TechnologyManager
from core.exceptions import ConflictError
from matchmaker import reviews
from matchmaker.models import Match, MatchEvent
from tests.factories import OutcomeFactory, TechnologyManagerFactory, UserFactory
from tests.live import require_postgres

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

ROUNDS = 10


def decide_in_thread(barrier: threading.Barrier, match_id: int, manager_id: int, approve: bool, results: dict) -> None:
    """One request's worth of work, on this thread's own database connection."""
    try:
        match = Match.objects.select_related("need", "outcome").get(pk=match_id)
        manager = TechnologyManager.objects.select_related("user").get(pk=manager_id)
        barrier.wait(timeout=10)
        reviews.review_decide(match=match, manager=manager, approve=approve, reason="" if approve else "not_relevant")
        results[manager_id] = "won"
    except ConflictError:
        results[manager_id] = "conflict"
    except Exception as error:  # pragma: no cover - reported by the assertion below
        results[manager_id] = repr(error)
    finally:
        connection.close()


def test_of_two_simultaneous_decisions_exactly_one_wins(world):
    require_postgres()
    bob = world.users["manager"].technology_manager
    carol = TechnologyManagerFactory(user=UserFactory(username="carol"))
    approvers = {bob.pk: True, carol.pk: False}  # bob approves, carol rejects

    for round_number in range(ROUNDS):
        match = Match.objects.create(
            need=world.need,
            outcome=OutcomeFactory(institution=world.institution),
            score=0.8,
            rank=1,
            assigned_to=bob,
            assigned_at=timezone.now(),
        )
        barrier = threading.Barrier(2)
        results: dict[int, str] = {}
        threads = [
            threading.Thread(target=decide_in_thread, args=(barrier, match.pk, manager_id, approve, results))
            for manager_id, approve in approvers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)

        assert sorted(results.values()) == ["conflict", "won"], (round_number, results)
        [winner] = [manager_id for manager_id, outcome in results.items() if outcome == "won"]
        match.refresh_from_db()
        expected = Match.Status.APPROVED if approvers[winner] else Match.Status.REJECTED
        assert (match.status, match.decided_by_id) == (expected, winner)
        assert match.reject_reason == ("" if approvers[winner] else "not_relevant")
        decisions = match.events.filter(kind__in=(MatchEvent.Kind.APPROVED, MatchEvent.Kind.REJECTED))
        assert [(e.kind, e.actor_id) for e in decisions] == [(expected, winner_user(winner))]


def winner_user(manager_id: int) -> int:
    return TechnologyManager.objects.get(pk=manager_id).user_id
