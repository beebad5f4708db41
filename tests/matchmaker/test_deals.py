"""Deals after approval: approved → contacted → negotiating → signed, or closed with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from brokers.models import TechnologyManager
from core.exceptions import ApplicationError, ConflictError, NotAllowedError
from matchmaker import deals
from matchmaker.models import Match, MatchEvent
from tests.factories import TechnologyManagerFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNING = {"contract_value_wan": "120.50", "contract_mode": "licence"}


@pytest.fixture
def deal(world) -> Match:
    """A pairing bob approved between ent-own's need and inst-own's outcome."""
    bob = world.users["manager"].technology_manager
    now = timezone.now()
    return Match.objects.create(
        need=world.need,
        outcome=world.outcome,
        score=0.8,
        rank=1,
        assigned_to=bob,
        assigned_at=now,
        status=Match.Status.APPROVED,
        decided_by=bob,
        decided_at=now,
        stage_changed_at=now,
    )


@pytest.fixture
def carol(world):
    """A valid manager who did not decide the deal."""
    return TechnologyManagerFactory(user=UserFactory(username="carol")).user


def move(world, deal: Match, role_or_user, **payload):
    client = APIClient()
    user = world.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
    client.force_authenticate(user)
    return client.post(f"/api/v1/deals/{deal.pk}/move/", payload, format="json")


def stage_events(deal: Match) -> list[tuple]:
    rows = deal.events.filter(kind=MatchEvent.Kind.STAGE).order_by("id")
    return [(e.from_status, e.to_status, e.actor.username) for e in rows]


def test_the_deciding_manager_moves_a_deal_through_every_stage_to_signed(world, deal):
    for stage in ("contacted", "negotiating"):
        response = move(world, deal, "manager", status=stage)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == stage

    response = move(world, deal, "manager", status="signed", **SIGNING)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["contract_value_wan"], body["contract_mode"]) == ("signed", "120.50", "licence")
    assert body["allowed_moves"] == []
    deal.refresh_from_db()
    assert (deal.status, deal.contract_value_wan, deal.contract_mode) == ("signed", Decimal("120.50"), "licence")
    assert stage_events(deal) == [
        ("approved", "contacted", "bob"),
        ("contacted", "negotiating", "bob"),
        ("negotiating", "signed", "bob"),
    ]
    signed = deal.events.get(to_status="signed")
    assert signed.data == {"contract_value_wan": "120.50", "contract_mode": "licence"}


def test_staff_may_move_a_deal_on(world, deal):
    response = move(world, deal, "staff", status="contacted")

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == "contacted"
    assert stage_events(deal) == [("approved", "contacted", "root")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "contract_value_wan"),
        ({"contract_mode": "licence"}, "contract_value_wan"),
        ({"contract_value_wan": "10"}, "contract_mode"),
        ({"contract_value_wan": "10", "contract_mode": ""}, "contract_mode"),
        ({"contract_value_wan": "-1", "contract_mode": "licence"}, "contract_value_wan"),
        ({"contract_value_wan": "10", "contract_mode": "barter"}, "contract_mode"),
    ],
)
def test_signing_requires_a_contract_value_and_mode(world, deal, payload, field):
    Match.objects.filter(pk=deal.pk).update(status=Match.Status.NEGOTIATING)
    events_before = deal.events.count()

    response = move(world, deal, "manager", status="signed", **payload)

    assert response.status_code == 400
    assert field in response.json()
    deal.refresh_from_db()
    assert (deal.status, deal.contract_value_wan, deal.contract_mode) == ("negotiating", None, "")
    assert deal.events.count() == events_before


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("approved", "negotiating"),
        ("approved", "signed"),
        ("contacted", "signed"),
        ("negotiating", "contacted"),
        ("contacted", "contacted"),
    ],
)
def test_skipping_or_repeating_a_stage_is_refused(world, deal, start, target):
    Match.objects.filter(pk=deal.pk).update(status=start)

    response = move(world, deal, "manager", status=target, **SIGNING)

    assert response.status_code == 400
    assert "status" in response.json()
    deal.refresh_from_db()
    assert deal.status == start
    assert stage_events(deal) == []


@pytest.mark.parametrize("member", ["enterprise_member", "institution_member"])
@pytest.mark.parametrize("start", ["approved", "contacted", "negotiating"])
def test_a_party_member_may_close_a_deal_with_a_reason(world, deal, member, start):
    Match.objects.filter(pk=deal.pk).update(status=start)

    response = move(world, deal, member, status="closed", reason="企业战略调整")

    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.status, deal.closed_reason) == ("closed", "企业战略调整")
    [event] = deal.events.filter(kind=MatchEvent.Kind.STAGE)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        start,
        "closed",
        world.users[member],
        "企业战略调整",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_requires_a_reason(world, deal, reason):
    response = move(world, deal, "enterprise_member", status="closed", reason=reason)

    assert response.status_code == 400
    assert "reason" in response.json()
    deal.refresh_from_db()
    assert deal.status == "approved"
    assert stage_events(deal) == []


@pytest.mark.parametrize("member", ["enterprise_member", "institution_member"])
def test_a_party_member_may_not_move_a_deal_on(world, deal, member):
    response = move(world, deal, member, status="contacted")

    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == "approved"
    assert stage_events(deal) == []
    assert world.client(member).get(f"/api/v1/deals/{deal.pk}/").json()["allowed_moves"] == ["closed"]


def test_another_valid_manager_who_did_not_decide_may_not_move_it(world, deal, carol):
    for target in ("contacted", "closed"):
        response = move(world, deal, carol, status=target, reason="我来关")
        assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.status == "approved"
    assert stage_events(deal) == []


def test_the_deciding_manager_out_of_force_may_not_move_it(world, deal):
    TechnologyManager.objects.filter(user=world.users["manager"]).update(active=False)

    response = move(world, deal, "manager", status="contacted")

    assert response.status_code == 404  # no longer sees every deal, and is no party to this one
    with pytest.raises(NotAllowedError):
        deals.deal_move(match=deal, user=world.users["manager"], to_status="contacted")
    deal.refresh_from_db()
    assert deal.status == "approved"


@pytest.mark.parametrize("final", ["signed", "closed"])
def test_a_finished_deal_cannot_move_again(world, deal, final):
    Match.objects.filter(pk=deal.pk).update(status=final)

    response = move(world, deal, "staff", status="closed", reason="再关一次")

    assert response.status_code == 409
    deal.refresh_from_db()
    assert deal.status == final


@pytest.mark.parametrize("status", ["proposed", "rejected", "retracted"])
def test_a_pairing_that_was_not_approved_is_no_deal(world, deal, status):
    Match.objects.filter(pk=deal.pk).update(status=status)

    assert move(world, deal, "staff", status="contacted").status_code == 404
    with pytest.raises(ConflictError):
        deals.deal_move(match=deal, user=world.users["staff"], to_status="contacted")


def test_an_unknown_stage_is_refused(world, deal):
    assert move(world, deal, "manager", status="approved").status_code == 400
    with pytest.raises(ApplicationError) as refused:
        deals.deal_move(match=deal, user=world.users["manager"], to_status="approved")
    assert refused.value.field == "status"
