"""The star rating: the pure formula, the record it is computed from, and staff's override."""

from __future__ import annotations

import pytest
from django.utils import timezone

from brokers import services, tasks
from brokers.models import TechnologyManager
from brokers.rating import TrackRecord, star_rating
from matchmaker import deals, reviews
from matchmaker.models import Match
from tests.factories import OutcomeFactory, TechnologyManagerFactory, UserFactory

# --- the formula ----------------------------------------------------------------------------------


def record(stages=(), rejections=0, overturned=0, days=()) -> TrackRecord:
    return TrackRecord(
        approval_stages=tuple(stages), rejections=rejections, overturned=overturned, decision_days=tuple(days)
    )


def test_an_empty_record_gives_three_stars():
    rating = star_rating(record())
    assert rating.level == 3
    assert (rating.score, rating.conversion, rating.precision, rating.speed) == (0.5, 0.0, 1.0, 0.5)
    assert (rating.decisions, rating.median_decision_days) == (0, None)


def test_many_fast_signed_approvals_give_five_stars():
    rating = star_rating(record(stages=["signed"] * 40, days=[0.5] * 40))
    assert rating.level == 5
    assert (rating.conversion, rating.precision, rating.speed) == (1.0, 1.0, 1.0)
    assert (rating.approvals, rating.signed, rating.reached_contact, rating.reached_negotiation) == (40, 40, 40, 40)


def test_many_overturned_rejections_and_slow_decisions_give_one_star():
    rating = star_rating(record(rejections=40, overturned=40, days=[9.0] * 40))
    assert rating.level == 1
    assert (rating.conversion, rating.precision, rating.speed) == (0.0, 0.0, 0.0)


def test_approvals_that_go_nowhere_with_slow_overturned_rejections_are_low():
    rating = star_rating(record(stages=["approved"] * 20, rejections=20, overturned=15, days=[8.0] * 40))
    assert rating.level <= 2


def test_a_short_lucky_record_stays_near_three_stars():
    rating = star_rating(record(stages=["signed"], days=[0.1]))
    assert rating.level == 3  # (1·1 + 5·0.5) / 6 = 0.58 → 1 + round(2.33)


@pytest.mark.parametrize(
    ("stage", "value"), [("approved", 0.0), ("contacted", 0.25), ("negotiating", 0.5), ("signed", 1.0)]
)
def test_each_stage_counts_towards_conversion(stage, value):
    assert star_rating(record(stages=[stage])).conversion == value


@pytest.mark.parametrize(("median", "speed"), [(0.0, 1.0), (1.0, 1.0), (3.5, 0.5), (6.0, 0.0), (20.0, 0.0)])
def test_speed_is_linear_between_one_and_six_working_days(median, speed):
    assert star_rating(record(days=[median])).speed == speed


def test_stars_rise_with_how_far_approvals_get():
    levels = [star_rating(record(stages=[stage] * 20, days=[0.5] * 20)).level for stage in deals.NEXT_STAGE]
    levels.append(star_rating(record(stages=["signed"] * 20, days=[0.5] * 20)).level)
    assert levels == sorted(levels)
    assert levels[0] < levels[-1]


# --- the record, from the audit trail -------------------------------------------------------------

uses_db = pytest.mark.django_db


def approve_and_advance(world, bob: TechnologyManager, count: int) -> list[Match]:
    """`count` pairings assigned to bob, decided straight away, approved."""
    approved = []
    for _ in range(count):
        match = Match.objects.create(
            need=world.need,
            outcome=OutcomeFactory(institution=world.institution),
            score=0.8,
            rank=1,
            assigned_to=bob,
            assigned_at=timezone.now(),
        )
        approved.append(reviews.review_decide(match=match, manager=bob, approve=True))
    return approved


@uses_db
def test_stars_go_up_as_approved_pairings_move_on_to_signed(world):
    bob = world.users["manager"].technology_manager
    approved = approve_and_advance(world, bob, 20)

    services.manager_rate(manager=bob)
    assert bob.star_level == bob.star_computed == 3  # approvals that went nowhere yet
    assert bob.star_components["approvals"] == 20
    levels = [bob.star_level]

    for stage in ("contacted", "negotiating"):
        for match in approved:
            deals.deal_move(match=match, user=bob.user, to_status=stage)
        services.manager_rate(manager=bob)
        levels.append(bob.star_level)
    for match in approved:
        deals.deal_move(match=match, user=bob.user, to_status="signed", contract_value_wan=50, contract_mode="licence")
    assert tasks.recompute_star_levels() == TechnologyManager.objects.count()
    bob.refresh_from_db()
    levels.append(bob.star_level)

    assert levels == sorted(levels)
    assert levels[-1] == 5
    assert bob.star_components["signed"] == 20
    assert bob.star_components["conversion"] == 1.0
    assert bob.star_computed_at is not None


@uses_db
def test_a_reopened_rejection_counts_against_the_manager(world):
    bob = world.users["manager"].technology_manager
    TechnologyManagerFactory(user=UserFactory(username="carol"))
    for _ in range(10):
        match = Match.objects.create(
            need=world.need,
            outcome=OutcomeFactory(institution=world.institution),
            score=0.8,
            rank=1,
            assigned_to=bob,
            assigned_at=timezone.now(),
        )
        reviews.review_decide(match=match, manager=bob, approve=False, reason="not_relevant")
        reviews.review_reopen(match=match, user=world.users["staff"], note="驳回不当")

    services.manager_rate(manager=bob)

    assert (bob.star_components["rejections"], bob.star_components["overturned"]) == (10, 10)
    assert bob.star_components["precision"] == 0.0
    assert bob.star_level < 3


# --- staff's override -----------------------------------------------------------------------------


@uses_db
def test_a_staff_override_with_a_reason_wins_over_the_computed_level(world):
    bob = world.users["manager"].technology_manager
    approve_and_advance(world, bob, 3)

    response = world.client("staff").post(
        f"/api/v1/managers/{bob.pk}/stars/", {"level": 1, "reason": "年度考核不合格"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["star_level"] == 1
    bob.refresh_from_db()
    assert (bob.star_level, bob.star_override, bob.star_override_reason) == (1, 1, "年度考核不合格")
    services.manager_rate(manager=bob)
    tasks.recompute_star_levels()
    bob.refresh_from_db()
    assert bob.star_computed == 3
    assert bob.star_level == 1, "the override still wins after recomputing"

    cleared = world.client("staff").post(f"/api/v1/managers/{bob.pk}/stars/", {"level": None}, format="json")

    assert cleared.status_code == 200
    bob.refresh_from_db()
    assert (bob.star_level, bob.star_override, bob.star_override_reason) == (3, None, "")


@uses_db
def test_clearing_an_override_never_computed_returns_to_the_record(world):
    bob = world.users["manager"].technology_manager
    client = world.client("staff")
    assert (
        client.post(f"/api/v1/managers/{bob.pk}/stars/", {"level": 1, "reason": "投诉"}, format="json").status_code
        == 200
    )

    response = client.post(f"/api/v1/managers/{bob.pk}/stars/", {"level": None}, format="json")

    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.star_override is None
    assert bob.star_level == bob.star_computed == 3, "an empty record is three stars, not the old override"


@uses_db
@pytest.mark.parametrize("role", ["anonymous", "enterprise_member", "institution_member", "manager", "expired_manager"])
def test_only_staff_may_override_stars(world, role):
    bob = world.users["manager"].technology_manager

    response = world.client(role).post(
        f"/api/v1/managers/{bob.pk}/stars/", {"level": 5, "reason": "自评优秀"}, format="json"
    )

    assert response.status_code == (401 if role == "anonymous" else 403)
    bob.refresh_from_db()
    assert (bob.star_level, bob.star_override) == (3, None)


@uses_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"level": 5}, "reason"),
        ({"level": 5, "reason": "   "}, "reason"),
        ({"level": 6, "reason": "超额完成"}, "level"),
        ({"level": 0, "reason": "严重违规"}, "level"),
        ({"reason": "缺少星级"}, "level"),
    ],
)
def test_an_override_needs_a_level_from_one_to_five_and_a_reason(world, payload, field):
    bob = world.users["manager"].technology_manager

    response = world.client("staff").post(f"/api/v1/managers/{bob.pk}/stars/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    bob.refresh_from_db()
    assert (bob.star_level, bob.star_override, bob.star_override_reason) == (3, None, "")
