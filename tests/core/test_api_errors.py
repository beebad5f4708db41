"""Regressions found by the schemathesis fuzz: every API error is JSON and documented in the schema."""

from __future__ import annotations

import pytest

from tests.openapi_check import assert_documented, live_schema


@pytest.mark.parametrize(
    "url",
    ["/api/v1/needs/-1/matches/", "/api/v1/outcomes/-7/rejections/", "/api/v1/no-such-route/"],
)
def test_unrouted_api_url_is_a_json_404(world, url, settings):
    settings.DEBUG = False
    response = world.client("manager").get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


def test_unrouted_page_url_is_still_a_page(db, settings):
    settings.DEBUG = False
    response = pytest.importorskip("django.test").Client().get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_negative_id_on_a_custom_route_is_documented(world, settings):
    settings.DEBUG = False
    response = world.client("manager").post("/api/v1/needs/-5/rematch/")
    assert_documented(response, "POST", "/api/v1/needs/{id}/rematch/", "/api/v1/needs/-5/rematch/")


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("enterprise_member", 403)])
def test_refusals_are_documented(world, role, status):
    response = world.client(role).get("/api/v1/analytics/funnel/")
    assert response.status_code == status
    assert_documented(response, "GET", "/api/v1/analytics/funnel/", "/api/v1/analytics/funnel/")


def test_page_past_the_end_is_documented(world):
    response = world.client("anonymous").get("/api/v1/managers/?page=-74")
    assert response.status_code == 404
    assert_documented(response, "GET", "/api/v1/managers/", "/api/v1/managers/?page=-74")


def test_every_operation_documents_its_error_answers(db):
    for result in live_schema().get_all_operations():
        operation = result.ok()
        documented = set(operation.definition.raw["responses"])
        assert {"401", "503"} <= documented, operation.label
        if "{" in operation.path:
            assert "404" in documented, operation.label
        if operation.method.upper() in ("POST", "PUT", "PATCH"):
            assert {"400", "409"} <= documented, operation.label
