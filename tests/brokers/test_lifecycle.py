"""A manager's certificate: certified by staff, suspended with a reason, renewed to a later date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from brokers import services
from brokers.models import TechnologyManager
from core.exceptions import ApplicationError, NotAllowedError
from matchmaker import reviews
from matchmaker.models import Match
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def certify_payload(**overrides) -> dict:
    return {
        "user": "newbie",
        "certificate_number": "SXJL-2025-0101",
        "certified_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=730)).isoformat(),
        "specialties": ["photonics"],
        "regions": ["西安"],
        "capacity": 5,
        **overrides,
    }


@pytest.fixture
def newbie(world):
    return UserFactory(username="newbie")


def test_staff_certify_a_user_as_a_manager_in_force(world, newbie):
    response = world.client("staff").post("/api/v1/managers/", certify_payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["user"], body["certificate_number"], body["in_force"], body["active"]) == (
        "newbie",
        "SXJL-2025-0101",
        True,
        True,
    )
    manager = TechnologyManager.objects.get(user=newbie)
    assert (manager.specialties, manager.regions, manager.capacity, manager.star_level) == (
        ["photonics"],
        ["西安"],
        5,
        3,
    )
    assert manager.is_valid() and manager.can_decide()
    # And the public directory lists the new manager.
    listed = world.client("anonymous").get("/api/v1/managers/").json()["results"]
    assert "SXJL-2025-0101" in {row["certificate_number"] for row in listed}


@pytest.mark.parametrize("role", ["anonymous", "enterprise_member", "manager", "expired_manager"])
def test_only_staff_certify(world, newbie, role):
    response = world.client(role).post("/api/v1/managers/", certify_payload(), format="json")

    assert response.status_code == (401 if role == "anonymous" else 403)
    assert not TechnologyManager.objects.filter(user=newbie).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"user": "bob"}, "user"),  # already a manager
        ({"valid_until": (TODAY - dt.timedelta(days=1)).isoformat()}, "valid_until"),
        ({"specialties": ["underwater_basket_weaving"]}, "specialties"),
        ({"certificate_number": ""}, "certificate_number"),
    ],
)
def test_certifying_refuses_bad_input(world, newbie, overrides, field):
    before = TechnologyManager.objects.count()

    response = world.client("staff").post("/api/v1/managers/", certify_payload(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert TechnologyManager.objects.count() == before


def test_the_same_certificate_number_cannot_be_issued_twice(world, newbie):
    bob = world.users["manager"].technology_manager
    response = world.client("staff").post(
        "/api/v1/managers/", certify_payload(certificate_number=bob.certificate_number), format="json"
    )
    assert response.status_code == 400
    assert not TechnologyManager.objects.filter(user=newbie).exists()


# --- suspension -----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}])
def test_suspending_requires_a_reason(world, payload):
    bob = world.users["manager"].technology_manager

    response = world.client("staff").post(f"/api/v1/managers/{bob.pk}/suspend/", payload, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    bob.refresh_from_db()
    assert (bob.active, bob.suspended_reason) == (True, "")
    with pytest.raises(ApplicationError):
        services.manager_suspend(manager=bob, reason="  ")


def test_a_suspended_manager_is_out_of_force_and_off_the_public_directory(world):
    bob = world.users["manager"].technology_manager

    response = world.client("staff").post(f"/api/v1/managers/{bob.pk}/suspend/", {"reason": "投诉核查中"})

    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["suspended_reason"], body["in_force"]) == (False, "投诉核查中", False)
    bob.refresh_from_db()
    assert (bob.active, bob.suspended_reason) == (False, "投诉核查中")
    assert not bob.is_valid() and not bob.can_decide()
    assert world.client("anonymous").get(f"/api/v1/managers/{bob.pk}/").status_code == 404
    assert world.client("staff").get(f"/api/v1/managers/{bob.pk}/").json()["in_force"] is False


@pytest.mark.parametrize("role", ["anonymous", "enterprise_member", "manager", "expired_manager"])
def test_only_staff_suspend(world, role):
    bob = world.users["manager"].technology_manager

    response = world.client(role).post(f"/api/v1/managers/{bob.pk}/suspend/", {"reason": "投诉"})

    assert response.status_code == (401 if role == "anonymous" else 403)
    bob.refresh_from_db()
    assert bob.active is True


def test_a_suspended_manager_cannot_decide(world):
    bob = world.users["manager"].technology_manager
    match = Match.objects.create(
        need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=bob, assigned_at=timezone.now()
    )
    services.manager_suspend(manager=bob, reason="投诉核查中")

    with pytest.raises(NotAllowedError):
        reviews.review_decide(match=match, manager=bob, approve=True)
    with pytest.raises(NotAllowedError):
        reviews.review_ask(match=match, manager=bob, party="need", question="？")
    match.refresh_from_db()
    assert (match.status, match.decided_by, match.assigned_to) == ("proposed", None, None)
    assert not match.questions.exists()


# --- renewal --------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -30])
def test_renewal_requires_a_later_date(world, days):
    bob = world.users["manager"].technology_manager
    old = bob.valid_until
    payload = {"valid_until": (old + dt.timedelta(days=days)).isoformat()}

    response = world.client("staff").post(f"/api/v1/managers/{bob.pk}/renew/", payload)

    assert response.status_code == 400
    assert "valid_until" in response.json()
    bob.refresh_from_db()
    assert bob.valid_until == old


def test_renewal_without_a_date_is_refused(world):
    bob = world.users["manager"].technology_manager
    response = world.client("staff").post(f"/api/v1/managers/{bob.pk}/renew/", {})
    assert response.status_code == 400
    assert "valid_until" in response.json()


def test_renewing_an_expired_manager_puts_them_back_in_force(world):
    eve = world.users["expired_manager"].technology_manager
    assert world.client("staff").get(f"/api/v1/managers/{eve.pk}/").json()["in_force"] is False
    new_date = TODAY + dt.timedelta(days=365)

    response = world.client("staff").post(f"/api/v1/managers/{eve.pk}/renew/", {"valid_until": new_date.isoformat()})

    assert response.status_code == 200
    assert (response.json()["valid_until"], response.json()["in_force"]) == (new_date.isoformat(), True)
    eve.refresh_from_db()
    assert eve.valid_until == new_date and eve.can_decide()


def test_renewal_lifts_a_suspension_and_the_manager_decides_again(world):
    bob = world.users["manager"].technology_manager
    client = world.client("staff")
    client.post(f"/api/v1/managers/{bob.pk}/suspend/", {"reason": "投诉核查中"})
    new_date = bob.valid_until + dt.timedelta(days=365)

    response = client.post(f"/api/v1/managers/{bob.pk}/renew/", {"valid_until": new_date.isoformat()})

    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["suspended_reason"], body["in_force"]) == (True, "", True)
    match = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=bob)
    approved = world.client("manager").post(f"/api/v1/reviews/{match.pk}/approve/")
    assert approved.status_code == 200
    match.refresh_from_db()
    assert (match.status, match.decided_by) == ("approved", bob)


@pytest.mark.parametrize("role", ["anonymous", "enterprise_member", "manager", "expired_manager"])
def test_only_staff_renew(world, role):
    eve = world.users["expired_manager"].technology_manager
    old = eve.valid_until
    payload = {"valid_until": (TODAY + dt.timedelta(days=365)).isoformat()}

    response = world.client(role).post(f"/api/v1/managers/{eve.pk}/renew/", payload)

    assert response.status_code == (401 if role == "anonymous" else 403)
    eve.refresh_from_db()
    assert eve.valid_until == old


# --- in force -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certified", "until", "active", "in_force"),
    [
        (-365, 365, True, True),
        (0, 0, True, True),  # certified today, last day today
        (-800, -1, True, False),  # expired yesterday
        (1, 365, True, False),  # not certified yet
        (-365, 365, False, False),  # suspended
    ],
)
def test_in_force_means_certified_not_expired_and_not_suspended(world, certified, until, active, in_force):
    manager = services.manager_certify(
        user=UserFactory(username="dora"),
        certificate_number="SXJL-IN-FORCE",
        certified_on=TODAY + dt.timedelta(days=certified),
        valid_until=TODAY + dt.timedelta(days=until),
    )
    TechnologyManager.objects.filter(pk=manager.pk).update(active=active)
    manager.refresh_from_db()

    assert manager.is_valid() is in_force
    assert manager.can_decide() is in_force
    assert TechnologyManager.objects.valid().filter(pk=manager.pk).exists() is in_force
    assert world.client("staff").get(f"/api/v1/managers/{manager.pk}/").json()["in_force"] is in_force
