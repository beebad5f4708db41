"""The matcher's endpoints: who sees which pairings, re-matching, and the preview."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from matchmaker import tasks
from matchmaker.models import Match
from tests.factories import OutcomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired(world):
    """The world's need with a proposed and an approved pairing."""
    third = OutcomeFactory(institution=world.other_institution)
    proposed = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1)
    approved = Match.objects.create(need=world.need, outcome=third, score=0.6, rank=2, status=Match.Status.APPROVED)
    return proposed, approved


NEED_MATCHES = {
    "anonymous": (401, 403),
    "enterprise_member": 200,
    "other_enterprise_member": 403,
    "institution_member": 403,
    "other_institution_member": 403,
    "manager": 200,
    "expired_manager": 403,
    "staff": 200,
}


@pytest.mark.parametrize("role", NEED_MATCHES)
def test_need_matches_are_shown_per_role(world, paired, role):
    proposed, approved = paired
    response = world.client(role).get(f"/api/v1/needs/{world.need.pk}/matches/")
    expected = NEED_MATCHES[role]
    assert response.status_code in (expected if isinstance(expected, tuple) else (expected,))
    if response.status_code == 200:
        ids = {row["id"] for row in response.json()["results"]}
        if role == "enterprise_member":
            assert ids == {approved.pk}, "the enterprise sees only what a manager approved"
        else:
            assert ids == {proposed.pk, approved.pk}


def test_outcome_matches_show_the_institution_only_approved_pairings(world, paired):
    proposed, _ = paired
    own = world.client("institution_member").get(f"/api/v1/outcomes/{world.outcome.pk}/matches/")
    assert own.status_code == 200 and own.json()["results"] == []
    manager = world.client("manager").get(f"/api/v1/outcomes/{world.outcome.pk}/matches/")
    assert [row["id"] for row in manager.json()["results"]] == [proposed.pk]
    assert manager.json()["results"][0]["parts"] == {}
    other = world.client("other_institution_member").get(f"/api/v1/outcomes/{world.outcome.pk}/matches/")
    assert other.status_code == 403


def test_matches_of_an_invisible_need_are_not_found(world):
    response = world.client("other_enterprise_member").get(f"/api/v1/needs/{world.draft_need.pk}/matches/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", (401, 403)),
        ("enterprise_member", (202,)),
        ("other_enterprise_member", (403,)),
        ("institution_member", (403,)),
        ("manager", (202,)),
        ("expired_manager", (403,)),
        ("staff", (202,)),
    ],
)
def test_rematch_is_allowed_to_the_owner_and_managers(world, role, expected):
    tasks.prepare_outcome_text(world.outcome.pk)
    response = world.client(role).post(f"/api/v1/needs/{world.need.pk}/rematch/")
    assert response.status_code in expected
    if response.status_code == 202:
        assert response.json()["task_id"]
        assert Match.objects.filter(need=world.need).exists()


def test_rematch_of_a_draft_is_refused_with_the_field_named(world):
    response = world.client("enterprise_member").post(f"/api/v1/needs/{world.draft_need.pk}/rematch/")
    assert response.status_code == 400 and "status" in response.json()


def test_preview_ranks_outcomes_and_saves_nothing(world):
    for row in (world.outcome, world.other_outcome):
        tasks.prepare_outcome_text(row.pk)
    before = Match.objects.count()
    response = world.client("enterprise_member").post(
        "/api/v1/match/preview/",
        {"text": "鋁合金焊縫氣孔多\n雷射焊接電池托盤，氣密檢測通過率低。", "city": "西安", "limit": 5},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"], body
    top = body["results"][0]
    assert top["rank"] == 1 and top["score"] > 0
    assert top["explanation"]["terms"]
    assert Match.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "焊接", "industry_chain": "nope"}, "industry_chain"),
        ({"text": "焊接", "min_trl": 10}, "min_trl"),
        ({"text": "焊接", "budget_wan": -1}, "budget_wan"),
        ({"text": "焊接", "limit": 1000}, "limit"),
        ({"text": ["焊接"]}, "text"),
    ],
)
def test_preview_rejects_bad_input_naming_the_field(world, payload, field):
    response = world.client("enterprise_member").post("/api/v1/match/preview/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_preview_needs_a_login(world):
    assert world.client("anonymous").post("/api/v1/match/preview/", {"text": "焊接"}, format="json").status_code in (
        401,
        403,
    )


def test_preview_is_throttled(world, settings):
    # Rates are read per request (core/throttling.py), so a settings override applies at once.
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "preview": "2/minute"},
    }
    cache.clear()
    try:
        client = world.client("enterprise_member")
        codes = [client.post("/api/v1/match/preview/", {"text": "焊接"}, format="json").status_code for _ in range(3)]
    finally:
        cache.clear()
    assert codes[:2] == [200, 200] and codes[2] == 429
