"""Explanations a person can read: the shared key terms and where they occur in both texts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._normalize import normalize

Span = tuple[int, int]

_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9+#&._%\-]*$")


@dataclass(frozen=True)
class TermWeight:
    """One shared term and its share of the text score."""

    term: str
    weight: float


@dataclass
class Explanation:
    """Why a candidate was proposed: key terms, and their character spans in the original texts.

    Spans are ``[start, end)`` offsets into the original field text, Traditional script included,
    because normalisation never changes a text's length.
    """

    terms: list[TermWeight] = field(default_factory=list)
    need_spans: dict[str, list[Span]] = field(default_factory=dict)
    outcome_spans: dict[str, list[Span]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict for storage on the Match row and for the review page."""
        return {
            "terms": [{"term": t.term, "weight": round(float(t.weight), 4)} for t in self.terms],
            "need_spans": {k: [[s, e] for s, e in v] for k, v in self.need_spans.items()},
            "outcome_spans": {k: [[s, e] for s, e in v] for k, v in self.outcome_spans.items()},
        }


def find_spans(text: str, surfaces: Iterable[str], normalized: str | None = None) -> list[Span]:
    """Offsets in `text` of every occurrence of the normalised `surfaces`, merged and sorted.

    `normalized` may pass ``normalize(text)`` when the caller already has it.
    """
    if not text:
        return []
    haystack = normalized if normalized is not None else normalize(text)
    found: list[Span] = []
    for surface in set(surfaces):
        if not surface:
            continue
        ascii_word = bool(_ASCII_WORD.match(surface))
        start = haystack.find(surface)
        while start != -1:
            end = start + len(surface)
            # "sic" must not light up inside "basic"; Chinese has no word boundaries to check.
            if not ascii_word or (
                (start == 0 or not haystack[start - 1].isascii() or not haystack[start - 1].isalnum())
                and (end == len(haystack) or not haystack[end].isascii() or not haystack[end].isalnum())
            ):
                found.append((start, end))
            start = haystack.find(surface, start + 1)
    return _merge(found)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
