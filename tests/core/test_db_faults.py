"""Database faults: a transaction that fails midway leaves no partial writes, and the API answers
a lost or broken database with 503 and a JSON body, never a stack trace.

The unit tests make a later write of a multi-row service raise (mock), then count rows. The live
tests (PostgreSQL) kill the server's real database connection: once mid-request, while the
request's transaction is blocked on a row lock halfway through its writes, and once between
requests, as a database restart would.
"""

from __future__ import annotations

import threading
from unittest import mock

import psycopg
import pytest
import requests
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from rest_framework.test import APIClient

from matchmaker import deals, reviews
from matchmaker.models import Match, MatchEvent, MatchQuestion
from needs.models import Need
from tests import live
from tests.factories import (
    TEST_PASSWORD,
    EnterpriseFactory,
    InstitutionFactory,
    NeedFactory,
    OutcomeFactory,
    TechnologyManagerFactory,
    UserFactory,
    add_enterprise_member,
)


@pytest.fixture
def proposal(world) -> Match:
    manager = world.users["manager"].technology_manager
    return Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=manager)


def state(match: Match) -> tuple:
    """Everything the decision workflow writes about one pairing."""
    match.refresh_from_db()
    need = Need.objects.get(pk=match.need_id)
    return (
        match.status,
        match.decided_by_id,
        match.decided_at,
        match.decision_note,
        need.status,
        MatchEvent.objects.filter(match=match).count(),
        MatchQuestion.objects.filter(match=match).count(),
    )


def assert_json_503(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {"detail": "数据库暂时不可用，请稍后重试。"}
    text = response.content.decode()
    assert "Traceback" not in text and "Error" not in text and "psycopg" not in text


# --- (a) a failing later write undoes the earlier ones ----------------------------------------


@pytest.mark.parametrize("error", [IntegrityError("audit row refused"), OperationalError("connection lost")])
def test_decision_whose_audit_row_fails_leaves_the_pairing_undecided(world, proposal, error):
    before = state(proposal)
    with mock.patch("matchmaker.reviews.record_event", side_effect=error), pytest.raises(type(error)):
        reviews.review_decide(match=proposal, manager=world.users["manager"].technology_manager, approve=True)
    assert state(proposal) == before
    assert before[0] == Match.Status.PROPOSED and before[4] == Need.Status.OPEN


def test_approval_whose_last_write_fails_leaves_no_decision_and_no_audit_row(world, proposal):
    """The need's status is the last of three writes (pairing, audit row, need)."""
    before = state(proposal)
    broken_need = mock.MagicMock()
    broken_need.objects.filter.return_value.update.side_effect = OperationalError("server closed the connection")
    with mock.patch("matchmaker.reviews.Need", broken_need), pytest.raises(OperationalError):
        reviews.review_decide(match=proposal, manager=world.users["manager"].technology_manager, approve=True)
    assert broken_need.objects.filter.return_value.update.called, "the fault was not reached"
    assert state(proposal) == before


def test_question_whose_audit_row_fails_is_not_kept(world, proposal):
    before = state(proposal)
    with (
        mock.patch("matchmaker.reviews.record_event", side_effect=IntegrityError("audit row refused")),
        pytest.raises(IntegrityError),
    ):
        reviews.review_ask(
            match=proposal, manager=world.users["manager"].technology_manager, party="need", question="批量多大？"
        )
    assert state(proposal) == before


def test_deal_move_whose_audit_row_fails_keeps_the_stage(world, proposal):
    manager = world.users["manager"].technology_manager
    reviews.review_decide(match=proposal, manager=manager, approve=True)
    before = state(proposal)
    with (
        mock.patch("matchmaker.deals.record_event", side_effect=OperationalError("connection lost")),
        pytest.raises(OperationalError),
    ):
        deals.deal_move(match=proposal, user=manager.user, to_status=Match.Status.CONTACTED)
    assert state(proposal) == before and before[0] == Match.Status.APPROVED


# --- (b) the API answers database faults with 503 JSON ------------------------------------------


def test_api_decision_with_lost_connection_is_503_json_and_writes_nothing(world, proposal, settings):
    settings.DEBUG = False
    before = state(proposal)
    with mock.patch("matchmaker.reviews.record_event", side_effect=OperationalError("server closed the connection")):
        response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/approve/", {}, format="json")
    assert_json_503(response)
    assert state(proposal) == before


@pytest.mark.parametrize("error", [OperationalError("could not connect"), InterfaceError("connection already closed")])
def test_api_read_with_broken_database_is_503_json(world, settings, error):
    settings.DEBUG = False
    with mock.patch("needs.api.needs_visible_to", side_effect=error):
        response = world.client("anonymous").get("/api/v1/needs/")
    assert_json_503(response)


def test_api_token_check_with_database_down_is_503_json(world, settings):
    """Token authentication queries the database before any view code runs."""
    settings.DEBUG = False
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["enterprise_member"])
    with mock.patch(
        "rest_framework.authentication.TokenAuthentication.authenticate_credentials",
        side_effect=OperationalError("the database system is shutting down"),
    ):
        response = APIClient().get("/api/v1/needs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert_json_503(response)


def test_api_constraint_violation_is_400_json_and_writes_nothing(world, proposal, settings):
    settings.DEBUG = False
    before = state(proposal)
    with mock.patch("matchmaker.reviews.record_event", side_effect=IntegrityError("duplicate key value")):
        response = world.client("manager").post(f"/api/v1/reviews/{proposal.pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "数据与已有记录冲突。"}
    assert "duplicate key" not in response.content.decode()
    assert state(proposal) == before


# --- (c) live: the real connection of a real server is killed ----------------------------------


def _admin_connection() -> psycopg.Connection:
    """A connection of our own to the test database, outside Django, in autocommit."""
    return psycopg.connect(live.test_database_url(), autocommit=True)


@pytest.fixture
def served(transactional_db, tmp_path):
    live.require_postgres()
    from tests.fuzz.server import gunicorn

    # One worker, so "the server's connection" is one backend.
    with gunicorn(tmp_path, workers=1, name="db-faults") as base:
        yield base


def _login(base: str, username: str) -> dict[str, str]:
    response = requests.post(
        f"{base}/api/v1/auth/token/", data={"username": username, "password": TEST_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Token {response.json()['token']}"}


def _pairing() -> tuple[Match, str]:
    enterprise = EnterpriseFactory(code="dbf-ent")
    add_enterprise_member(enterprise, "dbf-alice")
    manager = TechnologyManagerFactory(user=UserFactory(username="dbf-bob"))
    need = NeedFactory(enterprise=enterprise)
    outcome = OutcomeFactory(institution=InstitutionFactory(code="dbf-inst"))
    match = Match.objects.create(need=need, outcome=outcome, score=0.8, rank=1, assigned_to=manager)
    return match, manager.user.username


@pytest.mark.live
def test_connection_killed_mid_request_answers_503_and_rolls_the_whole_decision_back(served):
    match, manager = _pairing()
    headers = _login(served, manager)
    before = state(match)
    with _admin_connection() as admin:
        # Hold the need's row: the approval writes the pairing and its audit row, then blocks on
        # the need, halfway through its transaction.
        with admin.transaction():
            admin.execute("SELECT id FROM needs_need WHERE id = %s FOR UPDATE", [match.need_id])
            answer: dict = {}

            def approve() -> None:
                answer["response"] = requests.post(
                    f"{served}/api/v1/reviews/{match.pk}/approve/", json={}, headers=headers, timeout=60
                )

            caller = threading.Thread(target=approve)
            caller.start()
            # Watched from another connection: inside a transaction pg_stat_activity is a snapshot.
            with _admin_connection() as watcher:
                assert live.wait_for(lambda: _blocked_backend(watcher) is not None, timeout=30), (
                    "the approval never reached the locked row"
                )
                # The pairing's UPDATE and the audit INSERT already ran in the transaction killed here.
                pid = _blocked_backend(watcher)
                assert watcher.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        caller.join(timeout=60)
    response = answer["response"]
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "数据库暂时不可用，请稍后重试。"}
    assert "Traceback" not in response.text
    assert state(match) == before, "a killed transaction left part of its writes"
    # The server recovers: the next request gets a new connection and decides.
    retry = requests.post(f"{served}/api/v1/reviews/{match.pk}/approve/", json={}, headers=headers, timeout=60)
    assert retry.status_code == 200, retry.text
    assert state(match)[0] == Match.Status.APPROVED


def _blocked_backend(admin: psycopg.Connection) -> int | None:
    row = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND query ILIKE 'UPDATE \"needs_need\"%%' LIMIT 1"
    ).fetchone()
    return row[0] if row else None


@pytest.mark.live
def test_database_restart_between_requests_costs_no_failed_request(served):
    """The server's idle persistent connection dies (as in a database restart); the next request
    must not fail: the connection is checked and replaced before use (CONN_HEALTH_CHECKS)."""
    match, manager = _pairing()
    headers = _login(served, manager)
    assert requests.get(f"{served}/api/v1/reviews/{match.pk}/", headers=headers, timeout=60).status_code == 200
    connection.ensure_connection()
    ours = connection.connection.info.backend_pid  # this test's own connection stays
    with _admin_connection() as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid NOT IN (pg_backend_pid(), %s) AND backend_type = 'client backend'",
            [ours],
        ).fetchone()[0]
    assert killed >= 1
    response = requests.get(f"{served}/api/v1/reviews/{match.pk}/", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
