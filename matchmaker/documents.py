"""Database rows → the engine's plain documents."""

from __future__ import annotations

from decimal import Decimal

from matchmaker import engine
from needs.models import Need
from outcomes.models import Outcome


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _stored(row: Need | Outcome) -> dict[str, object]:
    # Tokens made with another dictionary would disagree with the query's tokens: recompute them
    # (and the normalised text with them: both come from the same preparation).
    if row.text_prepared_at is not None and row.tokens_lexicon == engine.lexicon_version():
        return {"tokens": row.tokens, "normalized": row.normalized_text or None}
    return {}


def need_doc(need: Need, *, use_stored_tokens: bool = True) -> engine.NeedDoc:
    return engine.NeedDoc(
        id=need.pk,
        title=need.title,
        description=need.description,
        industry_chain=need.industry_chain,
        min_trl=need.min_trl,
        budget_wan=_money(need.budget_wan),
        city=need.city,
        **(_stored(need) if use_stored_tokens else {}),
    )


def outcome_doc(outcome: Outcome, *, use_stored_tokens: bool = True) -> engine.OutcomeDoc:
    return engine.OutcomeDoc(
        id=outcome.pk,
        title=outcome.title,
        abstract=outcome.abstract,
        keywords=tuple(outcome.keywords),
        industry_chain=outcome.industry_chain,
        trl=outcome.trl,
        asking_price_wan=_money(outcome.asking_price_wan),
        city=outcome.institution.city,
        **(_stored(outcome) if use_stored_tokens else {}),
    )
