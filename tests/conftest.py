"""Shared fixtures: the personas every permission test walks through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    EnterpriseFactory,
    InstitutionFactory,
    NeedFactory,
    OutcomeFactory,
    TechnologyManagerFactory,
    UserFactory,
    add_enterprise_member,
    add_institution_member,
)


@dataclass
class World:
    """Two enterprises, two institutions, and one user for each role."""

    enterprise: object
    other_enterprise: object
    institution: object
    other_institution: object
    users: dict
    need: object
    confidential_need: object
    draft_need: object
    other_need: object
    outcome: object
    withdrawn_outcome: object
    other_outcome: object

    def client(self, role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(self.users[role])
        return client


ROLES = (
    "anonymous",
    "enterprise_member",
    "other_enterprise_member",
    "institution_member",
    "other_institution_member",
    "manager",
    "expired_manager",
    "staff",
)


@pytest.fixture
def world(db) -> World:
    enterprise = EnterpriseFactory(code="ent-own")
    other_enterprise = EnterpriseFactory(code="ent-other")
    institution = InstitutionFactory(code="inst-own")
    other_institution = InstitutionFactory(code="inst-other")
    today = dt.date.today()
    users = {
        "enterprise_member": add_enterprise_member(enterprise, "alice"),
        "other_enterprise_member": add_enterprise_member(other_enterprise, "charlie"),
        "institution_member": add_institution_member(institution, "ivan"),
        "other_institution_member": add_institution_member(other_institution, "olga"),
        "manager": TechnologyManagerFactory(user=UserFactory(username="bob")).user,
        "expired_manager": TechnologyManagerFactory(
            user=UserFactory(username="eve"),
            certified_on=today - dt.timedelta(days=800),
            valid_until=today - dt.timedelta(days=1),
        ).user,
        "staff": UserFactory(username="root", is_staff=True),
    }
    return World(
        enterprise=enterprise,
        other_enterprise=other_enterprise,
        institution=institution,
        other_institution=other_institution,
        users=users,
        need=NeedFactory(enterprise=enterprise),
        confidential_need=NeedFactory(
            enterprise=enterprise,
            confidential=True,
            title="某型号SiC功率模块焊层空洞攻关",
            public_title="功率模块封装可靠性提升",
            description="保密：客户为某主机厂，良率仅82%。",
        ),
        draft_need=NeedFactory(enterprise=enterprise, status="draft"),
        other_need=NeedFactory(enterprise=other_enterprise),
        outcome=OutcomeFactory(institution=institution),
        withdrawn_outcome=OutcomeFactory(institution=institution, status="withdrawn"),
        other_outcome=OutcomeFactory(institution=other_institution),
    )


@pytest.fixture(autouse=True)
def _isolated_index(settings, tmp_path):
    """Each test gets its own index folder and no index or lexicon carried over in memory."""
    from matchmaker import engine, index_store, lexicon_sync

    settings.MATCHMAKER_INDEX_DIR = tmp_path / "index"
    index_store.forget_loaded()
    yield
    index_store.forget_loaded()
    if lexicon_sync._applied is not None and lexicon_sync._applied[0] + lexicon_sync._applied[2] > 0:
        engine.use_lexicon(engine.Lexicon.default())
    lexicon_sync.reset_lexicon_cache()
