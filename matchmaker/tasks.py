"""Celery tasks: a thin interface over services; ids in, small JSON out."""

from __future__ import annotations

import gc

from celery import group, shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError

from matchmaker import assignment, engine, index_store, notifications, services
from matchmaker.models import IndexBuild
from needs.models import Need
from outcomes.models import Outcome

# Only errors that a retry can cure; a bug should fail loudly, not loop.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


# A failing relay is retried ten times, MATCHMAKER_MAIL_RETRY_SECONDS apart and then twice as long
# each time, at most MAIL_RETRY_MAX_SECONDS apart (about four hours in all with the default 60 s).
MAIL_RETRIES = 10
MAIL_RETRY_MAX_SECONDS = 1800


@worker_process_init.connect
def _warm_worker(**kwargs) -> None:
    # Loading jieba's dictionary takes about a second: pay it once per worker process,
    # not in the first task; and never reuse an index object inherited across fork.
    index_store.forget_loaded()
    engine.warm_up()
    # What the process holds now (Django, Celery, jieba's dictionary) lives as long as it does:
    # frozen, it is left out of the collector's full passes, which otherwise walk it every few
    # thousand allocations (a re-match of 1,000 needs made one such pass over 270,000 objects).
    gc.freeze()


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def prepare_need_text(need_id: int, if_unprepared: bool = False) -> None:
    """Normalise and tokenise one need's text, then match it.

    `if_unprepared` (the sweep's copies): do nothing when the row is already prepared, so a
    row queued again by every sweep while a backlog drains is still prepared and matched once.
    """
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return  # deleted before a worker picked the task up
    if if_unprepared and not services.rows_needing_preparation(Need).filter(pk=need_id).exists():
        return
    services.text_prepare(need)
    if need.is_open():
        match_need.delay(need.pk)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def prepare_outcome_text(outcome_id: int, if_unprepared: bool = False) -> None:
    """Normalise and tokenise one outcome's text, then match it against the open needs."""
    outcome = Outcome.objects.filter(pk=outcome_id).first()
    if outcome is None:
        return
    if if_unprepared and not services.rows_needing_preparation(Outcome).filter(pk=outcome_id).exists():
        return
    services.text_prepare(outcome)
    if outcome.is_available():
        match_outcome.delay(outcome.pk)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def match_need(need_id: int, if_pending: bool = False) -> dict:
    """Score one need against the outcome index and refresh its proposed matches.

    `if_pending` (the sweep's copies): do nothing when the need was matched meanwhile.
    """
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return {"need": need_id, "skipped": "deleted"}
    if if_pending and need.match_state != Need.MatchState.PENDING:
        return {"need": need_id, "skipped": "already_matched"}
    result = services.match_refresh_for_need(need=need)
    return {"need": need_id, "proposed": result.proposed, "abstained": result.abstained, "reason": result.reason}


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def match_outcome(outcome_id: int) -> dict:
    """Score one outcome against the open needs and refresh its proposed matches."""
    outcome = Outcome.objects.select_related("institution").filter(pk=outcome_id).first()
    if outcome is None:
        return {"outcome": outcome_id, "skipped": "deleted"}
    result = services.match_refresh_for_outcome(outcome=outcome)
    return {"outcome": outcome_id, "proposed": result.proposed, "abstained": result.abstained}


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def rebuild_index() -> dict:
    """Build both indexes from scratch (nightly: refreshes the IDF weights)."""
    builds = [index_store.build_index(kind) for kind in IndexBuild.Kind.values]
    return {b.kind: {"version": b.version, "documents": b.doc_count, "seconds": round(b.seconds, 3)} for b in builds}


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def match_needs(need_ids: list[int]) -> dict:
    """Re-match one shard of needs; each need's Match rows are written by its own refresh."""
    done = 0
    for need in Need.objects.filter(pk__in=need_ids).order_by("pk"):
        services.match_refresh_for_need(need=need)
        done += 1
    return {"needs": done}


def rematch_shards(ids: list[int], shard_size: int | None = None) -> list[list[int]]:
    size = max(1, shard_size or settings.MATCHMAKER_REMATCH_SHARD_SIZE)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def rematch_all(shard_size: int | None = None) -> dict:
    """Rebuild the indexes, then re-match every open need in shards run as a Celery group.

    Each shard refreshes its own needs' rows, and a need's result does not depend on the
    others, so any split over any number of workers gives the single-process result.
    """
    rebuild_index()
    ids = list(Need.objects.open().order_by("pk").values_list("pk", flat=True))
    shards = rematch_shards(ids, shard_size)
    if shards:
        group(match_needs.s(shard) for shard in shards).apply_async()
    return {"queued": len(ids), "shards": len(shards)}


@shared_task
def sweep_unprepared(limit: int = 1000) -> int:
    """Re-queue rows whose preparation never ran (broker outage) or used an older lexicon."""
    queued = 0
    for model, task in ((Need, prepare_need_text), (Outcome, prepare_outcome_text)):
        for pk in services.rows_needing_preparation(model).values_list("pk", flat=True)[:limit]:
            task.delay(pk, if_unprepared=True)
            queued += 1
    return queued


@shared_task
def sweep_unmatched(limit: int = 1000) -> int:
    """Queue matching for open needs that were prepared but never matched."""
    ids = list(services.needs_never_matched().values_list("pk", flat=True)[:limit])
    for need_id in ids:
        match_need.delay(need_id, if_pending=True)
    return len(ids)


@shared_task
def sweep_reviews() -> dict:
    """Hand back reviews of managers no longer in force, assign waiting proposals, escalate overdue ones."""
    released = assignment.release_from_invalid_managers()
    assigned = assignment.assign_unassigned()
    escalated = assignment.escalate_overdue()
    return {"released": released, "assigned": assigned, "escalated": escalated}


@shared_task(bind=True, max_retries=MAIL_RETRIES)
def send_notification(self, subject: str, body: str, sender: str, recipients: list[str]) -> int:
    """Send one notification mail, retrying while the relay fails."""
    try:
        return notifications.send((subject, body, sender, recipients))
    except notifications.MAIL_ERRORS as error:
        if self.request.is_eager:
            raise  # in the request (no broker): retrying here would hold it; the caller logs it
        delay = settings.MATCHMAKER_MAIL_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(exc=error, countdown=min(MAIL_RETRY_MAX_SECONDS, delay)) from error
