"""Regressions (found by the cross-role fuzz, tests/fuzz/test_cross_role.py): a role with no say over
a pairing is refused with 403 before its request body is validated, so a refusal never turns into
a 400 or 409 that tells the caller about the object's state."""

from __future__ import annotations

import pytest

from matchmaker.models import Match, MatchEvent, MatchQuestion
from tests.factories import TechnologyManagerFactory, UserFactory


@pytest.fixture
def pairings(world):
    bob = world.users["manager"].technology_manager
    proposed = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=bob)
    approved = Match.objects.create(
        need=world.confidential_need,
        outcome=world.outcome,
        score=0.7,
        rank=1,
        status=Match.Status.APPROVED,
        decided_by=bob,
    )
    rejected = Match.objects.create(
        need=world.other_need,
        outcome=world.other_outcome,
        score=0.6,
        rank=1,
        status=Match.Status.REJECTED,
        decided_by=bob,
        reject_reason=Match.RejectReason.OTHER,
    )
    question = MatchQuestion.objects.create(match=proposed, party="need", question="批量多大？", asked_by=bob.user)
    return {"proposed": proposed, "approved": approved, "rejected": rejected, "question": question}


def _another_manager():
    return TechnologyManagerFactory(user=UserFactory(username="mallory")).user


@pytest.mark.parametrize("body", [{}, {"reason": "bogus"}, {"reason": "other", "note": ""}])
def test_staff_cannot_reject_and_get_403_whatever_the_body(world, pairings, body):
    response = world.client("staff").post(f"/api/v1/reviews/{pairings['proposed'].pk}/reject/", body, format="json")
    assert response.status_code == 403, response.content


def test_staff_cannot_ask_and_get_403_whatever_the_body(world, pairings):
    response = world.client("staff").post(f"/api/v1/reviews/{pairings['approved'].pk}/ask/", {}, format="json")
    assert response.status_code == 403, response.content


def test_manager_cannot_reopen_and_gets_403_not_a_validation_error(world, pairings):
    response = world.client("manager").post(f"/api/v1/reviews/{pairings['rejected'].pk}/reopen/", {}, format="json")
    assert response.status_code == 403, response.content
    assert Match.objects.get(pk=pairings["rejected"].pk).status == Match.Status.REJECTED


@pytest.mark.parametrize("role", ["manager", "staff", "institution_member"])
def test_only_the_asked_party_answers_and_others_get_403(world, pairings, role):
    url = f"/api/v1/questions/{pairings['question'].pk}/answer/"
    response = world.client(role).post(url, {"answer": ""}, format="json")
    assert response.status_code in (403, 404), response.content
    assert response.status_code != 400
    # The asked party still gets the validation error for an empty answer, and can answer.
    assert world.client("enterprise_member").post(url, {"answer": ""}, format="json").status_code == 400
    assert world.client("enterprise_member").post(url, {"answer": "五千件"}, format="json").status_code == 200


def test_manager_who_did_not_approve_cannot_move_the_deal(world, pairings):
    client = world.client("manager")
    client.force_authenticate(_another_manager())
    events = MatchEvent.objects.count()
    url = f"/api/v1/deals/{pairings['approved'].pk}/move/"
    for body in ({"status": "signed", "contract_value_wan": "-1"}, {"status": "contacted"}):
        response = client.post(url, body, format="json")
        assert response.status_code == 403, response.content
    assert Match.objects.get(pk=pairings["approved"].pk).status == Match.Status.APPROVED
    assert MatchEvent.objects.count() == events
    # The manager who approved it moves it on.
    assert world.client("manager").post(url, {"status": "contacted"}, format="json").status_code == 200
