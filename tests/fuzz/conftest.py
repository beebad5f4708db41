"""A running server, and the parties whose tokens the fuzzer and the cross-role probes use.

Everything here is committed (transactional_db), because the server is another process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import requests

from brokers.models import ConflictOfInterest
from matchmaker.models import Match, MatchQuestion
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
    add_institution_member,
)
from tests.fuzz.server import gunicorn

# The roles the fuzzer walks through; "other_*" are the second party of each kind, whose tokens
# are aimed at the first party's objects.
FUZZ_ROLES = ("anonymous", "enterprise", "institution", "manager", "staff")


@dataclass
class Parties:
    base: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Token {token}"} if token else {}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn on the live test database (PostgreSQL only: SQLite's test database is in memory)."""
    live.require_postgres()
    with gunicorn(tmp_path_factory.mktemp("fuzz-server")) as base:
        yield base


def _login(base: str, username: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/token/", data={"username": username, "password": TEST_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


@pytest.fixture
def parties(server, transactional_db) -> Parties:
    """Two enterprises, two institutions, two managers and staff, with rows of every kind."""
    today = dt.date.today()
    ent_a, ent_b = EnterpriseFactory(code="fz-ent-a"), EnterpriseFactory(code="fz-ent-b")
    inst_a, inst_b = InstitutionFactory(code="fz-inst-a"), InstitutionFactory(code="fz-inst-b")
    users = {
        "enterprise": add_enterprise_member(ent_a, "fz-alice"),
        "other_enterprise": add_enterprise_member(ent_b, "fz-charlie"),
        "institution": add_institution_member(inst_a, "fz-ivan"),
        "other_institution": add_institution_member(inst_b, "fz-olga"),
        "staff": UserFactory(username="fz-root", is_staff=True),
    }
    bob = TechnologyManagerFactory(user=UserFactory(username="fz-bob"), specialties=["new_energy_vehicles"])
    mallory = TechnologyManagerFactory(user=UserFactory(username="fz-mallory"))
    expired = TechnologyManagerFactory(
        user=UserFactory(username="fz-eve"),
        certified_on=today - dt.timedelta(days=800),
        valid_until=today - dt.timedelta(days=1),
    )
    users["manager"], users["other_manager"], users["expired_manager"] = bob.user, mallory.user, expired.user

    need = NeedFactory(enterprise=ent_a)
    confidential = NeedFactory(
        enterprise=ent_a, confidential=True, public_title="功率模块封装可靠性提升", description="保密：良率仅82%。"
    )
    draft = NeedFactory(enterprise=ent_a, status="draft")
    other_need = NeedFactory(enterprise=ent_b)
    outcome = OutcomeFactory(institution=inst_a)
    withdrawn = OutcomeFactory(institution=inst_a, status="withdrawn")
    other_outcome = OutcomeFactory(institution=inst_b)

    proposed = Match.objects.create(need=need, outcome=outcome, score=0.8, rank=1, assigned_to=bob)
    approved = Match.objects.create(
        need=confidential, outcome=outcome, score=0.7, rank=1, status=Match.Status.APPROVED, decided_by=bob
    )
    rejected = Match.objects.create(
        need=other_need,
        outcome=other_outcome,
        score=0.6,
        rank=1,
        status=Match.Status.REJECTED,
        decided_by=mallory,
        reject_reason=Match.RejectReason.OTHER,
    )
    question = MatchQuestion.objects.create(match=proposed, party="need", question="批量多大？", asked_by=bob.user)
    bob_conflict = ConflictOfInterest.objects.create(manager=bob, institution=inst_b)
    mallory_conflict = ConflictOfInterest.objects.create(manager=mallory, enterprise=ent_b)

    result = Parties(base=server)
    for role, user in users.items():
        result.tokens[role] = _login(server, user.username)
    result.ids = {
        "enterprise": ent_a.pk,
        "other_enterprise": ent_b.pk,
        "institution": inst_a.pk,
        "other_institution": inst_b.pk,
        "need": need.pk,
        "confidential_need": confidential.pk,
        "draft_need": draft.pk,
        "other_need": other_need.pk,
        "outcome": outcome.pk,
        "withdrawn_outcome": withdrawn.pk,
        "other_outcome": other_outcome.pk,
        "manager": bob.pk,
        "other_manager": mallory.pk,
        "expired_manager": expired.pk,
        "proposed_match": proposed.pk,
        "approved_match": approved.pk,
        "rejected_match": rejected.pk,
        "question": question.pk,
        "conflict": bob_conflict.pk,
        "other_conflict": mallory_conflict.pk,
    }
    # An import job made the way a client makes one, so its stored file and report are real.
    template = requests.get(f"{server}/api/v1/imports/template/", params={"kind": "outcomes"}, timeout=30)
    assert template.status_code == 200, template.text
    job = requests.post(
        f"{server}/api/v1/imports/",
        headers=result.headers("institution"),
        data={"kind": "outcomes", "institution": inst_a.code},
        files={"file": ("outcomes.csv", template.content, "text/csv")},
        timeout=60,
    )
    assert job.status_code == 202, job.text
    result.ids["import_job"] = job.json()["id"]
    return result
