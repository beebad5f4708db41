"""Keeps the engine's process-wide lexicon in step with the operators' additions in the admin."""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from matchmaker import engine
from matchmaker.models import LexiconSynonym, LexiconTerm

_lock = threading.Lock()
_applied: tuple | None = None


def _signature() -> tuple:
    terms = LexiconTerm.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    synonyms = LexiconSynonym.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (terms["n"], terms["at"], synonyms["n"], synonyms["at"])


def sync_lexicon() -> str:
    """Apply the operators' terms and synonyms if they changed; return the active lexicon version.

    Two cheap aggregate queries per call, so callers may run it before every task.
    """
    global _applied
    signature = _signature()
    if signature == _applied:
        return engine.lexicon_version()
    with _lock:
        if _applied is None and signature[0] == 0 and signature[2] == 0:
            # Nothing added yet: the engine's default lexicon is already the right one, and
            # swapping it would throw away a warmed-up jieba for nothing.
            _applied = signature
        elif signature != _applied:
            lexicon = engine.Lexicon.default().extended(
                terms=list(LexiconTerm.objects.values_list("term", flat=True)),
                synonyms=dict(LexiconSynonym.objects.values_list("variant", "canonical")),
            )
            engine.use_lexicon(lexicon)
            _applied = signature
    return engine.lexicon_version()


def reset_lexicon_cache() -> None:
    """Forget what was applied (tests that swap the database under the process)."""
    global _applied
    _applied = None
