"""Bad input to every writable endpoint: a 400 naming the field, and the database untouched.

Each case is sent as POST (onto a valid new row), PUT (onto the full existing row) and PATCH
(alone), by the role allowed to write that resource, so only the bad value can be the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models

from brokers.models import ConflictOfInterest, TechnologyManager
from needs.models import Enterprise, Need
from outcomes.models import Institution, Outcome
from tests.conftest import World
from tests.factories import UserFactory, valid_uscc

TODAY = dt.date.today()
LONG_TITLE = "题" * 201
LONG_TEXT = "文" * 5001
BAD_CHECK_DIGIT = valid_uscc(77)[:-1] + ("0" if valid_uscc(77)[-1] != "0" else "1")


@dataclass(frozen=True)
class Resource:
    path: str
    role: str
    model: type[models.Model]
    target: Callable[[World], models.Model]
    new: Callable[[World], dict[str, Any]]
    full: Callable[[models.Model], dict[str, Any]]


def _new_manager(world: World) -> dict[str, Any]:
    UserFactory(username="newbie")
    return {
        "user": "newbie",
        "certificate_number": "SXJL-NEW-0001",
        "certified_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=730)).isoformat(),
        "specialties": ["hydrogen"],
        "regions": ["西安"],
        "star_level": 2,
        "capacity": 10,
    }


RESOURCES = {
    "enterprises": Resource(
        path="enterprises",
        role="staff",
        model=Enterprise,
        target=lambda w: w.enterprise,
        new=lambda w: {
            "code": "ent-new",
            "name": "新注册企业",
            "credit_code": valid_uscc(5150),
            "city": "西安",
            "industry_chain": "photonics",
            "contact_email": "a@example.com",
        },
        full=lambda e: {
            "code": e.code,
            "name": e.name,
            "credit_code": e.credit_code,
            "city": e.city,
            "industry_chain": e.industry_chain,
            "contact_email": e.contact_email,
        },
    ),
    "needs": Resource(
        path="needs",
        role="enterprise_member",
        model=Need,
        target=lambda w: w.need,
        new=lambda w: {
            "enterprise": "ent-own",
            "title": "新发布的需求",
            "description": "需要一种低成本的储氢材料。",
            "industry_chain": "hydrogen",
            "city": "西安",
            "budget_wan": "80.00",
            "min_trl": 4,
            "cooperation_modes": ["licence"],
            "deadline": (TODAY + dt.timedelta(days=90)).isoformat(),
            "confidential": False,
            "status": "open",
        },
        full=lambda n: {
            "enterprise": n.enterprise.code,
            "title": n.title,
            "description": n.description,
            "industry_chain": n.industry_chain,
            "city": n.city,
            "budget_wan": str(n.budget_wan),
            "min_trl": n.min_trl,
            "cooperation_modes": n.cooperation_modes,
            "status": n.status,
        },
    ),
    "institutions": Resource(
        path="institutions",
        role="staff",
        model=Institution,
        target=lambda w: w.institution,
        new=lambda w: {"code": "inst-new", "name": "新研究院", "kind": "institute", "city": "西安"},
        full=lambda i: {"code": i.code, "name": i.name, "kind": i.kind, "city": i.city},
    ),
    "outcomes": Resource(
        path="outcomes",
        role="institution_member",
        model=Outcome,
        target=lambda w: w.outcome,
        new=lambda w: {
            "institution": "inst-own",
            "external_id": "NEW-0001",
            "title": "新登记的成果",
            "abstract": "一种新型质子交换膜。",
            "keywords": ["质子交换膜"],
            "industry_chain": "hydrogen",
            "trl": 5,
            "transfer_modes": ["licence"],
            "asking_price_wan": "30.00",
            "patent_numbers": ["ZL202310000000.1"],
        },
        full=lambda o: {
            "institution": o.institution.code,
            "external_id": o.external_id,
            "title": o.title,
            "abstract": o.abstract,
            "keywords": o.keywords,
            "industry_chain": o.industry_chain,
            "trl": o.trl,
            "transfer_modes": o.transfer_modes,
            "asking_price_wan": str(o.asking_price_wan),
        },
    ),
    "managers": Resource(
        path="managers",
        role="staff",
        model=TechnologyManager,
        target=lambda w: w.users["manager"].technology_manager,
        new=_new_manager,
        full=lambda m: {
            "user": m.user.username,
            "certificate_number": m.certificate_number,
            "certified_on": m.certified_on.isoformat(),
            "valid_until": m.valid_until.isoformat(),
            "specialties": m.specialties,
            "regions": m.regions,
            "star_level": m.star_level,
            "capacity": m.capacity,
        },
    ),
}


def table(model: type[models.Model]) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values())


def send(world: World, resource: Resource, method: str, bad: dict[str, Any]):
    client = world.client(resource.role)
    if method == "post":
        return client.post(f"/api/v1/{resource.path}/", {**resource.new(world), **bad}, format="json")
    row = resource.target(world)
    url = f"/api/v1/{resource.path}/{row.pk}/"
    if method == "put":
        return client.put(url, {**resource.full(row), **bad}, format="json")
    return client.patch(url, bad, format="json")


ALL = ("post", "put", "patch")

# (resource, field named in the error, bad value, methods); a value may be a function of the world.
BAD: list[tuple[str, str, Any, tuple[str, ...]]] = [
    # over-long text
    ("enterprises", "name", LONG_TITLE, ALL),
    ("needs", "title", LONG_TITLE, ALL),
    ("needs", "public_title", LONG_TITLE, ALL),
    ("needs", "description", LONG_TEXT, ALL),
    ("institutions", "name", LONG_TITLE, ALL),
    ("outcomes", "title", LONG_TITLE, ALL),
    ("outcomes", "abstract", LONG_TEXT, ALL),
    ("outcomes", "team", LONG_TITLE, ALL),
    # technology readiness level
    ("needs", "min_trl", 0, ALL),
    ("needs", "min_trl", 10, ALL),
    ("needs", "min_trl", "abc", ALL),
    ("needs", "min_trl", 5.5, ALL),
    ("outcomes", "trl", 0, ALL),
    ("outcomes", "trl", 10, ALL),
    ("outcomes", "trl", "abc", ALL),
    # money
    ("needs", "budget_wan", -1, ALL),
    ("needs", "budget_wan", "-0.01", ALL),
    ("needs", "budget_wan", "abc", ALL),
    ("needs", "budget_wan", 10**13, ALL),
    ("outcomes", "asking_price_wan", -5, ALL),
    ("outcomes", "asking_price_wan", "NaN", ALL),
    # industry chains and transfer modes
    ("enterprises", "industry_chain", "moon_mining", ALL),
    ("needs", "industry_chain", "moon_mining", ALL),
    ("outcomes", "industry_chain", "moon_mining", ALL),
    ("managers", "specialties", ["hydrogen", "moon_mining"], ALL),
    ("needs", "cooperation_modes", ["licence", "barter"], ALL),
    ("outcomes", "transfer_modes", ["barter"], ALL),
    # wrong types: list where string, string where int, object where list
    ("enterprises", "name", ["陕西", "企业"], ALL),
    ("enterprises", "industry_chain", ["photonics"], ALL),
    ("needs", "title", ["标题"], ALL),
    ("needs", "city", {"name": "西安"}, ALL),
    ("needs", "cooperation_modes", {"licence": True}, ALL),
    ("needs", "cooperation_modes", "licence", ALL),
    ("needs", "confidential", "maybe", ALL),
    ("needs", "deadline", "2026-02-30", ALL),
    ("institutions", "name", ["研究院"], ALL),
    ("institutions", "kind", "bogus", ALL),
    ("outcomes", "title", ["标题"], ALL),
    ("outcomes", "trl", [5], ALL),
    ("outcomes", "keywords", {"k": "激光"}, ALL),
    ("outcomes", "keywords", "激光焊接", ALL),
    ("outcomes", "keywords", ["激光", "  "], ALL),
    ("outcomes", "patent_numbers", {"n": 1}, ALL),
    ("outcomes", "transfer_modes", {"licence": 1}, ALL),
    ("managers", "star_level", "abc", ALL),
    ("managers", "star_level", 0, ALL),
    ("managers", "star_level", 6, ALL),
    ("managers", "capacity", -1, ALL),
    ("managers", "specialties", {"a": "hydrogen"}, ALL),
    ("managers", "regions", "西安", ALL),
    ("managers", "regions", [""], ALL),
    ("managers", "certified_on", "yesterday", ALL),
    # identity, codes and uniqueness
    ("enterprises", "credit_code", BAD_CHECK_DIGIT, ALL),
    ("enterprises", "credit_code", "91350100M000100O43", ALL),
    ("enterprises", "credit_code", "9135010", ALL),
    ("enterprises", "credit_code", lambda w: w.other_enterprise.credit_code, ALL),
    ("enterprises", "credit_code", lambda w: w.other_enterprise.credit_code.lower(), ("post", "patch")),
    ("enterprises", "code", "not a slug!", ALL),
    ("enterprises", "code", "ent-other", ALL),
    ("enterprises", "contact_email", "not-an-email", ALL),
    ("institutions", "code", "inst-other", ALL),
    ("needs", "enterprise", "no-such-enterprise", ("post",)),
    ("needs", "enterprise", "ent-other", ("put", "patch")),
    ("needs", "status", "matched", ALL),
    ("needs", "status", "bogus", ALL),
    ("outcomes", "external_id", lambda w: w.withdrawn_outcome.external_id, ALL),
    ("outcomes", "external_id", "", ALL),
    ("outcomes", "institution", "inst-other", ("put", "patch")),
    ("managers", "valid_until", lambda w: (TODAY - dt.timedelta(days=400)).isoformat(), ALL),
    ("managers", "certificate_number", lambda w: w.users["expired_manager"].technology_manager.certificate_number, ALL),
    ("managers", "user", "nobody-by-this-name", ("post",)),
    ("managers", "user", "bob", ("post",)),
    ("managers", "user", "alice", ("put", "patch")),
]

CASES = [
    pytest.param(name, field, value, method, id=f"{name}-{method}-{field}-{index}")
    for index, (name, field, value, methods) in enumerate(BAD)
    for method in methods
]


@pytest.mark.parametrize(("name", "field", "value", "method"), CASES)
def test_it_rejects_bad_input_naming_the_field_and_changes_nothing(world, name, field, value, method):
    resource = RESOURCES[name]
    bad = {field: value(world) if callable(value) else value}
    before = table(resource.model)

    response = send(world, resource, method, bad)

    assert response.status_code == 400, response.content.decode()
    assert field in response.json(), response.json()
    assert table(resource.model) == before


@pytest.mark.parametrize("name", list(RESOURCES))
@pytest.mark.parametrize("method", ["post", "put"])
def test_the_valid_payloads_of_these_tests_are_accepted(world, name, method):
    """Without this, a bad-input case could pass because the rest of its payload was wrong."""
    resource = RESOURCES[name]
    count = resource.model.objects.count()

    response = send(world, resource, method, {})

    assert response.status_code == (201 if method == "post" else 200), response.content.decode()
    assert resource.model.objects.count() == count + (1 if method == "post" else 0)


def test_it_rejects_a_manager_whose_validity_ends_before_certification(world):
    manager = world.users["manager"].technology_manager
    client = world.client("staff")
    before = table(TechnologyManager)

    created = client.post(
        "/api/v1/managers/",
        {**_new_manager(world), "certified_on": "2025-06-01", "valid_until": "2025-05-31"},
        format="json",
    )
    patched = client.patch(
        f"/api/v1/managers/{manager.pk}/",
        {"valid_until": (manager.certified_on - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    moved = client.patch(
        f"/api/v1/managers/{manager.pk}/",
        {"certified_on": (manager.valid_until + dt.timedelta(days=1)).isoformat()},
        format="json",
    )

    for response in (created, patched, moved):
        assert response.status_code == 400
        assert "valid_until" in response.json()
    assert table(TechnologyManager) == before


def test_it_accepts_an_external_id_already_used_by_another_institution(world):
    payload = {**RESOURCES["outcomes"].new(world), "external_id": world.other_outcome.external_id}

    response = world.client("institution_member").post("/api/v1/outcomes/", payload, format="json")

    assert response.status_code == 201
    assert Outcome.objects.filter(external_id=world.other_outcome.external_id).count() == 2


def test_it_stores_a_credit_code_in_upper_case(world):
    payload = {**RESOURCES["enterprises"].new(world), "credit_code": "91350100m000100y43"}

    response = world.client("staff").post("/api/v1/enterprises/", payload, format="json")

    assert response.status_code == 201
    assert Enterprise.objects.get(code="ent-new").credit_code == "91350100M000100Y43"


# --- the manager actions ---------------------------------------------------------------------------

ACTION_BAD = [
    ("suspend", "reason", {}),
    ("suspend", "reason", {"reason": ""}),
    ("suspend", "reason", {"reason": "   "}),
    ("suspend", "reason", {"reason": "因" * 501}),
    ("suspend", "reason", {"reason": ["违规"]}),
    ("suspend", "reason", {"reason": None}),
    ("renew", "valid_until", {}),
    ("renew", "valid_until", {"valid_until": "abc"}),
    ("renew", "valid_until", {"valid_until": "2030-02-30"}),
    ("renew", "valid_until", {"valid_until": ["2030-01-01"]}),
    ("renew", "valid_until", {"valid_until": 20300101}),
    ("renew", "valid_until", {"valid_until": None}),
    ("renew", "valid_until", {"valid_until": TODAY.isoformat()}),
    ("stars", "level", {}),
    ("stars", "level", {"level": 0, "reason": "考核"}),
    ("stars", "level", {"level": 6, "reason": "考核"}),
    ("stars", "level", {"level": "abc", "reason": "考核"}),
    ("stars", "level", {"level": [4], "reason": "考核"}),
    ("stars", "reason", {"level": 4, "reason": ""}),
    ("stars", "reason", {"level": 4, "reason": "   "}),
    ("stars", "reason", {"level": 4, "reason": "因" * 501}),
]


@pytest.mark.parametrize(("action", "field", "payload"), ACTION_BAD)
def test_it_rejects_bad_input_to_manager_actions(world, action, field, payload):
    manager = world.users["manager"].technology_manager
    before = table(TechnologyManager)

    response = world.client("staff").post(f"/api/v1/managers/{manager.pk}/{action}/", payload, format="json")

    assert response.status_code == 400, response.content.decode()
    assert field in response.json()
    assert table(TechnologyManager) == before


def test_it_refuses_to_renew_to_the_current_or_an_earlier_date(world):
    manager = world.users["manager"].technology_manager
    manager.active = False
    manager.suspended_reason = "核查"
    manager.save()
    before = table(TechnologyManager)

    for day in (manager.valid_until, manager.valid_until - dt.timedelta(days=1)):
        response = world.client("staff").post(
            f"/api/v1/managers/{manager.pk}/renew/", {"valid_until": day.isoformat()}, format="json"
        )
        assert response.status_code == 400
        assert "valid_until" in response.json()
    assert table(TechnologyManager) == before


# --- malformed bodies --------------------------------------------------------------------------------

MALFORMED = [b'{"title": ', b"\xff\xfe{\x00", b"{'title': 'x'}", b'{"budget_wan": NaN}', b"{}}"]
WRITES = [(name, method) for name in RESOURCES for method in ALL] + [("managers", "suspend"), ("managers", "renew")]


@pytest.mark.parametrize(("name", "method"), WRITES)
def test_it_answers_malformed_json_with_400_detail(world, name, method):
    resource = RESOURCES[name]
    client = world.client(resource.role)
    if method == "post":
        url = f"/api/v1/{resource.path}/"
    elif method in ("suspend", "renew"):
        url = f"/api/v1/managers/{resource.target(world).pk}/{method}/"
    else:
        url = f"/api/v1/{resource.path}/{resource.target(world).pk}/"
    send_raw = getattr(client, "post" if method in ("suspend", "renew") else method)
    before = table(resource.model)

    for body in MALFORMED:
        response = send_raw(url, body, content_type="application/json")

        assert response.status_code == 400, (body, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert list(response.json()) == ["detail"], (body, response.content)
    assert table(resource.model) == before


def test_it_rejects_a_json_body_that_is_not_an_object(world):
    before = table(Need)
    client = world.client("enterprise_member")

    for body in (b"[1, 2]", b'"text"', b"42", b"null"):
        created = client.post("/api/v1/needs/", body, content_type="application/json")
        patched = client.patch(f"/api/v1/needs/{world.need.pk}/", body, content_type="application/json")
        assert created.status_code == 400
        assert patched.status_code == 400
    assert table(Need) == before


# --- nothing odd causes a server error ------------------------------------------------------------

ODD_VALUES = [
    None,
    10**30,
    -(10**30),
    2**63,
    1.5,
    True,
    "",
    " ",
    "😀",
    "😀" * 300,
    "\x00",
    "NaN",
    "Infinity",
    "<script>alert(1)</script>",
    "'; DROP TABLE needs_need; --",
    [],
    [None],
    {},
]


@pytest.mark.parametrize("name", list(RESOURCES))
def test_no_odd_value_in_any_field_causes_a_server_error(world, name):
    resource = RESOURCES[name]
    fields = list(resource.new(world))

    for field in fields:
        for value in ODD_VALUES:
            for method in ("post", "patch"):
                response = send(world, resource, method, {field: value})
                assert response.status_code < 500, (method, field, value, response.content[:300])
    assert Need.objects.filter(pk=world.need.pk).exists()


def test_no_odd_value_to_the_manager_actions_causes_a_server_error(world):
    manager = world.users["manager"].technology_manager
    client = world.client("staff")

    for action, field in (("suspend", "reason"), ("renew", "valid_until"), ("stars", "level"), ("stars", "reason")):
        for value in ODD_VALUES:
            payload = {"level": 3, "reason": "考核", field: value} if action == "stars" else {field: value}
            response = client.post(f"/api/v1/managers/{manager.pk}/{action}/", payload, format="json")
            assert response.status_code < 500, (action, value, response.content[:300])


# --- conflicts of interest ---------------------------------------------------------------------------

CONFLICT_BAD = [
    ("enterprise", {}),
    ("enterprise", {"note": "两方都没选"}),
    ("enterprise", {"enterprise": "ent-own", "institution": "inst-own"}),
    ("enterprise", {"enterprise": "no-such-enterprise"}),
    ("enterprise", {"enterprise": ["ent-own"]}),
    ("institution", {"institution": "no-such-institution"}),
    ("note", {"enterprise": "ent-own", "note": "注" * 201}),
    ("note", {"enterprise": "ent-own", "note": ["注"]}),
]


@pytest.mark.parametrize(("field", "payload"), CONFLICT_BAD)
def test_it_rejects_a_bad_conflict_declaration(world, field, payload):
    response = world.client("manager").post("/api/v1/conflicts/", payload, format="json")

    assert response.status_code == 400, response.content.decode()
    assert field in response.json()
    assert not ConflictOfInterest.objects.exists()


def test_no_odd_value_in_a_conflict_declaration_causes_a_server_error(world):
    client = world.client("manager")

    for field in ("enterprise", "institution", "note"):
        for value in ODD_VALUES:
            response = client.post("/api/v1/conflicts/", {"enterprise": "ent-own", field: value}, format="json")
            assert response.status_code < 500, (field, value, response.content[:300])


ODD_QUERIES = {
    "needs": [
        "industry_chain=moon",
        "status=bogus",
        "min_trl_min=abc",
        "min_trl_max=99999999999999999999999",
        "budget_min=1e999",
        "budget_max=-Infinity",
        "budget_min=NaN",
        "enterprise=%00",
        "confidential=maybe",
        "search=" + "长" * 201,
        "search=%00",
        "search=%F0%9F%98%80",
        "search=%25",
        "search=_",
        "ordering=budget_wan",
        "ordering=-description",
        "page=0",
        "page=abc",
        "page=99999999999999999999",
        "page_size=-1",
        "page_size=99999999999999999999",
    ],
    "outcomes": [
        "trl_min=abc",
        "trl_max=1e999",
        "price_min=NaN",
        "price_max=99999999999999999999999999999999",
        "transfer_mode=barter",
        "institution=no-such",
        "city=%00",
        "separately_managed=perhaps",
        "search=%E9%8B%81",
        "ordering=abstract",
    ],
    "managers": ["star_level=abc", "active=perhaps", "ordering=user__password"],
    "enterprises": ["industry_chain=moon", "ordering=credit_code"],
    "institutions": ["kind=bogus", "ordering=contact_phone"],
}


@pytest.mark.parametrize("name", list(ODD_QUERIES))
@pytest.mark.parametrize("role", ["anonymous", "enterprise_member", "manager"])
def test_no_odd_query_parameter_causes_a_server_error(world, name, role):
    client = world.client(role)

    for query in ODD_QUERIES[name]:
        response = client.get(f"/api/v1/{name}/?{query}")
        assert response.status_code in (200, 400, 404), (query, response.status_code)
        if response.status_code == 400:
            assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("path", ["needs", "outcomes", "managers", "enterprises", "institutions"])
def test_odd_ids_in_the_url_are_not_found(world, path):
    client = world.client("staff")

    for pk in ("99999999999999999999999", "abc", "-1", "0", "1e5", "%F0%9F%98%80"):
        assert client.get(f"/api/v1/{path}/{pk}/").status_code == 404
