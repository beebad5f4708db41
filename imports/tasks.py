"""Celery tasks of bulk import: ids in, small JSON out."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from imports import services
from imports.models import ImportJob
from matchmaker.tasks import TRANSIENT_ERRORS


@shared_task(
    soft_time_limit=settings.IMPORT_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_TASK_SOFT_TIME_LIMIT + 60,
)
def run_import(job_id: int) -> dict:
    """Run one import job; a rerun after a lost worker is safe, because rows are upserted."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return {"job": job_id, "skipped": "deleted"}
    if job.is_finished():
        return {"job": job_id, "skipped": job.status}
    services.import_run(job=job)
    return {"job": job_id, "status": job.status, "rows": job.rows_done, "failed": job.failed_count}


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def prepare_and_match_imported(kind: str, ids: list[int]) -> dict:
    """Prepare the text of one imported chunk and match its rows: one task per chunk, not per row."""
    return services.imported_rows_prepare_and_match(kind=kind, ids=ids)
