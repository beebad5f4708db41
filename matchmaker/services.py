"""Workflows of the matcher that touch the database: text preparation, and (later) matching."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from matchmaker import engine
from needs.models import Need
from outcomes.models import Outcome

logger = logging.getLogger(__name__)


def queue_text_preparation(row: Need | Outcome) -> None:
    """Queue the text-preparation task for a row once the current transaction commits.

    `robust=True`: a broker outage must not turn a saved need into an HTTP error;
    the periodic sweep picks up rows whose task never ran.
    """
    from matchmaker import tasks  # tasks import this module

    task = tasks.prepare_need_text if isinstance(row, Need) else tasks.prepare_outcome_text
    pk = row.pk

    def enqueue() -> None:
        task.delay(pk)

    transaction.on_commit(enqueue, robust=True)


def text_prepare(row: Need | Outcome) -> None:
    """Normalise the row's text, tokenise it with the active lexicon and store both."""
    text = row.matching_text()
    normalized = engine.normalize(text)
    tokens = engine.tokenize(text)
    version = engine.lexicon_version()
    # update() rather than save(): a concurrent edit of other fields must not be overwritten,
    # and updated_at should keep meaning "edited by a person".
    type(row).objects.filter(pk=row.pk).update(
        normalized_text=normalized, tokens=tokens, tokens_lexicon=version, text_prepared_at=timezone.now()
    )
    row.normalized_text, row.tokens, row.tokens_lexicon = normalized, tokens, version


def rows_needing_preparation(model: type[Model]):
    """Rows never prepared, or prepared with another lexicon than the active one."""
    return model.objects.filter(Q(text_prepared_at__isnull=True) | ~Q(tokens_lexicon=engine.lexicon_version()))
