"""The plain documents the engine works on; Django rows are converted to these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._normalize import normalize
from ._tokenize import join_tokens, split_tokens, tokenize_normalized
from ._vectors import parallel_map


@dataclass(frozen=True)
class OutcomeDoc:
    """A research outcome (科技成果) as the engine sees it.

    `tokens`, when given, must be ``tokens_for(doc)`` computed under the active ``lexicon_version()``
    (the tokens in their stored form, one string: see ``join_tokens``); it spares re-tokenising the
    abstract when an index is rebuilt. `normalized`, when given, must be
    ``normalize(doc_text(doc))``; it spares normalising the text again (stored beside the tokens).
    """

    id: int | str
    title: str
    abstract: str
    keywords: tuple[str, ...] = ()
    industry_chain: str | None = None
    trl: int | None = None
    asking_price_wan: float | None = None
    city: str | None = None
    tokens: str | None = None
    normalized: str | None = None


@dataclass(frozen=True)
class NeedDoc:
    """An enterprise need (产业需求) as the engine sees it; `tokens` and `normalized` as for OutcomeDoc."""

    id: int | str
    title: str
    description: str
    industry_chain: str | None = None
    min_trl: int | None = None
    budget_wan: float | None = None
    city: str | None = None
    tokens: str | None = None
    normalized: str | None = None


def doc_text(doc: OutcomeDoc | NeedDoc) -> str:
    """The text whose tokens are stored for `doc`: title, body and keywords, one per line."""
    if isinstance(doc, OutcomeDoc):
        return "\n".join([doc.title, doc.abstract, " ".join(doc.keywords)])
    return "\n".join([doc.title, doc.description])


def prepare(doc: OutcomeDoc | NeedDoc) -> tuple[str, str]:
    """``(normalize(doc_text(doc)), tokens_for(doc))``, normalising once: what a row stores."""
    normalized = doc.normalized if doc.normalized is not None else normalize(doc_text(doc))
    return normalized, join_tokens(tokenize_normalized(normalized))


def prepare_many(docs: Sequence[OutcomeDoc | NeedDoc]) -> list[tuple[str, str]]:
    """prepare() of each doc, on every core for large batches."""
    return parallel_map(prepare, docs)


def tokens_for(doc: OutcomeDoc | NeedDoc) -> str:
    """Tokens to store on the row (with ``lexicon_version()``) and pass back as ``doc.tokens``."""
    return prepare(doc)[1]


def tokens_for_many(docs: Sequence[OutcomeDoc | NeedDoc]) -> list[str]:
    """tokens_for() of each doc, on every core for large batches."""
    return [tokens for _, tokens in prepare_many(docs)]


def doc_tokens(doc: OutcomeDoc | NeedDoc) -> list[str]:
    """The tokens of `doc`, one string each."""
    return split_tokens(doc.tokens if doc.tokens is not None else tokens_for(doc))
