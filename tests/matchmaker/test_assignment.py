"""Fair assignment of proposals to managers: tiers, load, capacity, conflicts, escalation, hand-back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from brokers.models import ConflictOfInterest, TechnologyManager
from core.workdays import add_working_days
from matchmaker import assignment
from matchmaker.models import Match, MatchEvent
from tests.factories import OutcomeFactory, TechnologyManagerFactory, UserFactory

pytestmark = pytest.mark.django_db

# world.need is in the new-energy-vehicles chain, in 咸阳.
CHAIN, CITY = "new_energy_vehicles", "咸阳"


def new_manager(name: str, *, chain: bool, city: bool, **fields) -> TechnologyManager:
    return TechnologyManagerFactory(
        user=UserFactory(username=name),
        specialties=[CHAIN, "photonics"] if chain else ["photonics"],
        regions=[CITY, "西安"] if city else ["榆林"],
        **fields,
    )


@pytest.fixture
def tiers(world) -> dict[str, TechnologyManager]:
    """One manager per tier. The world's bob (no fit: high-end equipment, 西安) would be tier 4, so he
    is taken out of the pool by filling his capacity to zero."""
    TechnologyManager.objects.filter(user=world.users["manager"]).update(capacity=0)
    return {
        "chain_and_region": new_manager("t1", chain=True, city=True),
        "chain": new_manager("t2", chain=True, city=False),
        "region": new_manager("t3", chain=False, city=True),
        "any": new_manager("t4", chain=False, city=False),
    }


def proposal(world, outcome=None, **fields) -> Match:
    return Match.objects.create(
        need=fields.pop("need", world.need), outcome=outcome or OutcomeFactory(), score=0.8, rank=1, **fields
    )


def load(manager: TechnologyManager, count: int, world) -> None:
    """Give `manager` `count` open reviews on other pairings."""
    for _ in range(count):
        proposal(world, assigned_to=manager, assigned_at=timezone.now())


def assigned(match: Match) -> TechnologyManager | None:
    match.refresh_from_db()
    return match.assigned_to


@pytest.mark.parametrize(
    ("taken_out", "expected"),
    [
        ((), "chain_and_region"),
        (("chain_and_region",), "chain"),
        (("chain_and_region", "chain"), "region"),
        (("chain_and_region", "chain", "region"), "any"),
    ],
)
def test_it_assigns_to_the_first_non_empty_tier(world, tiers, taken_out, expected):
    TechnologyManager.objects.filter(pk__in=[tiers[name].pk for name in taken_out]).update(active=False)
    match = proposal(world)
    before = timezone.now()

    assert assignment.match_assign(match=match) is True

    assert assigned(match) == tiers[expected]
    assert match.assigned_at >= before
    assert match.due_at == add_working_days(match.assigned_at, 3)
    [event] = match.events.all()
    assert (event.kind, event.data) == ("assigned", {"manager": tiers[expected].pk, "previous_manager": None})


def test_a_lower_tier_never_wins_over_a_busier_higher_tier(world, tiers):
    load(tiers["chain_and_region"], 5, world)
    match = proposal(world)
    assignment.match_assign(match=match)
    assert assigned(match) == tiers["chain_and_region"]


def test_within_a_tier_the_manager_with_fewest_open_reviews_wins(world, tiers):
    twin = new_manager("t1b", chain=True, city=True)
    load(tiers["chain_and_region"], 2, world)
    load(twin, 1, world)
    # Decided pairings are not open reviews and do not count.
    load_decided = proposal(world, assigned_to=twin, status=Match.Status.APPROVED)
    assert load_decided.assigned_to == twin

    first = proposal(world)
    assignment.match_assign(match=first)
    assert assigned(first) == twin  # 1 open review against 2

    second = proposal(world)
    assignment.match_assign(match=second)
    assert assigned(second) == tiers["chain_and_region"]  # a tie at 2, equal stars: the lower id

    third = proposal(world)
    assignment.match_assign(match=third)
    assert assigned(third) == twin  # 2 open reviews against 3


def test_within_a_tier_more_stars_break_a_tie(world, tiers):
    twin = new_manager("t1b", chain=True, city=True, star_level=5)
    match = proposal(world)
    assignment.match_assign(match=match)
    assert assigned(match) == twin


def test_a_manager_at_capacity_is_skipped(world, tiers):
    TechnologyManager.objects.filter(pk=tiers["chain_and_region"].pk).update(capacity=2)
    load(tiers["chain_and_region"], 2, world)
    match = proposal(world)
    assignment.match_assign(match=match)
    assert assigned(match) == tiers["chain"]


def test_nobody_with_room_leaves_the_proposal_waiting(world, tiers):
    TechnologyManager.objects.update(capacity=0)
    match = proposal(world)

    assert assignment.match_assign(match=match) is False

    assert assigned(match) is None
    assert not match.events.exists()
    # The sweep assigns it once somebody has room again.
    TechnologyManager.objects.filter(pk=tiers["region"].pk).update(capacity=5)
    assert assignment.assign_unassigned() == 1
    assert assigned(match) == tiers["region"]


@pytest.mark.parametrize("party", ["enterprise", "institution"])
def test_a_manager_with_a_conflict_of_interest_is_never_assigned(world, tiers, party):
    match = proposal(world, outcome=world.outcome)
    tie = {"enterprise": world.enterprise} if party == "enterprise" else {"institution": world.institution}
    ConflictOfInterest.objects.create(manager=tiers["chain_and_region"], **tie)
    ConflictOfInterest.objects.create(manager=tiers["chain"], **tie)

    assignment.match_assign(match=match)

    assert assigned(match) == tiers["region"]


def test_a_conflict_with_another_party_does_not_matter(world, tiers):
    ConflictOfInterest.objects.create(manager=tiers["chain_and_region"], enterprise=world.other_enterprise)
    match = proposal(world, outcome=world.outcome)
    assignment.match_assign(match=match)
    assert assigned(match) == tiers["chain_and_region"]


def test_expired_and_suspended_managers_are_never_assigned(world, tiers):
    today = dt.date.today()
    TechnologyManager.objects.filter(pk=tiers["chain_and_region"].pk).update(
        certified_on=today - dt.timedelta(days=800), valid_until=today - dt.timedelta(days=1)
    )
    TechnologyManager.objects.filter(pk=tiers["chain"].pk).update(active=False, suspended_reason="暂停")
    TechnologyManager.objects.filter(pk=tiers["region"].pk).update(certified_on=today + dt.timedelta(days=1))
    # The world's eve is expired too, with plenty of room.
    eve = world.users["expired_manager"].technology_manager
    TechnologyManager.objects.filter(pk=eve.pk).update(specialties=[CHAIN], regions=[CITY])
    matches = [proposal(world) for _ in range(3)]

    assert assignment.assign_unassigned() == 3

    assert {assigned(m) for m in matches} == {tiers["any"]}


def test_declaring_a_conflict_through_the_api_hands_the_open_review_to_someone_else(world, tiers):
    first = tiers["chain_and_region"]
    match = proposal(world, outcome=world.outcome)
    other_party = proposal(world, outcome=world.other_outcome)
    decided = proposal(
        world, outcome=OutcomeFactory(institution=world.institution), status=Match.Status.APPROVED, decided_by=first
    )
    for m in (match, other_party):
        assignment.match_assign(match=m)
    Match.objects.filter(pk=decided.pk).update(assigned_to=first)
    assert assigned(match) == assigned(other_party) == first
    client = APIClient()
    client.force_authenticate(first.user)

    response = client.post("/api/v1/conflicts/", {"institution": "inst-own", "note": "兼职教授"}, format="json")

    assert response.status_code == 201
    conflict = ConflictOfInterest.objects.get(pk=response.json()["id"])
    assert (conflict.manager, conflict.institution, conflict.enterprise) == (first, world.institution, None)
    assert assigned(match) == tiers["chain"]
    handed = match.events.order_by("-id").first()
    assert handed.data == {"manager": tiers["chain"].pk, "previous_manager": first.pk}
    assert assigned(other_party) == first, "reviews of other parties stay"
    assert assigned(decided) == first, "decided pairings are not reassigned"
    # And it is never assigned back.
    Match.objects.filter(pk=match.pk).update(assigned_to=None)
    assignment.match_assign(match=match)
    assert assigned(match) == tiers["chain"]


def test_a_conflict_with_nobody_else_available_unassigns_and_records_it(world):
    bob = world.users["manager"].technology_manager
    match = proposal(world, outcome=world.outcome)
    assignment.match_assign(match=match)
    assert assigned(match) == bob

    response = world.client("manager").post("/api/v1/conflicts/", {"enterprise": "ent-own"}, format="json")

    assert response.status_code == 201
    assert assigned(match) is None
    last = match.events.order_by("-id").first()
    assert last.data == {"manager": None, "previous_manager": bob.pk}


# --- escalation ---------------------------------------------------------------------------------


def test_a_proposal_not_decided_within_the_window_is_escalated_to_another_manager(world, tiers):
    match = proposal(world)
    assignment.match_assign(match=match)
    first = assigned(match)
    window_end = match.due_at

    assert assignment.escalate_overdue(now=window_end - dt.timedelta(minutes=1)) == 0
    assert assigned(match) == first and match.escalations == 0

    later = add_working_days(match.assigned_at, 4)
    assert assignment.escalate_overdue(now=later) == 1

    assert assigned(match) not in (None, first)
    assert match.assigned_to == tiers["chain"]
    assert match.escalations == 1
    assert match.due_at > window_end
    escalated = match.events.get(kind=MatchEvent.Kind.ESCALATED)
    assert escalated.data == {"manager": tiers["chain"].pk, "previous_manager": first.pk}


def test_decided_pairings_are_never_escalated(world, tiers):
    match = proposal(world)
    assignment.match_assign(match=match)
    Match.objects.filter(pk=match.pk).update(status=Match.Status.APPROVED)

    assert assignment.escalate_overdue(now=add_working_days(timezone.now(), 10)) == 0
    match.refresh_from_db()
    assert match.escalations == 0
    assert not match.events.filter(kind=MatchEvent.Kind.ESCALATED).exists()


def test_with_nobody_else_the_manager_keeps_it_with_a_new_window_and_a_record(world):
    bob = world.users["manager"].technology_manager
    match = proposal(world)
    assignment.match_assign(match=match)
    old_due = assigned(match) and match.due_at

    assert assignment.escalate_overdue(now=add_working_days(match.assigned_at, 4)) == 0

    assert assigned(match) == bob
    assert match.escalations == 1
    assert match.due_at > old_due
    escalated = match.events.get(kind=MatchEvent.Kind.ESCALATED)
    assert escalated.data == {"manager": bob.pk, "no_alternative": True}


# --- hand-back from managers no longer in force ----------------------------------------------------


def test_suspending_a_manager_through_the_api_moves_open_reviews_to_a_valid_manager(world, tiers):
    first = tiers["chain_and_region"]
    matches = [proposal(world) for _ in range(2)]
    for m in matches:
        assignment.match_assign(match=m)
    assert {assigned(m) for m in matches} == {first}

    response = world.client("staff").post(f"/api/v1/managers/{first.pk}/suspend/", {"reason": "投诉核查中"})

    assert response.status_code == 200
    assert response.json()["in_force"] is False
    for m in matches:
        new = assigned(m)
        assert new is not None and new.is_valid() and new != first
        event = m.events.get(kind=MatchEvent.Kind.REASSIGNED)
        assert event.data == {"manager": new.pk, "previous_manager": first.pk}


def test_the_sweep_hands_back_reviews_of_an_expired_manager(world, tiers):
    eve = world.users["expired_manager"].technology_manager
    match = proposal(world, assigned_to=eve, assigned_at=timezone.now())

    assert assignment.release_from_invalid_managers() == 1

    assert assigned(match) == tiers["chain_and_region"]
    assert match.events.get().kind == MatchEvent.Kind.REASSIGNED


def test_suspension_by_a_non_staff_user_is_refused_and_nothing_moves(world, tiers):
    first = tiers["chain_and_region"]
    match = proposal(world)
    assignment.match_assign(match=match)

    response = world.client("manager").post(f"/api/v1/managers/{first.pk}/suspend/", {"reason": "看他不顺眼"})

    assert response.status_code == 403
    assert assigned(match) == first
    first.refresh_from_db()
    assert first.active is True
