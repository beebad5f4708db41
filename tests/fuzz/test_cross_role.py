"""No role can act on another party's object: schema-generated requests with other parties' ids.

Every write route with an {id} in the live schema must appear in WRITERS (so a new route cannot be
forgotten); each is fuzzed, on every seeded object it applies to, as every role that may NOT write
that object, and must answer 401/403/404. Afterwards the rows are exactly as before. Reads of
private objects (drafts, withdrawn outcomes, other parties' reviews, deals, questions, import jobs,
conflicts of interest) are refused the same way, and a confidential need and an enterprise's
contact details show only to those entitled.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from django.db import models
from hypothesis import HealthCheck, Phase, given, settings

from brokers.models import ConflictOfInterest, TechnologyManager
from imports.models import ImportJob
from matchmaker.models import Match, MatchEvent, MatchQuestion
from needs.models import Enterprise, Need
from outcomes.models import Institution, Outcome
from tests.fuzz.conftest import Parties

pytestmark = [pytest.mark.live]

EXAMPLES = int(os.environ.get("FUZZ_CROSS_ROLE_EXAMPLES", "2"))
ALL_ROLES = (
    "anonymous",
    "enterprise",
    "other_enterprise",
    "institution",
    "other_institution",
    "manager",
    "other_manager",
    "expired_manager",
    "staff",
)
MANAGERS = {"manager", "other_manager"}  # in force: every proposal is theirs to review
REFUSED = {401, 403, 404}

# Write route → {seeded object: the roles that may write it}. Everyone else must be refused.
WRITERS: dict[str, dict[str, set[str]]] = {
    "/api/v1/enterprises/{id}/": {
        "enterprise": {"enterprise", "staff"},
        "other_enterprise": {"other_enterprise", "staff"},
    },
    "/api/v1/needs/{id}/": {
        "need": {"enterprise"},
        "confidential_need": {"enterprise"},
        "draft_need": {"enterprise"},
        "other_need": {"other_enterprise"},
    },
    "/api/v1/needs/{id}/rematch/": {
        "need": {"enterprise", "staff", *MANAGERS},
        "draft_need": {"enterprise", "staff", *MANAGERS},
        "other_need": {"other_enterprise", "staff", *MANAGERS},
    },
    "/api/v1/institutions/{id}/": {
        "institution": {"institution", "staff"},
        "other_institution": {"other_institution", "staff"},
    },
    "/api/v1/outcomes/{id}/": {
        "outcome": {"institution"},
        "withdrawn_outcome": {"institution"},
        "other_outcome": {"other_institution"},
    },
    **{
        f"/api/v1/managers/{{id}}/{suffix}": {
            "manager": {"staff"},
            "other_manager": {"staff"},
            "expired_manager": {"staff"},
        }
        for suffix in ("", "renew/", "stars/", "suspend/")
    },
    **{
        # Any manager in force reviews any proposal (a decided one answers 409); staff do not decide.
        f"/api/v1/reviews/{{id}}/{verb}/": {"proposed_match": MANAGERS, "approved_match": MANAGERS}
        for verb in ("approve", "reject", "ask")
    },
    "/api/v1/reviews/{id}/reopen/": {"rejected_match": {"staff"}, "proposed_match": {"staff"}},
    # The parties may close a deal; the manager who approved it, and staff, move it on.
    "/api/v1/deals/{id}/move/": {"approved_match": {"enterprise", "institution", "manager", "staff"}},
    # Only the party asked answers.
    "/api/v1/questions/{id}/answer/": {"question": {"enterprise"}},
}

# Read route → {seeded private object: the roles that may read it}. Everyone else: 401/403/404.
READERS: dict[str, dict[str, set[str]]] = {
    "/api/v1/needs/{id}/": {"draft_need": {"enterprise", "staff", *MANAGERS}},
    "/api/v1/needs/{id}/matches/": {"need": {"enterprise", "staff", *MANAGERS}},
    "/api/v1/needs/{id}/rejections/": {"need": {"enterprise", "staff", *MANAGERS}},
    "/api/v1/outcomes/{id}/": {"withdrawn_outcome": {"institution", "staff", *MANAGERS}},
    "/api/v1/outcomes/{id}/matches/": {"outcome": {"institution", "staff", *MANAGERS}},
    "/api/v1/outcomes/{id}/rejections/": {"outcome": {"institution", "staff", *MANAGERS}},
    "/api/v1/managers/{id}/": {"expired_manager": {"staff"}},
    "/api/v1/conflicts/{id}/": {"conflict": {"manager", "staff"}, "other_conflict": {"other_manager", "staff"}},
    "/api/v1/reviews/{id}/": {"proposed_match": {"staff", *MANAGERS}},
    "/api/v1/reviews/{id}/events/": {"proposed_match": {"staff", *MANAGERS}},
    "/api/v1/deals/{id}/": {"approved_match": {"enterprise", "institution", "staff", *MANAGERS}},
    "/api/v1/questions/{id}/": {"question": {"enterprise", "staff", *MANAGERS}},
    "/api/v1/imports/{id}/": {"import_job": {"institution", "staff"}},
    "/api/v1/imports/{id}/report/": {"import_job": {"institution", "staff"}},
}

SNAPSHOT_MODELS: tuple[type[models.Model], ...] = (
    Enterprise,
    Need,
    Institution,
    Outcome,
    TechnologyManager,
    ConflictOfInterest,
    Match,
    MatchEvent,
    MatchQuestion,
    ImportJob,
)


def snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}


def live_operations(parties: Parties):
    schema = schemathesis.openapi.from_url(f"{parties.base}/api/schema/", timeout=60)
    return [result.ok() for result in schema.get_all_operations()]


def attack(operation, pk: int, role: str, parties: Parties, session: requests.Session) -> str | None:
    """Schema-valid requests about object `pk` as `role`; the first answer that was not a refusal."""
    headers = parties.headers(role)
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters={"id": pk}))
    def run(case) -> None:
        # The role's own token, never one the generator made up.
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.cookies = {}
        response = case.call(base_url=parties.base, session=session, headers=headers, timeout=60)
        if response.status_code not in REFUSED and not found:
            found.append(f"{operation.label} id={pk} as {role}: {response.status_code} {response.text[:300]}")

    run()
    return found[0] if found else None


def test_no_role_writes_another_partys_object(parties: Parties):
    operations = [op for op in live_operations(parties) if op.method.upper() not in ("GET", "HEAD", "OPTIONS")]
    object_routes = [op for op in operations if "{id}" in op.path]
    missing = sorted({op.path for op in object_routes} - set(WRITERS))
    assert not missing, f"write routes with no entry in WRITERS (who may write them?): {missing}"

    before = snapshot()
    breaches = []
    with requests.Session() as session:
        for operation in object_routes:
            for name, writers in WRITERS[operation.path].items():
                for role in ALL_ROLES:
                    if role in writers:
                        continue
                    breach = attack(operation, parties.ids[name], role, parties, session)
                    if breach:
                        breaches.append(breach)
    assert not breaches, "another party's object was written:\n" + "\n".join(breaches)
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused requests changed rows of {changed}"


def test_no_role_reads_another_partys_private_object(parties: Parties):
    routes = {op.path for op in live_operations(parties) if op.method.upper() == "GET"}
    missing = sorted(set(READERS) - routes)
    assert not missing, f"READERS names routes the schema no longer has: {missing}"
    breaches = []
    with requests.Session() as session:
        for path, objects in READERS.items():
            for name, readers in objects.items():
                url = parties.base + path.replace("{id}", str(parties.ids[name]))
                for role in ALL_ROLES:
                    status = session.get(url, headers=parties.headers(role), timeout=60).status_code
                    allowed = role in readers
                    if allowed and status != 200:
                        breaches.append(f"GET {path} {name} as {role}: {status}, expected 200")
                    if not allowed and status not in REFUSED:
                        breaches.append(f"GET {path} {name} as {role}: {status}, expected 401/403/404")
    assert not breaches, "\n".join(breaches)


def test_confidential_details_and_contacts_only_to_those_entitled(parties: Parties):
    need_url = f"{parties.base}/api/v1/needs/{parties.ids['confidential_need']}/"
    enterprise_url = f"{parties.base}/api/v1/enterprises/{parties.ids['enterprise']}/"
    # The institution of the approved pairing is entitled to the need's details and the contact.
    entitled = {"enterprise", "institution", "staff", *MANAGERS}
    for role in ALL_ROLES:
        need = requests.get(need_url, headers=parties.headers(role), timeout=60).json()
        enterprise = requests.get(enterprise_url, headers=parties.headers(role), timeout=60).json()
        if role in entitled:
            assert need["summary_only"] is False and "description" in need, role
            assert "contact_phone" in enterprise, role
        else:
            assert need["summary_only"] is True, role
            assert not {"description", "budget_wan", "enterprise", "deadline"} & need.keys(), (role, need)
            assert need["title"] == "功率模块封装可靠性提升", role
            assert not {"contact_phone", "contact_email", "contact_name", "credit_code"} & enterprise.keys(), role
