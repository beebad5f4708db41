"""Regression tests: a refused write never reveals another party's data in its error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_refuses_an_outcome_for_another_institution_before_checking_its_external_id(world):
    payload = {
        "institution": world.other_institution.code,
        "external_id": world.other_outcome.external_id,  # exists there: must not be confirmed
        "title": "t",
        "abstract": "a",
        "industry_chain": "photonics",
        "trl": 3,
    }
    response = world.client("institution_member").post("/api/v1/outcomes/", payload, format="json")
    assert response.status_code == 403
    assert "external_id" not in response.json()


def test_it_refuses_a_need_for_another_enterprise_with_403_even_when_invalid(world):
    payload = {"enterprise": world.other_enterprise.code, "title": "x" * 300}
    response = world.client("enterprise_member").post("/api/v1/needs/", payload, format="json")
    assert response.status_code == 403


def test_outsiders_cannot_sort_confidential_needs_by_deadline(world):
    response = world.client("other_enterprise_member").get("/api/v1/needs/", {"ordering": "deadline"})
    assert response.status_code == 200
    # The unknown ordering field is ignored: the default order (newest first) stands.
    ids = [row["id"] for row in response.json()["results"]]
    default = [row["id"] for row in world.client("other_enterprise_member").get("/api/v1/needs/").json()["results"]]
    assert ids == default
