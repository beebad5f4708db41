"""Workflows of the matcher that touch the database: text preparation, matching, preview."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from matchmaker import engine, index_store
from matchmaker.assignment import assign_unassigned
from matchmaker.audit import record_event
from matchmaker.documents import need_doc, outcome_doc
from matchmaker.index_store import current_need_index, current_outcome_index, current_version
from matchmaker.lexicon_sync import sync_lexicon
from matchmaker.models import IndexBuild, Match, MatchEvent
from needs.models import Need
from outcomes.models import Outcome

logger = logging.getLogger(__name__)


# --- text preparation -------------------------------------------------------------------------


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
    version = sync_lexicon()
    normalized, tokens = engine.prepare_text(row.matching_text())
    # update() rather than save(): a concurrent edit of other fields must not be overwritten,
    # and updated_at should keep meaning "edited by a person".
    type(row).objects.filter(pk=row.pk).update(
        normalized_text=normalized, tokens=tokens, tokens_lexicon=version, text_prepared_at=timezone.now()
    )
    row.normalized_text, row.tokens, row.tokens_lexicon = normalized, tokens, version
    # Seen by this process's next match at once; other processes within the freshness window.
    index_store.mark_stale(IndexBuild.Kind.NEEDS if isinstance(row, Need) else IndexBuild.Kind.OUTCOMES)


def rows_needing_preparation(model: type[Model]):
    """Rows never prepared, or prepared with another lexicon than the active one."""
    return model.objects.filter(Q(text_prepared_at__isnull=True) | ~Q(tokens_lexicon=sync_lexicon()))


# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    proposed: int
    removed: int
    kept_decided: int
    abstained: bool
    reason: str


def _store_proposals(
    *, pairs: list[tuple[int, int, engine.Proposal]], scope: Q, source: str, index_version: str
) -> tuple[int, int, int]:
    """Upsert proposed rows for (need_id, outcome_id, proposal); retract stale proposals in `scope`.

    Rows a person has decided are never touched, whatever the new ranking says. Stale
    proposals are retracted rather than deleted, because their audit rows must stay.
    """
    existing = {(m.need_id, m.outcome_id): m for m in Match.objects.select_for_update().filter(scope)}
    now = timezone.now()
    decided = 0
    wanted: set[tuple[int, int]] = set()
    for need_id, outcome_id, proposal in pairs:
        key = (need_id, outcome_id)
        wanted.add(key)
        fields = {
            "score": round(float(proposal.score), 6),
            "rank": proposal.rank,
            "parts": {name: round(float(v), 6) for name, v in proposal.parts.items()},
            "explanation": proposal.explanation.to_dict(),
            "source": source,
            "index_version": index_version,
        }
        match = existing.get(key) or Match.objects.filter(need_id=need_id, outcome_id=outcome_id).first()
        if match is None:
            match = Match.objects.create(need_id=need_id, outcome_id=outcome_id, **fields)
            record_event(
                match=match,
                kind=MatchEvent.Kind.PROPOSED,
                to_status=Match.Status.PROPOSED,
                data={"score": fields["score"], "source": source},
            )
        elif match.is_decided():
            decided += 1
        else:
            Match.objects.filter(pk=match.pk).update(**fields, status=Match.Status.PROPOSED, updated_at=now)
            if match.status == Match.Status.RETRACTED:
                record_event(
                    match=match,
                    kind=MatchEvent.Kind.PROPOSED,
                    from_status=Match.Status.RETRACTED,
                    to_status=Match.Status.PROPOSED,
                    data={"score": fields["score"], "source": source},
                )
    stale = [
        m
        for key, m in existing.items()
        if key not in wanted and m.status == Match.Status.PROPOSED and m.source == source
    ]
    for match in stale:
        Match.objects.filter(pk=match.pk, status=Match.Status.PROPOSED).update(
            status=Match.Status.RETRACTED, assigned_to=None, assigned_at=None, due_at=None, updated_at=now
        )
        record_event(
            match=match,
            kind=MatchEvent.Kind.RETRACTED,
            from_status=Match.Status.PROPOSED,
            to_status=Match.Status.RETRACTED,
            reason="no_longer_ranked",
        )
    return len(pairs) - decided, len(stale), decided


def _worth_reviewing(proposals: list[engine.Proposal]) -> list[engine.Proposal]:
    """Drop the tail that scores far below the best (MATCHMAKER_MIN_SCORE_RATIO)."""
    if not proposals:
        return proposals
    floor = settings.MATCHMAKER_MIN_SCORE_RATIO * max(p.score for p in proposals)
    return [p for p in proposals if p.score >= floor]


def match_refresh_for_need(*, need: Need) -> RefreshResult:
    """Score a need against the outcome index and refresh its proposed matches.

    An open need whose best candidates are not credible gets no proposals and is marked
    "no credible match" for a manager to handle.
    """
    if not need.is_open():
        return RefreshResult(0, 0, 0, False, "need_not_open")
    index = current_outcome_index()
    ranking = index.rank(need_doc(need), k=settings.MATCHMAKER_PROPOSALS_PER_NEED)
    pairs = [(need.pk, int(p.id), p) for p in _worth_reviewing(ranking.proposals)]
    with transaction.atomic():
        Need.objects.select_for_update().filter(pk=need.pk).first()
        proposed, removed, decided = _store_proposals(
            pairs=pairs,
            scope=Q(need_id=need.pk),
            source=Match.Source.NEED,
            index_version=current_version(IndexBuild.Kind.OUTCOMES),
        )
        state = Need.MatchState.NO_CREDIBLE_MATCH if ranking.abstained else Need.MatchState.PROPOSED
        Need.objects.filter(pk=need.pk).update(
            match_state=state, match_state_reason=ranking.reason, last_matched_at=timezone.now()
        )
    need.match_state, need.match_state_reason = state, ranking.reason
    assign_unassigned(Match.objects.filter(need=need))
    return RefreshResult(proposed, removed, decided, ranking.abstained, ranking.reason)


def match_refresh_for_outcome(*, outcome: Outcome) -> RefreshResult:
    """Score a new or edited outcome against the open needs and refresh its proposed matches."""
    if not outcome.is_available():
        return RefreshResult(0, 0, 0, False, "outcome_not_available")
    index = current_need_index()
    ranking = index.rank(outcome_doc(outcome), k=settings.MATCHMAKER_PROPOSALS_PER_OUTCOME)
    pairs = [(int(p.id), outcome.pk, p) for p in _worth_reviewing(ranking.proposals)]
    with transaction.atomic():
        Outcome.objects.select_for_update().filter(pk=outcome.pk).first()
        proposed, removed, decided = _store_proposals(
            pairs=pairs,
            scope=Q(outcome_id=outcome.pk),
            source=Match.Source.OUTCOME,
            index_version=current_version(IndexBuild.Kind.NEEDS),
        )
    assign_unassigned(Match.objects.filter(outcome=outcome))
    return RefreshResult(proposed, removed, decided, ranking.abstained, ranking.reason)


@dataclass(frozen=True)
class PreviewItem:
    outcome: Outcome
    proposal: engine.Proposal


@dataclass(frozen=True)
class Preview:
    items: list[PreviewItem]
    abstained: bool
    reason: str


def match_preview(
    *,
    text: str,
    industry_chain: str | None = None,
    city: str | None = None,
    min_trl: int | None = None,
    budget_wan: float | None = None,
    k: int = 10,
) -> Preview:
    """Rank outcomes for a draft text without saving anything."""
    index = current_outcome_index()
    title, _, rest = text.strip().partition("\n")
    doc = engine.NeedDoc(
        id="preview",
        title=title,
        description=rest,
        industry_chain=industry_chain,
        min_trl=min_trl,
        budget_wan=budget_wan,
        city=city,
    )
    ranking = index.rank(doc, k=k)
    # By primary key alone, availability checked here: with a status filter in the query SQLite
    # walks the status index over the whole library instead (18 ms at 106,000 outcomes).
    outcomes = Outcome.objects.select_related("institution").in_bulk([int(p.id) for p in ranking.proposals])
    items = [
        PreviewItem(outcomes[int(p.id)], p)
        for p in ranking.proposals
        if int(p.id) in outcomes and outcomes[int(p.id)].is_available()
    ]
    return Preview(items=items, abstained=ranking.abstained, reason=ranking.reason)


def needs_never_matched():
    """Open, prepared needs the matcher has not looked at (their task was lost)."""
    return Need.objects.open().filter(match_state=Need.MatchState.PENDING, text_prepared_at__isnull=False)
