"""The import API: who may upload for whom, bad input, progress, the report and the templates."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import tasks
from imports.models import ImportJob
from imports.services import import_job_create
from needs.models import Need
from outcomes.models import Outcome
from tests.conftest import ROLES, World
from tests.imports.conftest import csv_bytes
from tests.imports.test_import_files import GOOD, HEADER, MIXED, NEED, NEED_HEADER

pytestmark = pytest.mark.django_db

# fmt: off
# Statuses per role, in conftest.ROLES order (see tests/core/test_permissions_matrix.py), keyed by
# router basename, action and target; read by the route-coverage test there.
IMPORT_MATRIX: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {
    "import": {
        #              target                anon  ent  o-ent inst o-inst mgr x-mgr staff
        "list":       {"-":                 (401, 200, 200, 200, 200, 200, 200, 200)},
        "create":     {"institution":       (401, 403, 403, 202, 403, 403, 403, 202),
                       "enterprise":        (401, 202, 403, 403, 403, 403, 403, 202)},
        "retrieve":   {"institution_job":   (401, 404, 404, 200, 404, 404, 404, 200),
                       "enterprise_job":    (401, 200, 404, 404, 404, 404, 404, 200)},
        "report":     {"institution_job":   (401, 404, 404, 200, 404, 404, 404, 200)},
        "template":   {"-":                 (200, 200, 200, 200, 200, 200, 200, 200)},
        "destroy":    {"institution_job":   (401, 405, 405, 405, 405, 405, 405, 405)},
    },
}
# fmt: on

CASES = [
    (action, target, role, statuses[i])
    for action, targets in IMPORT_MATRIX["import"].items()
    for target, statuses in targets.items()
    for i, role in enumerate(ROLES)
]


@pytest.fixture(autouse=True)
def _no_worker():
    """Jobs are queued, not run, unless a test runs them: the API answers before the import."""
    with mock.patch.object(tasks.run_import, "delay", autospec=True) as delay:
        yield delay


def job_for(world: World, target: str) -> ImportJob:
    if target == "institution_job":
        content, kind, owner = csv_bytes([HEADER, GOOD]), "outcomes", world.institution.code
    else:
        content, kind, owner = csv_bytes([NEED_HEADER, NEED]), "needs", world.enterprise.code
    return import_job_create(kind=kind, owner_code=owner, file_name="f.csv", chunks=[content], created_by=None)


def upload(kind: str, owner_field: str, owner: str, content: bytes, name: str = "f.csv") -> dict:
    return {"kind": kind, owner_field: owner, "file": SimpleUploadedFile(name, content)}


@pytest.mark.parametrize(("action", "target", "role", "expected"), CASES)
def test_each_role_gets_the_contracted_status(world, action, target, role, expected):
    client = world.client(role)
    jobs_before = ImportJob.objects.count()
    if action == "list":
        response = client.get("/api/v1/imports/")
    elif action == "template":
        response = client.get("/api/v1/imports/template/?kind=outcomes")
    elif action == "create":
        if target == "institution":
            data = upload("outcomes", "institution", world.institution.code, csv_bytes([HEADER, GOOD]))
        else:
            data = upload("needs", "enterprise", world.enterprise.code, csv_bytes([NEED_HEADER, NEED]))
        response = client.post("/api/v1/imports/", data, format="multipart")
    else:
        job = job_for(world, target)
        jobs_before = ImportJob.objects.count()
        url = f"/api/v1/imports/{job.pk}/"
        if action == "report":
            response = client.get(f"{url}report.csv")
        elif action == "destroy":
            response = client.delete(url)
        else:
            response = client.get(url)
    assert response.status_code == expected, getattr(response, "content", b"")[:300]
    if action == "create":
        assert ImportJob.objects.count() == jobs_before + (1 if expected == 202 else 0)
    if action == "destroy":
        assert ImportJob.objects.count() == jobs_before


def test_a_member_lists_only_the_jobs_of_their_own_parties(world):
    own = job_for(world, "institution_job")
    job_for(world, "enterprise_job")
    body = world.client("institution_member").get("/api/v1/imports/").json()
    assert [j["id"] for j in body["results"]] == [own.pk]
    assert len(world.client("staff").get("/api/v1/imports/").json()["results"]) == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "outcomes", "institution": "inst-own"}, "file"),
        ({"kind": "patents", "institution": "inst-own", "file": b"x"}, "kind"),
        ({"kind": "outcomes", "file": b"x"}, "institution"),
        ({"kind": "needs", "institution": "inst-own", "file": b"x"}, "enterprise"),
        ({"kind": "outcomes", "institution": "inst-own", "file": b"\x00\x01\x02junk"}, "file"),
        ({"kind": "outcomes", "institution": "inst-own", "file": "甲,乙\n1,2\n".encode()}, "file"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, data, field):
    if "file" in data:
        data = {**data, "file": SimpleUploadedFile("f.csv", data["file"])}
    response = world.client("institution_member").post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ImportJob.objects.count() == 0


def test_an_oversized_upload_is_refused(world, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    data = upload("outcomes", "institution", "inst-own", b"a,b\n" * 60_000)
    response = world.client("institution_member").post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 400
    assert "上限" in response.json()["file"][0]


def test_the_status_endpoint_shows_progress_and_the_report_downloads(
    world, _no_worker, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CHUNK_SIZE = 2
    client = world.client("institution_member")
    with mock.patch.object(tasks.prepare_and_match_imported, "delay", autospec=True):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/imports/", upload("outcomes", "institution", "inst-own", csv_bytes(MIXED)), format="multipart"
            )
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "pending"
        assert response["Location"] == body["status_url"] == f"/api/v1/imports/{body['id']}/"
        _no_worker.assert_called_once_with(body["id"])
        tasks.run_import(body["id"])  # what the worker does

    status = client.get(body["status_url"]).json()
    assert status["status"] == "done"
    assert (status["total_rows"], status["rows_done"], status["progress"]) == (6, 6, 1.0)
    assert (status["created_count"], status["failed_count"], status["match_batches"]) == (2, 4, 1)
    assert status["errors"][0] == {
        "row": 4,
        "external_id": "A-3",
        "column": "技术成熟度",
        "field": "trl",
        "message": "请确保该值小于或者等于 9。",
    }
    assert Outcome.objects.filter(institution=world.institution, external_id__in=["A-1", "A-2"]).count() == 2

    report = client.get(body["report_url"])
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff行号,编号,列名,字段,原值,原因")
    assert text.count("\r\n") == 1 + 9


def test_a_needs_import_through_the_api_lands_the_needs(world, django_capture_on_commit_callbacks):
    client = world.client("enterprise_member")
    response = client.post(
        "/api/v1/imports/", upload("needs", "enterprise", "ent-own", csv_bytes([NEED_HEADER, NEED])), format="multipart"
    )
    with mock.patch.object(tasks.prepare_and_match_imported, "delay", autospec=True):
        tasks.run_import(response.json()["id"])
    assert Need.objects.filter(enterprise=world.enterprise, title=NEED[1]).exists()


@pytest.mark.parametrize(
    ("kind", "filetype", "magic"), [("outcomes", "csv", b"\xef\xbb\xbf"), ("needs", "xlsx", b"PK")]
)
def test_the_templates_download(world, kind, filetype, magic):
    response = world.client("anonymous").get(f"/api/v1/imports/template/?kind={kind}&filetype={filetype}")
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert f"{kind}_template.{filetype}" in response["Content-Disposition"]
    assert world.client("anonymous").get("/api/v1/imports/template/?kind=x").status_code == 400
