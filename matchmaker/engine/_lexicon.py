"""The platform lexicon: dictionary terms, synonyms, related terms and stopwords."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from ._normalize import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"

# Bumped whenever tokenize() changes behaviour, so tokens stored beside this version are recomputed.
# 5: a Simplified text is never rewritten by Taiwan-vocabulary phrases (normalize).
# 6: Kangxi radicals and compatibility ideographs fold onto their Han characters (normalize).
TOKENIZER_REVISION = "6"

_DICT_LINE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([A-Za-z]{1,8}))?$")
# A variant must not be pure punctuation or digits, or every number in a text would turn into it.
_HAS_WORD = re.compile(r"[^\W\d_]")
# Synonym chains deeper than this are either data errors or cycles.
_MAX_CHAIN = 8


def _clean(raw: str) -> str:
    return " ".join(normalize(raw).split())


def _data_lines(path: Path) -> Iterable[str]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip().lstrip("\ufeff")
            if line and not line.startswith("#"):
                yield line


def _resolve(synonyms: Mapping[str, str]) -> dict[str, str]:
    """Follow variant→canonical chains so every variant points at a final canonical."""
    resolved: dict[str, str] = {}
    for variant, canonical in synonyms.items():
        seen = {variant}
        for _ in range(_MAX_CHAIN):
            nxt = synonyms.get(canonical)
            if nxt is None or nxt in seen:
                break
            seen.add(canonical)
            canonical = nxt
        if canonical != variant:
            resolved[variant] = canonical
    return resolved


@dataclass(frozen=True)
class Lexicon:
    """Terms jieba must keep whole, synonyms mapped to one canonical, related terms and stopwords.

    Every entry is stored normalised, so Traditional, full-width and upper-case spellings collapse.
    """

    terms: Mapping[str, int] = field(default_factory=dict)  # term -> jieba frequency (0: engine decides)
    synonyms: Mapping[str, str] = field(default_factory=dict)  # variant -> canonical
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # term -> related terms
    stopwords: frozenset[str] = frozenset()

    @classmethod
    def default(cls) -> Lexicon:
        """The lexicon shipped in ``matchmaker/engine/data``."""
        return _default_lexicon()

    @classmethod
    def load(cls, directory: str | Path) -> Lexicon:
        """Read dictionary.txt, synonyms.tsv, related.tsv and stopwords.txt; malformed lines are skipped."""
        directory = Path(directory)
        terms: dict[str, int] = {}
        for line in _data_lines(directory / "dictionary.txt"):
            match = _DICT_LINE.match(line)
            if match is None:
                continue
            term = _clean(match.group(1))
            if term and _HAS_WORD.search(term):
                terms[term] = max(terms.get(term, 0), int(match.group(2) or 0))

        synonyms: dict[str, str] = {}
        for line in _data_lines(directory / "synonyms.tsv"):
            cells = [_clean(cell) for cell in line.split("\t")]
            cells = [cell for cell in cells if cell and _HAS_WORD.search(cell)]
            if len(cells) < 2:
                continue
            canonical = cells[0]
            for variant in cells[1:]:
                # The first table row that claims a variant wins, so the result does not depend on dict order.
                if variant != canonical and variant not in synonyms:
                    synonyms[variant] = canonical

        related: dict[str, list[str]] = {}
        for line in _data_lines(directory / "related.tsv"):
            cells = [_clean(cell) for cell in line.split("\t")]
            cells = [cell for cell in cells if cell and _HAS_WORD.search(cell)]
            if len(cells) < 2:
                continue
            targets = related.setdefault(cells[0], [])
            targets.extend(cell for cell in cells[1:] if cell != cells[0] and cell not in targets)

        stopwords = frozenset(_clean(line) for line in _data_lines(directory / "stopwords.txt"))
        return cls._build(terms, synonyms, related, stopwords)

    @classmethod
    def _build(
        cls,
        terms: Mapping[str, int],
        synonyms: Mapping[str, str],
        related: Mapping[str, Iterable[str]],
        stopwords: Iterable[str],
    ) -> Lexicon:
        resolved = _resolve(synonyms)

        def canon(term: str) -> str:
            return resolved.get(term, term)

        merged_related: dict[str, list[str]] = {}
        for source, targets in related.items():
            bucket = merged_related.setdefault(canon(source), [])
            for target in targets:
                target = canon(target)
                if target != canon(source) and target not in bucket:
                    bucket.append(target)
        all_terms = dict(terms)
        # jieba must keep every synonym and related term whole, or the mapping would never see it.
        for word in [
            *resolved,
            *resolved.values(),
            *merged_related,
            *(t for ts in merged_related.values() for t in ts),
        ]:
            all_terms.setdefault(word, 0)
        return cls(
            terms=dict(sorted(all_terms.items())),
            synonyms=dict(sorted(resolved.items())),
            related={k: tuple(v) for k, v in sorted(merged_related.items()) if v},
            stopwords=frozenset(w for w in stopwords if w),
        )

    def extended(
        self,
        terms: Iterable[str] = (),
        synonyms: Mapping[str, str] | None = None,
        related: Mapping[str, Iterable[str]] | None = None,
        stopwords: Iterable[str] = (),
    ) -> Lexicon:
        """Return a new lexicon with operator additions; an added synonym replaces a shipped one."""
        new_terms = dict(self.terms)
        for term in terms:
            term = _clean(term)
            if term and _HAS_WORD.search(term):
                new_terms.setdefault(term, 0)
        new_synonyms = dict(self.synonyms)
        for variant, canonical in (synonyms or {}).items():
            variant, canonical = _clean(variant), _clean(canonical)
            if variant and canonical and variant != canonical and _HAS_WORD.search(variant):
                new_synonyms[variant] = canonical
        new_related = {k: list(v) for k, v in self.related.items()}
        for source, targets in (related or {}).items():
            bucket = new_related.setdefault(_clean(source), [])
            bucket.extend(t for t in (_clean(x) for x in targets) if t and t not in bucket)
        new_stop = set(self.stopwords) | {_clean(w) for w in stopwords}
        return Lexicon._build(new_terms, new_synonyms, new_related, new_stop)

    def canonical(self, term: str) -> str:
        """The canonical form of an already normalised term."""
        return self.synonyms.get(term, term)

    @cached_property
    def version(self) -> str:
        """A stable hash of the content and of the tokenizer revision."""
        return _version(self)


def _version(lexicon: Lexicon) -> str:
    payload = json.dumps(
        [
            TOKENIZER_REVISION,
            sorted(lexicon.terms.items()),
            sorted(lexicon.synonyms.items()),
            sorted((k, list(v)) for k, v in lexicon.related.items()),
            sorted(lexicon.stopwords),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@cache
def _default_lexicon() -> Lexicon:
    return Lexicon.load(DATA_DIR)
