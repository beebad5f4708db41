"""Every role against every API endpoint and method, and what a confidential need shows to whom.

The table in MATRIX is the contract: one row per (resource, action, target), one status per role
in conftest.ROLES order. A refused write must leave the table exactly as it was; a successful one
must show its change in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models

from brokers.models import ConflictOfInterest, TechnologyManager
from config.api import router
from needs.models import Enterprise, Need
from outcomes.models import Institution, Outcome
from tests.conftest import ROLES, World
from tests.factories import UserFactory, valid_uscc

TODAY = dt.date.today()
NEW_VALID_UNTIL = TODAY + dt.timedelta(days=1000)

# fmt: off
# Statuses per role, in conftest.ROLES order:
#   anon = anonymous, ent = enterprise_member (alice, of ent-own), o-ent = other_enterprise_member,
#   inst = institution_member (ivan, of inst-own), o-inst = other_institution_member,
#   mgr = valid manager, x-mgr = expired manager, staff.
# The target names the world's row the request is about (for `create`, the owner it is created for).
MATRIX: dict[tuple[str, str, str], tuple[int, ...]] = {
    #  basename       action            target                 anon  ent  o-ent inst o-inst mgr x-mgr staff
    ("enterprise",  "list",           "-"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("enterprise",  "retrieve",       "enterprise"):        (200, 200, 200, 200, 200, 200, 200, 200),
    ("enterprise",  "create",         "-"):                 (401, 403, 403, 403, 403, 403, 403, 201),
    ("enterprise",  "update",         "enterprise"):        (401, 200, 403, 403, 403, 403, 403, 200),
    ("enterprise",  "partial_update", "enterprise"):        (401, 200, 403, 403, 403, 403, 403, 200),
    ("enterprise",  "destroy",        "enterprise"):        (405, 405, 405, 405, 405, 405, 405, 405),

    ("need",        "list",           "-"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("need",        "retrieve",       "need"):              (200, 200, 200, 200, 200, 200, 200, 200),
    ("need",        "retrieve",       "confidential_need"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("need",        "retrieve",       "draft_need"):        (404, 200, 404, 404, 404, 200, 404, 200),
    ("need",        "create",         "enterprise"):        (401, 201, 403, 403, 403, 403, 403, 403),
    ("need",        "create",         "other_enterprise"):  (401, 403, 201, 403, 403, 403, 403, 403),
    ("need",        "update",         "need"):              (401, 200, 403, 403, 403, 403, 403, 403),
    ("need",        "update",         "draft_need"):        (401, 200, 404, 403, 403, 403, 403, 403),
    ("need",        "update",         "other_need"):        (401, 403, 200, 403, 403, 403, 403, 403),
    ("need",        "partial_update", "need"):              (401, 200, 403, 403, 403, 403, 403, 403),
    ("need",        "partial_update", "confidential_need"): (401, 200, 403, 403, 403, 403, 403, 403),
    ("need",        "partial_update", "draft_need"):        (401, 200, 404, 403, 403, 403, 403, 403),
    ("need",        "partial_update", "other_need"):        (401, 403, 200, 403, 403, 403, 403, 403),
    ("need",        "destroy",        "need"):              (405, 405, 405, 405, 405, 405, 405, 405),

    ("institution", "list",           "-"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("institution", "retrieve",       "institution"):       (200, 200, 200, 200, 200, 200, 200, 200),
    ("institution", "create",         "-"):                 (401, 403, 403, 403, 403, 403, 403, 201),
    ("institution", "update",         "institution"):       (401, 403, 403, 200, 403, 403, 403, 200),
    ("institution", "partial_update", "institution"):       (401, 403, 403, 200, 403, 403, 403, 200),
    ("institution", "destroy",        "institution"):       (405, 405, 405, 405, 405, 405, 405, 405),

    ("outcome",     "list",           "-"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("outcome",     "retrieve",       "outcome"):           (200, 200, 200, 200, 200, 200, 200, 200),
    ("outcome",     "retrieve",       "withdrawn_outcome"): (404, 404, 404, 200, 404, 200, 404, 200),
    ("outcome",     "create",         "institution"):       (401, 403, 403, 201, 403, 403, 403, 403),
    ("outcome",     "create",         "other_institution"): (401, 403, 403, 403, 201, 403, 403, 403),
    ("outcome",     "update",         "outcome"):           (401, 403, 403, 200, 403, 403, 403, 403),
    ("outcome",     "update",         "withdrawn_outcome"): (401, 403, 403, 200, 404, 403, 403, 403),
    ("outcome",     "update",         "other_outcome"):     (401, 403, 403, 403, 200, 403, 403, 403),
    ("outcome",     "partial_update", "outcome"):           (401, 403, 403, 200, 403, 403, 403, 403),
    ("outcome",     "partial_update", "withdrawn_outcome"): (401, 403, 403, 200, 404, 403, 403, 403),
    ("outcome",     "partial_update", "other_outcome"):     (401, 403, 403, 403, 200, 403, 403, 403),
    ("outcome",     "destroy",        "outcome"):           (405, 405, 405, 405, 405, 405, 405, 405),

    ("manager",     "list",           "-"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("manager",     "retrieve",       "manager"):           (200, 200, 200, 200, 200, 200, 200, 200),
    ("manager",     "retrieve",       "expired_manager"):   (404, 404, 404, 404, 404, 404, 404, 200),
    ("manager",     "create",         "-"):                 (401, 403, 403, 403, 403, 403, 403, 201),
    ("manager",     "update",         "manager"):           (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "partial_update", "manager"):           (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "destroy",        "manager"):           (401, 403, 403, 403, 403, 403, 403, 405),
    ("manager",     "suspend",        "manager"):           (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "suspend",        "expired_manager"):   (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "renew",          "manager"):           (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "renew",          "expired_manager"):   (401, 403, 403, 403, 403, 403, 403, 200),
    ("manager",     "stars",          "manager"):           (401, 403, 403, 403, 403, 403, 403, 200),

    # Conflicts of interest: a manager (in force or not) declares their own; staff read all.
    ("conflict",    "list",           "-"):                 (401, 200, 200, 200, 200, 200, 200, 200),
    ("conflict",    "retrieve",       "bob_conflict"):      (401, 404, 404, 404, 404, 200, 404, 200),
    ("conflict",    "create",         "-"):                 (401, 403, 403, 403, 403, 201, 201, 403),
    ("conflict",    "destroy",        "bob_conflict"):      (401, 405, 405, 405, 405, 405, 405, 405),
}
# fmt: on

PREFIX = {
    "enterprise": "enterprises",
    "need": "needs",
    "institution": "institutions",
    "outcome": "outcomes",
    "manager": "managers",
    "conflict": "conflicts",
}
MODEL: dict[str, type[models.Model]] = {
    "enterprise": Enterprise,
    "need": Need,
    "institution": Institution,
    "outcome": Outcome,
    "manager": TechnologyManager,
    "conflict": ConflictOfInterest,
}
METHOD = {
    "list": "get",
    "retrieve": "get",
    "create": "post",
    "update": "put",
    "partial_update": "patch",
    "destroy": "delete",
    "suspend": "post",
    "renew": "post",
    "stars": "post",
}


def target_row(world: World, target: str) -> models.Model:
    if target in ("manager", "expired_manager"):
        return world.users[target].technology_manager
    if target == "bob_conflict":
        bob = world.users["manager"].technology_manager
        return ConflictOfInterest.objects.get_or_create(manager=bob, enterprise=world.enterprise)[0]
    return getattr(world, target)


def url_for(world: World, basename: str, action: str, target: str) -> str:
    base = f"/api/v1/{PREFIX[basename]}/"
    if action in ("list", "create"):
        return base
    url = f"{base}{target_row(world, target).pk}/"
    return f"{url}{action}/" if action in ("suspend", "renew", "stars") else url


# --- what each write sends, and how its success shows in the database -------------------------


def enterprise_fields(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "code": enterprise.code,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "city": enterprise.city,
        "industry_chain": enterprise.industry_chain,
    }


def need_fields(need: Need) -> dict[str, Any]:
    return {
        "enterprise": need.enterprise.code,
        "title": need.title,
        "description": need.description,
        "industry_chain": need.industry_chain,
        "city": need.city,
    }


def institution_fields(institution: Institution) -> dict[str, Any]:
    return {"code": institution.code, "name": institution.name, "kind": institution.kind, "city": institution.city}


def outcome_fields(outcome: Outcome) -> dict[str, Any]:
    return {
        "institution": outcome.institution.code,
        "external_id": outcome.external_id,
        "title": outcome.title,
        "abstract": outcome.abstract,
        "industry_chain": outcome.industry_chain,
        "trl": outcome.trl,
    }


def manager_fields(manager: TechnologyManager) -> dict[str, Any]:
    return {
        "user": manager.user.username,
        "certificate_number": manager.certificate_number,
        "certified_on": manager.certified_on.isoformat(),
        "valid_until": manager.valid_until.isoformat(),
    }


def new_manager_user(world: World) -> dict[str, Any]:
    UserFactory(username="newbie")
    return {
        "user": "newbie",
        "certificate_number": "SXJL-NEW-0001",
        "certified_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=730)).isoformat(),
    }


NEW_NAME = "改名后的名称"
NEW_TITLE = "改写后的需求标题"

# (basename, action) -> payload builder; the target row (or owner, for create) is passed in.
PAYLOADS: dict[tuple[str, str], Callable[[World, Any], dict[str, Any]]] = {
    ("enterprise", "create"): lambda w, _: {
        "code": "ent-new",
        "name": "新注册企业",
        "credit_code": valid_uscc(424242),
        "city": "西安",
        "industry_chain": "photonics",
    },
    ("enterprise", "update"): lambda w, row: {**enterprise_fields(row), "name": NEW_NAME},
    ("enterprise", "partial_update"): lambda w, row: {"name": NEW_NAME},
    ("need", "create"): lambda w, owner: {
        "enterprise": owner.code,
        "title": "新发布的需求",
        "description": "需要一种低成本的储氢材料。",
        "industry_chain": "hydrogen",
        "city": "西安",
    },
    ("need", "update"): lambda w, row: {**need_fields(row), "title": NEW_TITLE},
    ("need", "partial_update"): lambda w, row: {"title": NEW_TITLE},
    ("institution", "create"): lambda w, _: {
        "code": "inst-new",
        "name": "新研究院",
        "kind": "institute",
        "city": "西安",
    },
    ("institution", "update"): lambda w, row: {**institution_fields(row), "name": NEW_NAME},
    ("institution", "partial_update"): lambda w, row: {"name": NEW_NAME},
    ("outcome", "create"): lambda w, owner: {
        "institution": owner.code,
        "external_id": "NEW-0001",
        "title": "新登记的成果",
        "abstract": "一种新型质子交换膜。",
        "industry_chain": "hydrogen",
        "trl": 5,
    },
    ("outcome", "update"): lambda w, row: {**outcome_fields(row), "title": NEW_TITLE},
    ("outcome", "partial_update"): lambda w, row: {"title": NEW_TITLE},
    ("manager", "create"): lambda w, _: new_manager_user(w),
    ("manager", "update"): lambda w, row: {**manager_fields(row), "star_level": 5},
    ("manager", "partial_update"): lambda w, row: {"star_level": 5},
    ("manager", "suspend"): lambda w, row: {"reason": "投诉核查中"},
    ("manager", "renew"): lambda w, row: {"valid_until": NEW_VALID_UNTIL.isoformat()},
    ("manager", "stars"): lambda w, row: {"level": 5, "reason": "年度考核优秀"},
    ("conflict", "create"): lambda w, _: {"institution": "inst-other", "note": "曾任该校兼职教授"},
}


def table(model: type[models.Model]) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def assert_write_applied(basename: str, action: str, before: list[dict], row: models.Model | None, body: dict):
    """The database shows the change the request asked for, and nothing else was created."""
    model = MODEL[basename]
    after = table(model)
    if action == "create":
        assert len(after) == len(before) + 1
        created = model.objects.get(pk=body["id"])
        label = {"enterprise": "name", "institution": "name", "manager": "certificate_number", "conflict": "note"}.get(
            basename, "title"
        )
        assert getattr(created, label) == body[label]
        return
    assert len(after) == len(before)
    row.refresh_from_db()
    if action in ("update", "partial_update"):
        field = {"need": "title", "outcome": "title", "manager": "star_level"}.get(basename, "name")
        expected = {"title": NEW_TITLE, "name": NEW_NAME, "star_level": 5}[field]
        assert getattr(row, field) == expected
        assert body[field] == expected
    elif action == "suspend":
        assert row.active is False
        assert row.suspended_reason == "投诉核查中"
        assert body["in_force"] is False
    elif action == "renew":
        assert row.active is True
        assert row.valid_until == NEW_VALID_UNTIL
        assert body["in_force"] is True
    elif action == "stars":
        assert (row.star_override, row.star_level, row.star_override_reason) == (5, 5, "年度考核优秀")
        assert body["star_level"] == 5
    else:  # pragma: no cover - the matrix has no other successful write
        raise AssertionError(f"no check for {action}")
    # Only the target row changed.
    others_before = [r for r in before if r["id"] != row.pk]
    others_after = [r for r in after if r["id"] != row.pk]
    assert others_before == others_after


CASES = [
    pytest.param(basename, action, target, role, expected[i], id=f"{basename}-{action}-{target}-{role}")
    for (basename, action, target), expected in MATRIX.items()
    for i, role in enumerate(ROLES)
]


def test_every_matrix_row_names_a_status_for_every_role():
    for key, statuses in MATRIX.items():
        assert len(statuses) == len(ROLES), key


@pytest.mark.parametrize(("basename", "action", "target", "role", "expected"), CASES)
def test_each_role_gets_the_contracted_status_on_each_endpoint(world, basename, action, target, role, expected):
    model = MODEL[basename]
    row = None if action in ("list", "create") else target_row(world, target)
    payload = None
    if (basename, action) in PAYLOADS:
        owner = getattr(world, target) if action == "create" and target != "-" else row
        payload = PAYLOADS[(basename, action)](world, owner)
    before = table(model)

    method = getattr(world.client(role), METHOD[action])
    url = url_for(world, basename, action, target)
    response = method(url, payload, format="json") if payload is not None else method(url)

    assert response.status_code == expected, response.content.decode()
    if action in ("list", "retrieve"):
        assert table(model) == before
        if expected == 200:
            body = response.json()
            if action == "list":
                assert "results" in body
            else:
                assert body["id"] == row.pk
        return
    if 200 <= expected < 300:
        assert_write_applied(basename, action, before, row, response.json())
        if action == "create" and basename == "conflict":
            created = ConflictOfInterest.objects.get(pk=response.json()["id"])
            assert created.manager.user == world.users[role]
            assert created.institution == world.other_institution
        if action == "create" and basename in ("need", "outcome"):
            created = model.objects.get(pk=response.json()["id"])
            assert created.created_by == world.users[role]
            assert getattr(created, "enterprise" if basename == "need" else "institution") == getattr(world, target)
    else:
        assert table(model) == before


def routed_actions() -> set[tuple[str, str]]:
    found = set()
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for action in router.get_method_map(viewset, route.mapping).values():
                found.add((basename, action))
    return found


def test_every_registered_route_and_action_has_a_row_in_a_matrix():
    """A new route cannot be forgotten: every routed action has rows here or in the review matrix."""
    from tests.imports.test_import_api import IMPORT_MATRIX
    from tests.matchmaker.test_review_api import REVIEW_MATRIX

    covered = {(basename, action) for basename, action, _target in MATRIX}
    for matrix in (REVIEW_MATRIX, IMPORT_MATRIX):
        covered |= {(basename, action) for basename, actions in matrix.items() for action in actions}
    routed = routed_actions()
    missing = routed - covered
    assert not missing, f"add these to a permission matrix: {sorted(missing)}"
    # DELETE is answered (405 or a refusal) for every resource, so it has rows too.
    basenames = {basename for _prefix, _viewset, basename in router.registry}
    assert {(b, "destroy") for b in basenames} <= covered
    # And the matrices test no resource the router does not have.
    assert {basename for basename, _action in covered} == basenames


# Routes outside the router, by URL name: (name, method) -> statuses per role, for a request without
# a body. The other non-router routes have their role tables next to their features
# (tests/matchmaker/test_api.py, tests/analytics/test_api.py).
PATH_MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    #                              anon  ent  o-ent inst o-inst mgr x-mgr staff
    ("api-logout", "post"): (401, 204, 204, 204, 204, 204, 204, 204),
    ("api-logout", "get"): (401, 405, 405, 405, 405, 405, 405, 405),
}


@pytest.mark.parametrize(
    ("name", "method", "role", "expected"),
    [
        (name, method, role, statuses[i])
        for (name, method), statuses in PATH_MATRIX.items()
        for i, role in enumerate(ROLES)
    ],
)
def test_each_role_gets_the_contracted_status_on_each_path(world, name, method, role, expected):
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    tokens = {r: Token.objects.create(user=u) for r, u in world.users.items()}
    response = getattr(world.client(role), method)(reverse(name))
    assert response.status_code == expected, response.content.decode()
    # Logout revokes the caller's own token only.
    revoked = {r for r in tokens if not Token.objects.filter(pk=tokens[r].pk).exists()}
    assert revoked == ({role} if expected == 204 else set())


# The other routes outside the router and the per-role test that covers each.
ROLE_TESTS_ELSEWHERE = {
    "api-token": "tests/core/test_lockout.py::test_an_unknown_username_locks_the_same_way",  # open to anyone
    "need-matches": "tests/matchmaker/test_api.py::test_need_matches_are_shown_per_role",
    "need-rematch": "tests/matchmaker/test_api.py::test_rematch_is_allowed_to_the_owner_and_managers",
    "need-rejections": (
        "tests/matchmaker/test_review_api.py::test_the_need_rejection_summary_aggregates_reasons_for_the_owner_only"
    ),
    "outcome-matches": "tests/matchmaker/test_api.py::test_outcome_matches_show_the_institution_only_approved_pairings",
    "outcome-rejections": (
        "tests/matchmaker/test_review_api.py::test_the_outcome_rejection_summary_aggregates_reasons_for_the_owner_only"
    ),
    "match-preview": "tests/matchmaker/test_api.py::test_preview_needs_a_login",
    "analytics-funnel": "tests/analytics/test_api.py::test_api_access_per_role",
    "analytics-regional-flows": "tests/analytics/test_api.py::test_api_access_per_role",
    "analytics-managers": "tests/analytics/test_api.py::test_api_access_per_role",
}


def test_every_route_outside_the_router_has_a_role_test():
    """A new path() in config/api.py fails here until its per-role statuses are tested somewhere."""
    from pathlib import Path

    from config.api import urlpatterns

    routed = {p.name for p in router.urls}
    names = {p.name for p in urlpatterns if p.name not in routed}
    covered = {name for name, _method in PATH_MATRIX} | set(ROLE_TESTS_ELSEWHERE)
    assert names == covered, f"missing: {sorted(names - covered)}, stale: {sorted(covered - names)}"
    root = Path(__file__).resolve().parents[2]
    for name, where in ROLE_TESTS_ELSEWHERE.items():
        path, function = where.split("::")
        assert f"def {function}(" in (root / path).read_text(encoding="utf-8"), name


def test_the_roles_in_the_matrix_are_the_roles_of_the_world(world):
    assert set(ROLES) == {"anonymous", *world.users}


# --- confidential needs --------------------------------------------------------------------------

SUMMARY_KEYS = {"id", "title", "industry_chain", "city", "confidential", "status", "summary_only", "created_at"}
OUTSIDERS = (
    "anonymous",
    "other_enterprise_member",
    "institution_member",
    "other_institution_member",
    "expired_manager",
)
INSIDERS = ("enterprise_member", "manager", "staff")


def listed(world: World, role: str, path: str, **params) -> list[dict]:
    response = world.client(role).get(path, {"page_size": 100, **params})
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_it_shows_only_a_summary_of_a_confidential_need_to_outsiders(world, role):
    need = world.confidential_need

    response = world.client(role).get(f"/api/v1/needs/{need.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == SUMMARY_KEYS
    assert body["title"] == "功率模块封装可靠性提升"
    assert body["summary_only"] is True
    assert body["confidential"] is True
    assert (body["industry_chain"], body["city"], body["status"]) == (need.industry_chain, need.city, "open")
    text = response.content.decode()
    # The budget as the API writes it ("150.00"): a bare "150" also matched a timestamp's microseconds.
    for secret in (need.title, need.description, "ent-own", world.enterprise.name, "150.00"):
        assert secret not in text


@pytest.mark.parametrize("role", OUTSIDERS)
def test_it_lists_a_confidential_need_as_a_summary_for_outsiders(world, role):
    rows = {row["id"]: row for row in listed(world, role, "/api/v1/needs/")}

    summary = rows[world.confidential_need.pk]
    assert set(summary) == SUMMARY_KEYS
    assert summary["summary_only"] is True
    assert "description" not in summary
    assert rows[world.need.pk]["summary_only"] is False
    assert rows[world.need.pk]["description"] == world.need.description


def test_it_titles_a_confidential_need_without_public_title_as_confidential_need(world):
    Need.objects.filter(pk=world.confidential_need.pk).update(public_title="")

    body = world.client("anonymous").get(f"/api/v1/needs/{world.confidential_need.pk}/").json()

    assert body["title"] == "保密需求"
    assert world.confidential_need.title not in str(body)


@pytest.mark.parametrize("role", INSIDERS)
def test_it_shows_confidential_details_to_owner_manager_and_staff(world, role):
    need = world.confidential_need

    body = world.client(role).get(f"/api/v1/needs/{need.pk}/").json()

    assert body["summary_only"] is False
    assert body["title"] == need.title
    assert body["description"] == need.description
    assert body["enterprise"] == "ent-own"
    assert body["enterprise_name"] == world.enterprise.name
    assert body["budget_wan"] == "150.00"


VISIBLE_NEEDS = {
    "anonymous": {"need", "confidential_need", "other_need"},
    "enterprise_member": {"need", "confidential_need", "draft_need", "other_need"},
    "other_enterprise_member": {"need", "confidential_need", "other_need"},
    "institution_member": {"need", "confidential_need", "other_need"},
    "other_institution_member": {"need", "confidential_need", "other_need"},
    "manager": {"need", "confidential_need", "draft_need", "other_need"},
    "expired_manager": {"need", "confidential_need", "other_need"},
    "staff": {"need", "confidential_need", "draft_need", "other_need"},
}
VISIBLE_OUTCOMES = {
    "anonymous": {"outcome", "other_outcome"},
    "enterprise_member": {"outcome", "other_outcome"},
    "other_enterprise_member": {"outcome", "other_outcome"},
    "institution_member": {"outcome", "withdrawn_outcome", "other_outcome"},
    "other_institution_member": {"outcome", "other_outcome"},
    "manager": {"outcome", "withdrawn_outcome", "other_outcome"},
    "expired_manager": {"outcome", "other_outcome"},
    "staff": {"outcome", "withdrawn_outcome", "other_outcome"},
}


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_drafts_and_closed_needs_only_to_owner_managers_and_staff(world, role):
    closed = Need.objects.create(
        enterprise=world.enterprise, title="已关闭的需求", description="d", industry_chain="hydrogen", city="西安"
    )
    Need.objects.filter(pk=closed.pk).update(status=Need.Status.CLOSED)
    ids = {row["id"] for row in listed(world, role, "/api/v1/needs/")}

    expected = {getattr(world, name).pk for name in VISIBLE_NEEDS[role]}
    if "draft_need" in VISIBLE_NEEDS[role]:
        expected.add(closed.pk)
    assert ids == expected


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_withdrawn_outcomes_only_to_own_institution_managers_and_staff(world, role):
    ids = {row["id"] for row in listed(world, role, "/api/v1/outcomes/")}

    assert ids == {getattr(world, name).pk for name in VISIBLE_OUTCOMES[role]}


def test_a_suspended_manager_sees_only_the_summary_until_renewed(world):
    need = world.confidential_need
    manager = world.users["manager"].technology_manager
    bob = world.client("manager")
    staff = world.client("staff")
    assert bob.get(f"/api/v1/needs/{need.pk}/").json()["description"] == need.description

    response = staff.post(f"/api/v1/managers/{manager.pk}/suspend/", {"reason": "违规"}, format="json")
    assert response.status_code == 200
    manager.refresh_from_db()
    assert (manager.active, manager.suspended_reason) == (False, "违规")
    body = world.client("manager").get(f"/api/v1/needs/{need.pk}/").json()
    assert set(body) == SUMMARY_KEYS
    assert world.client("manager").get(f"/api/v1/needs/{world.draft_need.pk}/").status_code == 404

    response = staff.post(
        f"/api/v1/managers/{manager.pk}/renew/", {"valid_until": NEW_VALID_UNTIL.isoformat()}, format="json"
    )
    assert response.status_code == 200
    manager.refresh_from_db()
    assert (manager.active, manager.suspended_reason, manager.valid_until) == (True, "", NEW_VALID_UNTIL)
    body = world.client("manager").get(f"/api/v1/needs/{need.pk}/").json()
    assert body["description"] == need.description
    assert body["enterprise"] == "ent-own"


def test_a_renewed_expired_manager_sees_confidential_details(world):
    manager = world.users["expired_manager"].technology_manager
    need = world.confidential_need
    assert "description" not in world.client("expired_manager").get(f"/api/v1/needs/{need.pk}/").json()

    world.client("staff").post(
        f"/api/v1/managers/{manager.pk}/renew/", {"valid_until": NEW_VALID_UNTIL.isoformat()}, format="json"
    )

    assert world.client("expired_manager").get(f"/api/v1/needs/{need.pk}/").json()["description"] == need.description


# --- managers directory ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lists_only_valid_managers_except_to_staff(world, role):
    bob = world.users["manager"].technology_manager
    eve = world.users["expired_manager"].technology_manager
    suspended = TechnologyManager.objects.create(
        user=UserFactory(username="sam"),
        certificate_number="SXJL-SUSP",
        certified_on=TODAY - dt.timedelta(days=10),
        valid_until=TODAY + dt.timedelta(days=300),
        active=False,
        suspended_reason="核查",
    )

    rows = listed(world, role, "/api/v1/managers/")

    ids = {row["id"] for row in rows}
    if role == "staff":
        assert ids == {bob.pk, eve.pk, suspended.pk}
    else:
        assert ids == {bob.pk}
        assert rows[0]["in_force"] is True
        assert rows[0]["user"] == "bob"


# --- contact details of enterprises and institutions ---------------------------------------------

ENTERPRISE_PRIVATE = {"credit_code", "contact_name", "contact_phone", "contact_email"}
INSTITUTION_PRIVATE = {"contact_name", "contact_phone", "contact_email"}
SEES_ENTERPRISE_CONTACT = {"enterprise_member", "manager", "staff"}
SEES_INSTITUTION_CONTACT = {"institution_member", "manager", "staff"}


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_enterprise_contact_details_only_to_members_managers_and_staff(world, role):
    client = world.client(role)
    enterprise = world.enterprise

    detail = client.get(f"/api/v1/enterprises/{enterprise.pk}/").json()
    listed_row = next(r for r in listed(world, role, "/api/v1/enterprises/") if r["id"] == enterprise.pk)

    for body in (detail, listed_row):
        assert body["name"] == enterprise.name
        if role in SEES_ENTERPRISE_CONTACT:
            assert body["contact_phone"] == enterprise.contact_phone
            assert body["credit_code"] == enterprise.credit_code
            assert body["contact_email"] == enterprise.contact_email
            assert body["contact_name"] == enterprise.contact_name
        else:
            assert not ENTERPRISE_PRIVATE & set(body)
            assert enterprise.contact_phone not in str(body)
            assert enterprise.credit_code not in str(body)


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_institution_contact_details_only_to_members_managers_and_staff(world, role):
    client = world.client(role)
    institution = world.institution

    detail = client.get(f"/api/v1/institutions/{institution.pk}/").json()
    listed_row = next(r for r in listed(world, role, "/api/v1/institutions/") if r["id"] == institution.pk)

    for body in (detail, listed_row):
        assert body["name"] == institution.name
        if role in SEES_INSTITUTION_CONTACT:
            assert body["contact_phone"] == institution.contact_phone
            assert body["contact_email"] == institution.contact_email
        else:
            assert not INSTITUTION_PRIVATE & set(body)
            assert institution.contact_phone not in str(body)


# --- the rules of writing needs and outcomes ------------------------------------------------------


def test_it_refuses_an_enterprise_member_setting_a_need_to_matched(world):
    alice = world.client("enterprise_member")
    payload = PAYLOADS[("need", "create")](world, world.enterprise)
    count = Need.objects.count()

    created = alice.post("/api/v1/needs/", {**payload, "status": "matched"}, format="json")
    patched = alice.patch(f"/api/v1/needs/{world.need.pk}/", {"status": "matched"}, format="json")

    assert created.status_code == 400
    assert "status" in created.json()
    assert patched.status_code == 400
    assert "status" in patched.json()
    assert Need.objects.count() == count
    world.need.refresh_from_db()
    assert world.need.status == Need.Status.OPEN


def test_it_lets_an_enterprise_member_close_its_need(world):
    response = world.client("enterprise_member").patch(
        f"/api/v1/needs/{world.need.pk}/", {"status": "closed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    world.need.refresh_from_db()
    assert world.need.status == Need.Status.CLOSED


def test_it_refuses_to_move_a_need_to_another_enterprise(world):
    before = table(Need)
    for method in ("patch", "put"):
        payload = {**need_fields(world.need), "enterprise": "ent-other"}
        response = getattr(world.client("enterprise_member"), method)(
            f"/api/v1/needs/{world.need.pk}/", payload, format="json"
        )
        assert response.status_code == 400
        assert "enterprise" in response.json()
    assert table(Need) == before


def test_it_refuses_to_move_an_outcome_to_another_institution(world):
    before = table(Outcome)

    response = world.client("institution_member").patch(
        f"/api/v1/outcomes/{world.outcome.pk}/", {"institution": "inst-other"}, format="json"
    )

    assert response.status_code == 400
    assert "institution" in response.json()
    assert table(Outcome) == before


def test_it_records_who_created_a_need(world):
    payload = PAYLOADS[("need", "create")](world, world.enterprise)

    response = world.client("enterprise_member").post("/api/v1/needs/", payload, format="json")

    assert response.status_code == 201
    need = Need.objects.get(pk=response.json()["id"])
    assert need.created_by == world.users["enterprise_member"]
    assert need.enterprise == world.enterprise
    assert need.status == Need.Status.OPEN


def test_it_does_not_delete_a_need_or_outcome_for_anyone(world):
    for role in ROLES:
        for path, row in (("needs", world.need), ("outcomes", world.outcome)):
            response = world.client(role).delete(f"/api/v1/{path}/{row.pk}/")
            assert not 200 <= response.status_code < 300, (role, path)
            if role != "anonymous":
                assert response.status_code == 405, (role, path)
            assert type(row).objects.filter(pk=row.pk).exists()
