"""The API documentation is served, and the schema covers every route."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_api_routes(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for route in (
        "/api/v1/needs/",
        "/api/v1/outcomes/",
        "/api/v1/enterprises/",
        "/api/v1/institutions/",
        "/api/v1/managers/",
        "/api/v1/auth/token/",
        "/api/v1/needs/{id}/matches/",
        "/api/v1/needs/{id}/rematch/",
        "/api/v1/outcomes/{id}/matches/",
        "/api/v1/match/preview/",
    ):
        assert route in paths, route


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
