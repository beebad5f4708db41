"""Celery tasks: a thin interface over services; ids in, nothing returned that matters."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from matchmaker import services
from needs.models import Need
from outcomes.models import Outcome

# Only errors that a retry can cure; a bug should fail loudly, not loop.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def prepare_need_text(need_id: int) -> None:
    """Normalise and tokenise one need's text."""
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return  # deleted before a worker picked the task up
    services.text_prepare(need)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def prepare_outcome_text(outcome_id: int) -> None:
    """Normalise and tokenise one outcome's text."""
    outcome = Outcome.objects.filter(pk=outcome_id).first()
    if outcome is None:
        return
    services.text_prepare(outcome)


@shared_task
def sweep_unprepared(limit: int = 1000) -> int:
    """Re-queue rows whose preparation never ran (broker outage) or used an older lexicon."""
    queued = 0
    for model, task in ((Need, prepare_need_text), (Outcome, prepare_outcome_text)):
        for pk in services.rows_needing_preparation(model).values_list("pk", flat=True)[:limit]:
            task.delay(pk)
            queued += 1
    return queued
