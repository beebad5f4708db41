"""schemathesis against the live OpenAPI schema of a running gunicorn, as every role.

For each role and each operation the fuzzer sends schema-valid requests (and, for the object
routes, requests about real rows of every party) and checks: no 5xx, every status and content type
documented, every body valid against the documented schema. Bounded by FUZZ_MAX_EXAMPLES.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ_ROLES, Parties
from tests.fuzz.server import log_tail

pytestmark = [pytest.mark.live]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
CHECKS = [
    getattr(schemathesis.checks, name)
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
]
# Rows of each party per path prefix, so object routes are fuzzed on real objects, not only on 404s.
OBJECTS = {
    "/api/v1/enterprises/": ("enterprise", "other_enterprise"),
    "/api/v1/needs/": ("need", "confidential_need", "draft_need", "other_need"),
    "/api/v1/institutions/": ("institution", "other_institution"),
    "/api/v1/outcomes/": ("outcome", "withdrawn_outcome", "other_outcome"),
    "/api/v1/managers/": ("manager", "other_manager", "expired_manager"),
    "/api/v1/conflicts/": ("conflict", "other_conflict"),
    "/api/v1/reviews/": ("proposed_match", "approved_match", "rejected_match"),
    "/api/v1/deals/": ("approved_match", "proposed_match"),
    "/api/v1/questions/": ("question",),
    "/api/v1/imports/": ("import_job",),
}


def object_ids(parties: Parties, path: str) -> list[int]:
    for prefix, names in OBJECTS.items():
        if path.startswith(prefix):
            return [parties.ids[name] for name in names]
    return []


def strategy_for(operation, parties: Parties):
    strategies = [operation.as_strategy()]
    if "{id}" in operation.path:
        strategies += [operation.as_strategy(path_parameters={"id": pk}) for pk in object_ids(parties, operation.path)]
    return st.one_of(*strategies)


def fuzz_operation(operation, parties: Parties, role: str, session: requests.Session) -> str | None:
    """Run the bounded fuzz of one operation as one role; the failure report, or None."""
    headers = parties.headers(role)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        # No shrinking: a failure is reported with its request as found, which keeps the run bounded.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy_for(operation, parties))
    def run(case) -> None:
        # As the role itself: its own token (none for anonymous), not credentials the generator made up.
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.cookies = {}
        response = case.call(base_url=parties.base, session=session, headers=headers, timeout=60)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # schemathesis reports check failures as an exception group
        return f"--- {operation.label} as {role}:\n{exc}"
    return None


def test_fuzz_every_operation_as_every_role(parties: Parties):
    schema = schemathesis.openapi.from_url(f"{parties.base}/api/schema/", timeout=60)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40, "the live schema lost its operations"
    failures = []
    with requests.Session() as session:
        for role in FUZZ_ROLES:
            for operation in operations:
                failure = fuzz_operation(operation, parties, role, session)
                if failure:
                    failures.append(failure)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures) + "\n\nserver log:\n" + log_tail()
