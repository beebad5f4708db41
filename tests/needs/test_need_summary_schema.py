"""Regression (found by the schemathesis fuzz): what a reader gets of a need and an enterprise
matches the OpenAPI schema, the confidential summary and the contact-less enterprise included."""

from __future__ import annotations

import pytest

from tests.openapi_check import assert_documented


@pytest.mark.parametrize("role", ["anonymous", "other_enterprise_member", "enterprise_member", "manager"])
def test_confidential_need_detail_and_list_match_the_schema(world, role):
    client = world.client(role)
    url = f"/api/v1/needs/{world.confidential_need.pk}/"
    detail = client.get(url)
    assert detail.status_code == 200
    # The summary for outsiders, the whole need for its owner and managers: both documented.
    assert detail.json()["summary_only"] is (role in ("anonymous", "other_enterprise_member"))
    assert_documented(detail, "GET", "/api/v1/needs/{id}/", url)
    listing = client.get("/api/v1/needs/")
    assert any(item["id"] == world.confidential_need.pk for item in listing.json()["results"])
    assert_documented(listing, "GET", "/api/v1/needs/", "/api/v1/needs/")


def test_summary_keeps_only_the_public_keys(world):
    body = world.client("anonymous").get(f"/api/v1/needs/{world.confidential_need.pk}/").json()
    assert set(body) == {
        "id",
        "title",
        "industry_chain",
        "city",
        "confidential",
        "status",
        "summary_only",
        "created_at",
    }
    assert body["title"] == "功率模块封装可靠性提升" and body["confidential"] is True


@pytest.mark.parametrize("role", ["anonymous", "institution_member", "enterprise_member"])
def test_enterprise_and_institution_without_contacts_match_the_schema(world, role):
    client = world.client(role)
    for path, pk in (
        ("/api/v1/enterprises/{id}/", world.enterprise.pk),
        ("/api/v1/institutions/{id}/", world.institution.pk),
    ):
        url = path.replace("{id}", str(pk))
        response = client.get(url)
        assert response.status_code == 200
        assert_documented(response, "GET", path, url)
    hidden = "contact_phone" not in client.get(f"/api/v1/enterprises/{world.enterprise.pk}/").json()
    assert hidden is (role != "enterprise_member")
