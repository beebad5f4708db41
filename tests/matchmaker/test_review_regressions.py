"""Regression tests for review-workflow bugs found in review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import ConflictError
from matchmaker import assignment, reviews
from matchmaker.models import Match, MatchEvent, MatchQuestion

pytestmark = pytest.mark.django_db


def _proposal(world, **kwargs) -> Match:
    manager = world.users["manager"].technology_manager
    return Match.objects.create(
        need=world.need, outcome=world.outcome, score=0.7, rank=1, assigned_to=manager, **kwargs
    )


def test_a_reopened_pairing_no_longer_shows_the_overturned_decision(world):
    match = _proposal(world)
    reviews.review_decide(match=match, manager=match.assigned_to, approve=False, reason="not_relevant", note="不相关")
    reopened = reviews.review_reopen(match=match, user=world.users["staff"], note="其实相关")
    assert (reopened.status, reopened.decided_by, reopened.decision_note) == ("proposed", None, "")
    event = MatchEvent.objects.filter(match=match, kind=MatchEvent.Kind.REOPENED).get()
    assert event.data["rejected_by"] == world.users["manager"].technology_manager.pk


def test_a_question_is_answered_once_even_when_answered_twice(world):
    match = _proposal(world)
    question = reviews.review_ask(match=match, manager=match.assigned_to, party="need", question="预算能否提高？")
    stale = MatchQuestion.objects.get(pk=question.pk)  # a second request that read it before the first answer
    reviews.review_answer(question=question, user=world.users["enterprise_member"], answer="可以")
    with pytest.raises(ConflictError):
        reviews.review_answer(question=stale, user=world.users["enterprise_member"], answer="不可以")
    assert MatchQuestion.objects.get(pk=question.pk).answer == "可以"
    assert MatchEvent.objects.filter(match=match, kind=MatchEvent.Kind.ANSWER).count() == 1


def test_escalation_skips_a_pairing_decided_meanwhile(world):
    match = _proposal(world, due_at=timezone.now() - dt.timedelta(days=1))
    Match.objects.filter(pk=match.pk).update(status=Match.Status.APPROVED)
    assert assignment.escalate_overdue() == 0
    assert Match.objects.get(pk=match.pk).escalations == 0


def test_a_question_about_a_confidential_need_shows_the_institution_only_its_public_title(world):
    match = Match.objects.create(
        need=world.confidential_need,
        outcome=world.outcome,
        score=0.7,
        rank=1,
        assigned_to=world.users["manager"].technology_manager,
    )
    reviews.review_ask(match=match, manager=match.assigned_to, party="outcome", question="能否小试？")
    body = world.client("institution_member").get("/api/v1/questions/").json()["results"]
    assert [row["match_need_title"] for row in body] == [world.confidential_need.public_title]
    manager_view = world.client("manager").get("/api/v1/questions/").json()["results"]
    assert manager_view[0]["match_need_title"] == world.confidential_need.title
