"""An import uploaded through the API runs on a real Celery worker on Redis and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config.celery import app as celery_app
from imports.models import ImportJob
from outcomes.models import Outcome
from tests import live
from tests.factories import InstitutionFactory, add_institution_member
from tests.imports.conftest import csv_bytes
from tests.imports.test_import_files import GOOD, MIXED

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker():
    live.require_postgres()
    url = live.broker_url()
    celery_app.conf.task_always_eager = False
    yield url
    celery_app.conf.task_always_eager = True


def test_a_worker_imports_the_file_and_prepares_the_rows(real_broker):
    institution = InstitutionFactory(code="live-inst")
    client = APIClient()
    client.force_authenticate(add_institution_member(institution, "live-ivan"))
    upload = SimpleUploadedFile("outcomes.csv", csv_bytes(MIXED), content_type="text/csv")

    with live.celery_worker(real_broker, name="import"):
        response = client.post(
            "/api/v1/imports/", {"file": upload, "kind": "outcomes", "institution": "live-inst"}, format="multipart"
        )
        assert response.status_code == 202, response.content
        job_id = response.json()["id"]
        finished = live.wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
            timeout=120,
        )
        assert finished, "the worker did not finish the import; see data/celery-import.log"
        good_id = GOOD[0]
        assert live.wait_for(
            lambda: Outcome.objects.filter(external_id=good_id, text_prepared_at__isnull=False).exists(), timeout=60
        ), "imported rows were not prepared by the worker"

    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.DONE
    assert job.failed_count > 0 and job.created_count > 0, "the mixed file has good and bad rows"
    assert Outcome.objects.filter(institution=institution).count() == job.created_count
