"""Regression (found by the schemathesis fuzz): an error on the CSV report route is JSON and says so."""

from __future__ import annotations

from imports.models import ImportJob
from tests.openapi_check import assert_documented


def _job(world) -> ImportJob:
    return ImportJob.objects.create(
        kind=ImportJob.Kind.OUTCOMES,
        institution=world.institution,
        file_name="a.csv",
        file_format="csv",
        stored_path="missing.csv",
        status=ImportJob.Status.DONE,
    )


def test_report_errors_are_labelled_json(world):
    url = f"/api/v1/imports/{_job(world).pk}/report/"
    for role, status in (("anonymous", 401), ("other_institution_member", 404)):
        response = world.client(role).get(url)
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
        assert_documented(response, "GET", "/api/v1/imports/{id}/report/", url)


def test_report_itself_is_still_csv(world):
    response = world.client("institution_member").get(f"/api/v1/imports/{_job(world).pk}/report/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
