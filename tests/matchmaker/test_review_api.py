"""The review workflow's API: every role against every review, question, deal and conflict action.

REVIEW_MATRIX is the contract, keyed by router basename, then action, then the target row the
request is about; each entry holds one status per role in conftest.ROLES order. A refused request
must leave the workflow's tables exactly as they were; a successful one must show its change.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from brokers.models import ConflictOfInterest, TechnologyManager
from matchmaker.audit import record_event
from matchmaker.models import Match, MatchEvent, MatchQuestion
from needs.models import Need
from tests.conftest import ROLES, World
from tests.factories import OutcomeFactory, TechnologyManagerFactory, UserFactory

pytestmark = pytest.mark.django_db

# fmt: off
# Statuses per role, in conftest.ROLES order:
#   anon = anonymous, ent = enterprise_member (alice, of ent-own), o-ent = other_enterprise_member,
#   inst = institution_member (ivan, of inst-own), o-inst = other_institution_member,
#   mgr = bob (valid manager), x-mgr = eve (expired manager), staff.
# Targets (built by `build_target`):
#   bob_pairing      proposed, assigned to bob; ent-own's need ↔ inst-own's outcome
#   eve_pairing      proposed, assigned to eve (expired); ent-own's need ↔ inst-other's outcome
#   rejected_by_bob  rejected by bob;  rejected_by_eve  rejected by eve before her certificate lapsed
#   to_enterprise / to_institution   bob's question on bob_pairing to that party
#   approved_by_bob  a deal bob approved (ent-own ↔ inst-own); for `move`, the target names the stage
#                    moved to, and the deal waits one stage before it (`closed`: from approved)
#   bob_conflict     bob's declared conflict with ent-other
REVIEW_MATRIX: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {
    "review": {
        #              target                anon  ent  o-ent inst o-inst mgr x-mgr staff
        "list":       {"-":                 (401, 403, 403, 403, 403, 200, 200, 200)},
        "retrieve":   {"bob_pairing":       (401, 404, 404, 404, 404, 200, 404, 200),
                       "eve_pairing":       (401, 404, 404, 404, 404, 200, 200, 200)},
        "approve":    {"bob_pairing":       (401, 404, 404, 404, 404, 200, 404, 403),
                       "eve_pairing":       (401, 404, 404, 404, 404, 200, 403, 403)},
        "reject":     {"bob_pairing":       (401, 404, 404, 404, 404, 200, 404, 403),
                       "eve_pairing":       (401, 404, 404, 404, 404, 200, 403, 403)},
        "ask":        {"bob_pairing":       (401, 404, 404, 404, 404, 201, 404, 403),
                       "eve_pairing":       (401, 404, 404, 404, 404, 201, 403, 403)},
        "reopen":     {"rejected_by_bob":   (401, 404, 404, 404, 404, 403, 404, 200),
                       "rejected_by_eve":   (401, 404, 404, 404, 404, 403, 403, 200)},
        "events":     {"bob_pairing":       (401, 404, 404, 404, 404, 200, 404, 200),
                       "eve_pairing":       (401, 404, 404, 404, 404, 200, 200, 200)},
        "destroy":    {"bob_pairing":       (401, 405, 405, 405, 405, 405, 405, 405)},
    },
    "question": {
        "list":       {"-":                 (401, 200, 200, 200, 200, 200, 200, 200)},
        "retrieve":   {"to_enterprise":     (401, 200, 404, 404, 404, 200, 404, 200),
                       "to_institution":    (401, 404, 404, 200, 404, 200, 404, 200)},
        "answer":     {"to_enterprise":     (401, 200, 404, 404, 404, 403, 404, 403),
                       "to_institution":    (401, 404, 404, 200, 404, 403, 404, 403)},
        "destroy":    {"to_enterprise":     (401, 405, 405, 405, 405, 405, 405, 405)},
    },
    "deal": {
        "list":       {"-":                 (401, 200, 200, 200, 200, 200, 200, 200)},
        "retrieve":   {"approved_by_bob":   (401, 200, 404, 200, 404, 200, 404, 200)},
        "move":       {"contacted":         (401, 403, 404, 403, 404, 200, 404, 200),
                       "negotiating":       (401, 403, 404, 403, 404, 200, 404, 200),
                       "signed":            (401, 403, 404, 403, 404, 200, 404, 200),
                       "closed":            (401, 200, 404, 200, 404, 200, 404, 200)},
        "destroy":    {"approved_by_bob":   (401, 405, 405, 405, 405, 405, 405, 405)},
    },
    "conflict": {
        "list":       {"-":                 (401, 200, 200, 200, 200, 200, 200, 200)},
        "retrieve":   {"bob_conflict":      (401, 404, 404, 404, 404, 200, 404, 200)},
        "create":     {"-":                 (401, 403, 403, 403, 403, 201, 201, 403)},
        "destroy":    {"bob_conflict":      (401, 405, 405, 405, 405, 405, 405, 405)},
    },
}
# fmt: on

PREFIX = {"review": "reviews", "question": "questions", "deal": "deals", "conflict": "conflicts"}
METHOD = {
    "list": "get",
    "retrieve": "get",
    "events": "get",
    "create": "post",
    "destroy": "delete",
    "approve": "post",
    "reject": "post",
    "ask": "post",
    "reopen": "post",
    "answer": "post",
    "move": "post",
}
DETAIL_ACTIONS = ("approve", "reject", "ask", "reopen", "events", "answer", "move")
PREVIOUS_STAGE = {
    "contacted": Match.Status.APPROVED,
    "negotiating": Match.Status.CONTACTED,
    "signed": Match.Status.NEGOTIATING,
    "closed": Match.Status.APPROVED,
}
ALL_STATUSES = {
    (basename, action, target, role): statuses[i]
    for basename, actions in REVIEW_MATRIX.items()
    for action, targets in actions.items()
    for target, statuses in targets.items()
    for i, role in enumerate(ROLES)
}


def manager(world: World, role: str = "manager") -> TechnologyManager:
    return world.users[role].technology_manager


def pairing(world: World, outcome, assigned_to: TechnologyManager, **fields: Any) -> Match:
    now = timezone.now()
    match = Match.objects.create(
        need=fields.pop("need", world.need),
        outcome=outcome,
        score=fields.pop("score", 0.8),
        rank=1,
        assigned_to=assigned_to,
        assigned_at=now,
        due_at=now + dt.timedelta(days=3),
        **fields,
    )
    record_event(match=match, kind=MatchEvent.Kind.ASSIGNED, data={"manager": assigned_to.pk})
    return match


def decided(world: World, outcome, by: TechnologyManager, status: str, **fields: Any) -> Match:
    return pairing(
        world,
        outcome,
        by,
        status=status,
        decided_by=by,
        decided_at=timezone.now(),
        stage_changed_at=timezone.now(),
        **fields,
    )


def build_target(world: World, basename: str, action: str, target: str):
    """The row a request is about, created in the state the matrix describes."""
    bob, eve = manager(world), manager(world, "expired_manager")
    if target == "bob_pairing":
        return pairing(world, world.outcome, bob)
    if target == "eve_pairing":
        return pairing(world, world.other_outcome, eve)
    if target == "rejected_by_bob":
        return decided(world, world.outcome, bob, Match.Status.REJECTED, reject_reason="not_relevant")
    if target == "rejected_by_eve":
        return decided(world, world.other_outcome, eve, Match.Status.REJECTED, reject_reason="duplicate")
    if target in ("to_enterprise", "to_institution"):
        party = MatchQuestion.Party.NEED if target == "to_enterprise" else MatchQuestion.Party.OUTCOME
        return MatchQuestion.objects.create(
            match=pairing(world, world.outcome, bob),
            party=party,
            question="贵方能否提供小批量试制？",
            asked_by=bob.user,
        )
    if target == "approved_by_bob":
        return decided(world, world.outcome, bob, Match.Status.APPROVED)
    if basename == "deal" and action == "move":
        return decided(world, world.outcome, bob, PREVIOUS_STAGE[target])
    if target == "bob_conflict":
        return ConflictOfInterest.objects.create(manager=bob, enterprise=world.other_enterprise)
    raise AssertionError(f"unknown target {target}")


def seed_list(world: World, basename: str) -> dict[str, set[int]]:
    """Rows for a list request, and the ids each role that may list is expected to get."""
    bob, eve = manager(world), manager(world, "expired_manager")
    everyone = {role: set() for role in ROLES}
    if basename == "review":
        mine, hers = pairing(world, world.outcome, bob), pairing(world, world.other_outcome, eve)
        return everyone | {"manager": {mine.pk, hers.pk}, "expired_manager": {hers.pk}, "staff": {mine.pk, hers.pk}}
    if basename == "question":
        match = pairing(world, world.outcome, bob)
        to_ent = MatchQuestion.objects.create(match=match, party="need", question="批量？", asked_by=bob.user)
        to_inst = MatchQuestion.objects.create(match=match, party="outcome", question="专利？", asked_by=bob.user)
        both = {to_ent.pk, to_inst.pk}
        return everyone | {
            "enterprise_member": {to_ent.pk},
            "institution_member": {to_inst.pk},
            "manager": both,
            "staff": both,
        }
    if basename == "deal":
        deal = decided(world, world.outcome, bob, Match.Status.APPROVED)
        parties = ("enterprise_member", "institution_member", "manager", "staff")
        return everyone | {role: {deal.pk} for role in parties}
    if basename == "conflict":
        conflict = ConflictOfInterest.objects.create(manager=bob, enterprise=world.other_enterprise)
        hers = ConflictOfInterest.objects.create(manager=eve, institution=world.other_institution)
        return everyone | {"manager": {conflict.pk}, "expired_manager": {hers.pk}, "staff": {conflict.pk, hers.pk}}
    raise AssertionError(basename)


def payload_for(basename: str, action: str, target: str) -> dict[str, Any] | None:
    if action == "approve":
        return {"note": "技术路线契合"}
    if action == "reject":
        return {"reason": "trl_too_low", "note": "成熟度仅到样机阶段"}
    if action == "ask":
        return {"party": "need", "question": "贵方能接受的交付周期是多久？"}
    if action == "reopen":
        return {"note": "企业已补充预算，驳回理由不再成立"}
    if action == "answer":
        return {"answer": "半年内可以交付。"}
    if action == "move":
        body: dict[str, Any] = {"status": target}
        if target == "signed":
            body |= {"contract_value_wan": "120.00", "contract_mode": "licence"}
        if target == "closed":
            body["reason"] = "企业战略调整"
        return body
    if basename == "conflict" and action == "create":
        return {"institution": "inst-other", "note": "曾任该校兼职教授"}
    return None


def url_for(basename: str, action: str, row) -> str:
    base = f"/api/v1/{PREFIX[basename]}/"
    if action in ("list", "create"):
        return base
    return f"{base}{row.pk}/{action}/" if action in DETAIL_ACTIONS else f"{base}{row.pk}/"


def snapshot() -> dict[str, list[dict]]:
    models = (Match, MatchEvent, MatchQuestion, ConflictOfInterest, Need, TechnologyManager)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def new_events(before: dict, match: Match) -> list[MatchEvent]:
    known = {row["id"] for row in before["MatchEvent"]}
    return [event for event in match.events.all() if event.pk not in known]


def unchanged_except(before: dict, *changed: str) -> None:
    after = snapshot()
    for name, rows in before.items():
        if name not in changed:
            assert after[name] == rows, f"{name} changed"


CASES = [
    pytest.param(basename, action, target, role, expected, id=f"{basename}-{action}-{target}-{role}")
    for (basename, action, target, role), expected in ALL_STATUSES.items()
]


def test_every_matrix_entry_names_a_status_for_every_role():
    for basename, actions in REVIEW_MATRIX.items():
        for action, targets in actions.items():
            for target, statuses in targets.items():
                assert len(statuses) == len(ROLES), (basename, action, target)


@pytest.mark.parametrize(("basename", "action", "target", "role", "expected"), CASES)
def test_each_role_gets_the_contracted_status_on_each_review_action(world, basename, action, target, role, expected):
    expected_ids = seed_list(world, basename) if target == "-" and action == "list" else None
    row = None if target == "-" else build_target(world, basename, action, target)
    payload = payload_for(basename, action, target)
    user = world.users.get(role)
    before = snapshot()

    method = getattr(world.client(role), METHOD[action])
    url = url_for(basename, action, row)
    response = method(url, payload, format="json") if payload is not None else method(url)

    assert response.status_code == expected, response.content.decode()
    body = response.json()
    if expected >= 400:
        assert "detail" in body
        unchanged_except(before)
        return
    if action == "list":
        assert {item["id"] for item in body["results"]} == expected_ids[role]
        unchanged_except(before)
    elif action == "retrieve":
        assert body["id"] == row.pk
        if basename == "deal":
            assert body["enterprise"]["contact_email"] == "contact@ent-own.example.com"
            assert body["institution"]["contact_email"] == "tto@inst-own.example.com"
            steward = role in ("manager", "staff")
            assert body["allowed_moves"] == (["contacted", "closed"] if steward else ["closed"])
        unchanged_except(before)
    elif action == "events":
        assert [item["id"] for item in body] == list(row.events.values_list("pk", flat=True))
        assert [item["kind"] for item in body] == ["assigned"]
        unchanged_except(before)
    elif action in ("approve", "reject"):
        row.refresh_from_db()
        status = Match.Status.APPROVED if action == "approve" else Match.Status.REJECTED
        assert (row.status, row.decided_by.user, body["status"]) == (status, user, status)
        assert row.reject_reason == ("" if action == "approve" else "trl_too_low")
        assert row.decision_note == payload["note"]
        [event] = new_events(before, row)
        assert (event.kind, event.actor, event.from_status, event.to_status) == (status, user, "proposed", status)
        world.need.refresh_from_db()
        assert world.need.status == (Need.Status.MATCHED if action == "approve" else Need.Status.OPEN)
        unchanged_except(before, "Match", "MatchEvent", "Need")
    elif action == "ask":
        question = MatchQuestion.objects.get(pk=body["id"])
        assert (question.match, question.party, question.asked_by) == (row, "need", user)
        assert body["question"] == payload["question"]
        [event] = new_events(before, row)
        assert (event.kind, event.actor, event.data["question"]) == ("question", user, question.pk)
        row.refresh_from_db()
        assert row.status == Match.Status.PROPOSED
        unchanged_except(before, "MatchQuestion", "MatchEvent")
    elif action == "reopen":
        previous_decider = row.decided_by
        row.refresh_from_db()
        assert (row.status, row.reject_reason, row.decided_at) == ("proposed", "", None)
        assert body["status"] == "proposed"
        # It goes back to assignment, never to the manager whose rejection was overturned: eve's to
        # bob, bob's to nobody (eve is expired), to wait for the next sweep.
        assert row.assigned_to != previous_decider
        assert row.assigned_to == (manager(world) if target == "rejected_by_eve" else None)
        reopened, reassigned = new_events(before, row)
        assert (reopened.kind, reopened.actor, reopened.from_status, reopened.to_status) == (
            "reopened",
            user,
            "rejected",
            "proposed",
        )
        assert reopened.note == payload["note"]
        assert reassigned.kind == "assigned"
        assert reassigned.data["manager"] == (row.assigned_to.pk if row.assigned_to else None)
        unchanged_except(before, "Match", "MatchEvent")
    elif action == "answer":
        row.refresh_from_db()
        assert (row.answer, row.answered_by) == (payload["answer"], user)
        assert body["answer"] == payload["answer"]
        [event] = new_events(before, row.match)
        assert (event.kind, event.actor) == ("answer", user)
        unchanged_except(before, "MatchQuestion", "MatchEvent")
    elif action == "move":
        previous = row.status
        row.refresh_from_db()
        assert row.status == body["status"] == target
        if target == "signed":
            assert (str(row.contract_value_wan), row.contract_mode) == ("120.00", "licence")
        if target == "closed":
            assert row.closed_reason == "企业战略调整"
        [event] = new_events(before, row)
        assert (event.kind, event.actor, event.from_status, event.to_status) == ("stage", user, previous, target)
        unchanged_except(before, "Match", "MatchEvent")
    elif action == "create":
        created = ConflictOfInterest.objects.get(pk=body["id"])
        assert (created.manager.user, created.institution) == (user, world.other_institution)
        unchanged_except(before, "ConflictOfInterest")
    else:  # pragma: no cover - every successful action has its check above
        raise AssertionError(action)


# --- managers no longer in force ------------------------------------------------------------------


@pytest.fixture
def carol(world) -> TechnologyManager:
    """A second valid manager, so handed-back reviews have somewhere to go."""
    return TechnologyManagerFactory(user=UserFactory(username="carol"))


def lapse(world: World, how: str) -> None:
    """Bob's certificate lapses, or he is suspended before the sweep hands his reviews back."""
    bob = manager(world)
    if how == "expired":
        TechnologyManager.objects.filter(pk=bob.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    else:
        TechnologyManager.objects.filter(pk=bob.pk).update(active=False, suspended_reason="投诉核查中")


@pytest.mark.parametrize("how", ["expired", "suspended"])
def test_a_manager_out_of_force_reads_own_pairings_but_cannot_decide_or_ask(world, carol, how):
    bob = manager(world)
    own = pairing(world, world.outcome, bob)
    done = decided(world, world.other_outcome, bob, Match.Status.APPROVED)
    someone_elses = pairing(world, OutcomeFactory(institution=world.institution), carol)
    lapse(world, how)
    client = world.client("manager")

    listed = client.get("/api/v1/reviews/")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {own.pk, done.pk}
    assert client.get(f"/api/v1/reviews/{own.pk}/").json()["status"] == "proposed"
    assert client.get(f"/api/v1/reviews/{own.pk}/events/").status_code == 200
    assert client.get(f"/api/v1/reviews/{someone_elses.pk}/").status_code == 404

    before = snapshot()
    attempts = [
        ("approve", {}),
        ("reject", {"reason": "not_relevant"}),
        ("ask", {"party": "outcome", "question": "专利是否已授权？"}),
    ]
    for action, payload in attempts:
        response = client.post(f"/api/v1/reviews/{own.pk}/{action}/", payload, format="json")
        assert response.status_code == 403, (action, response.content)
        assert "detail" in response.json()
    unchanged_except(before)


def test_suspending_through_the_api_hands_open_reviews_over_and_keeps_history_readable(world, carol):
    bob = manager(world)
    own = pairing(world, world.outcome, bob)
    done = decided(world, world.other_outcome, bob, Match.Status.APPROVED)

    response = world.client("staff").post(
        f"/api/v1/managers/{bob.pk}/suspend/", {"reason": "投诉核查中"}, format="json"
    )

    assert response.status_code == 200 and response.json()["in_force"] is False
    own.refresh_from_db()
    assert own.assigned_to == carol
    listed = world.client("manager").get("/api/v1/reviews/")
    assert {row["id"] for row in listed.json()["results"]} == {done.pk}
    assert world.client("manager").post(f"/api/v1/reviews/{own.pk}/approve/").status_code == 404
    own.refresh_from_db()
    assert own.status == Match.Status.PROPOSED


# --- decisions --------------------------------------------------------------------------------


@pytest.fixture
def proposal(world) -> Match:
    return pairing(world, world.outcome, manager(world))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "too_expensive"}, "reason"),
        ({"reason": "other"}, "note"),
        ({"reason": "other", "note": "   "}, "note"),
    ],
)
def test_it_refuses_a_rejection_without_a_listed_reason_or_a_note_for_other(world, proposal, payload, field):
    before = snapshot()

    response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/reject/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    unchanged_except(before)


@pytest.mark.parametrize("reason", [value for value in Match.RejectReason.values if value != "other"])
def test_it_accepts_each_listed_reason(world, proposal, reason):
    response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/reject/", {"reason": reason}, format="json")

    assert response.status_code == 200
    assert response.json()["reject_reason"] == reason
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reject_reason) == (Match.Status.REJECTED, reason)


def test_it_accepts_other_with_a_note(world, proposal):
    payload = {"reason": "other", "note": "企业已自行解决"}
    response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/reject/", payload, format="json")

    assert response.status_code == 200
    proposal.refresh_from_db()
    assert (proposal.reject_reason, proposal.decision_note) == ("other", "企业已自行解决")
    assert proposal.events.get(kind="rejected").note == "企业已自行解决"


@pytest.mark.parametrize(
    ("second_action", "second_payload"), [("reject", {"reason": "duplicate"}), ("approve", {"note": "我也同意"})]
)
def test_a_second_decision_gets_409_and_the_first_decision_stands(
    world, carol, proposal, second_action, second_payload
):
    first = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/approve/", {"note": "先到"}, format="json")
    assert first.status_code == 200
    before = snapshot()
    carol_client = APIClient()
    carol_client.force_authenticate(carol.user)

    second = carol_client.post(f"/api/v1/reviews/{proposal.pk}/{second_action}/", second_payload, format="json")

    assert second.status_code == 409
    assert "detail" in second.json()
    unchanged_except(before)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == ("approved", manager(world), "先到")
    assert list(proposal.events.filter(kind__in=("approved", "rejected")).values_list("kind", flat=True)) == [
        "approved"
    ]


@pytest.mark.parametrize("party", ["enterprise", "institution"])
def test_a_manager_with_a_declared_conflict_cannot_decide_or_ask(world, proposal, party):
    tie = {"enterprise": world.enterprise} if party == "enterprise" else {"institution": world.institution}
    ConflictOfInterest.objects.create(manager=manager(world), **tie)
    before = snapshot()
    client = world.client("manager")

    assert client.post(f"/api/v1/reviews/{proposal.pk}/approve/").status_code == 403
    assert client.post(f"/api/v1/reviews/{proposal.pk}/reject/", {"reason": "duplicate"}).status_code == 403
    assert client.post(f"/api/v1/reviews/{proposal.pk}/ask/", {"party": "need", "question": "？"}).status_code == 403
    unchanged_except(before)
    assert client.get(f"/api/v1/reviews/{proposal.pk}/").status_code == 200, "reading stays possible"


def test_staff_reopening_a_pairing_that_is_not_rejected_gets_409(world, proposal):
    before = snapshot()
    response = world.client("staff").post(f"/api/v1/reviews/{proposal.pk}/reopen/", {"note": "再看看"}, format="json")
    assert response.status_code == 409
    unchanged_except(before)


def test_asking_about_a_decided_pairing_gets_409(world, proposal):
    world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/approve/")
    before = snapshot()
    payload = {"party": "need", "question": "还有问题吗？"}
    response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/ask/", payload, format="json")
    assert response.status_code == 409
    unchanged_except(before)


def test_a_question_is_mailed_to_the_asked_party_and_can_be_answered_once(
    world, proposal, django_capture_on_commit_callbacks
):
    payload = {"party": "outcome", "question": "专利是否已授权？"}
    with django_capture_on_commit_callbacks(execute=True):
        asked = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/ask/", payload, format="json")
    assert asked.status_code == 201
    [message] = mail.outbox
    assert sorted(message.to) == ["ivan@example.com", "tto@inst-own.example.com"]
    assert "专利是否已授权？" in message.body

    question_id = asked.json()["id"]
    first = world.client("institution_member").post(f"/api/v1/questions/{question_id}/answer/", {"answer": "已授权"})
    again = world.client("institution_member").post(f"/api/v1/questions/{question_id}/answer/", {"answer": "改口"})

    assert first.status_code == 200 and first.json()["answer"] == "已授权"
    assert again.status_code == 409
    assert MatchQuestion.objects.get(pk=question_id).answer == "已授权"
    assert list(proposal.events.values_list("kind", flat=True)) == ["assigned", "question", "answer"]


# --- what an approval releases ------------------------------------------------------------------


@pytest.fixture
def confidential_proposal(world) -> Match:
    return pairing(world, world.outcome, manager(world), need=world.confidential_need)


def visible_to(world: World, role: str) -> dict[str, Any]:
    client = world.client(role)
    need = client.get(f"/api/v1/needs/{world.confidential_need.pk}/").json()
    enterprise = client.get(f"/api/v1/enterprises/{world.enterprise.pk}/").json()
    institution = client.get(f"/api/v1/institutions/{world.institution.pk}/").json()
    return {"need": need, "enterprise": enterprise, "institution": institution}


def test_before_approval_neither_party_sees_the_other(world, confidential_proposal):
    seen = visible_to(world, "institution_member")
    assert seen["need"]["summary_only"] is True
    assert "description" not in seen["need"]
    assert "contact_email" not in seen["enterprise"]
    assert "contact_email" not in visible_to(world, "enterprise_member")["institution"]


def test_approval_mails_both_parties_and_releases_details_to_them_only(
    world, confidential_proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("manager").post(f"/api/v1/reviews/{confidential_proposal.pk}/approve/")
    assert response.status_code == 200

    by_recipient = {tuple(sorted(message.to)): message for message in mail.outbox}
    assert set(by_recipient) == {
        ("alice@example.com", "contact@ent-own.example.com"),
        ("ivan@example.com", "tto@inst-own.example.com"),
    }
    assert "tto@inst-own.example.com" in by_recipient[("alice@example.com", "contact@ent-own.example.com")].body
    assert "contact@ent-own.example.com" in by_recipient[("ivan@example.com", "tto@inst-own.example.com")].body

    institution_sees = visible_to(world, "institution_member")
    assert institution_sees["need"]["summary_only"] is False
    assert institution_sees["need"]["description"] == world.confidential_need.description
    assert institution_sees["enterprise"]["contact_email"] == "contact@ent-own.example.com"
    assert institution_sees["enterprise"]["contact_phone"] == world.enterprise.contact_phone
    assert visible_to(world, "enterprise_member")["institution"]["contact_email"] == "tto@inst-own.example.com"

    # The need is matched now, so it left the public list; outsiders get nothing of it.
    outsider_sees = visible_to(world, "other_institution_member")
    assert "description" not in outsider_sees["need"]
    assert "contact_email" not in outsider_sees["enterprise"]


def test_a_rejection_mails_nobody_and_releases_nothing(
    world, confidential_proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("manager").post(
            f"/api/v1/reviews/{confidential_proposal.pk}/reject/", {"reason": "not_relevant"}, format="json"
        )
    assert response.status_code == 200
    assert mail.outbox == []
    assert visible_to(world, "institution_member")["need"]["summary_only"] is True


# --- rejection summaries ------------------------------------------------------------------------


@pytest.fixture
def rejections(world) -> None:
    """world.need (still open, so outsiders see it): two pairings rejected as trl_too_low, one as
    other, one still proposed; and the world's outcome rejected on the other enterprise's need."""
    client = world.client("manager")
    bob = manager(world)
    outcomes = [world.outcome, *(OutcomeFactory(institution=world.institution) for _ in range(3))]
    reasons = [{"reason": "trl_too_low"}, {"reason": "trl_too_low"}, {"reason": "other", "note": "企业已自行解决"}]
    for outcome, payload in zip(outcomes, reasons, strict=False):
        match = pairing(world, outcome, bob)
        assert client.post(f"/api/v1/reviews/{match.pk}/reject/", payload, format="json").status_code == 200
    pairing(world, outcomes[3], bob)
    other = pairing(world, world.outcome, bob, need=world.other_need)
    response = client.post(f"/api/v1/reviews/{other.pk}/reject/", {"reason": "price_over_budget"}, format="json")
    assert response.status_code == 200


REJECTIONS = {
    "anonymous": 401,
    "enterprise_member": 200,
    "other_enterprise_member": 403,
    "institution_member": 403,
    "other_institution_member": 403,
    "manager": 200,
    "expired_manager": 403,
    "staff": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_need_rejection_summary_aggregates_reasons_for_the_owner_only(world, rejections, role):
    response = world.client(role).get(f"/api/v1/needs/{world.need.pk}/rejections/")

    assert response.status_code == REJECTIONS[role]
    if response.status_code == 200:
        assert response.json() == [
            {"reason": "trl_too_low", "label": "成熟度不足", "count": 2},
            {"reason": "other", "label": "其他", "count": 1},
        ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("institution_member", 200),
        ("other_institution_member", 403),
        ("enterprise_member", 403),
        ("manager", 200),
        ("expired_manager", 403),
        ("staff", 200),
    ],
)
def test_the_outcome_rejection_summary_aggregates_reasons_for_the_owner_only(world, rejections, role, expected):
    response = world.client(role).get(f"/api/v1/outcomes/{world.outcome.pk}/rejections/")

    assert response.status_code == expected
    if expected == 200:
        assert response.json() == [
            {"reason": "price_over_budget", "label": "价格超出预算", "count": 1},
            {"reason": "trl_too_low", "label": "成熟度不足", "count": 1},
        ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["approve", "ask"])
def test_a_mail_outage_does_not_turn_a_committed_decision_into_an_error(world, action):
    # A real commit (no test transaction around the request), so on_commit callbacks run inside it.
    proposal = pairing(world, world.outcome, manager(world))
    payload = {"party": "need", "question": "交付周期？"} if action == "ask" else {}
    with mock.patch("matchmaker.notifications.send_mass_mail", autospec=True) as send:
        send.side_effect = smtplib.SMTPException("mail server down")
        response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/{action}/", payload, format="json")

    # Each party's mail is tried on its own: an approval mails both, a question one.
    assert send.call_count == (1 if action == "ask" else 2)
    assert response.status_code == (201 if action == "ask" else 200)
    proposal.refresh_from_db()
    assert proposal.status == (Match.Status.PROPOSED if action == "ask" else Match.Status.APPROVED)
    assert proposal.events.filter(kind="question" if action == "ask" else "approved").count() == 1
