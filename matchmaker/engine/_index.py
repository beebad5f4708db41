"""Indexes that rank outcomes for a need (OutcomeIndex) and needs for an outcome (NeedIndex)."""

from __future__ import annotations

import functools
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from ._buildmemory import build_memory
from ._charrows import CharRows
from ._docs import NeedDoc, OutcomeDoc, doc_text, doc_tokens, prepare, prepare_many
from ._explain import Explanation, TermWeight, find_spans
from ._growable import GrowableRows
from ._half import half_matmul
from ._jit import cores
from ._lexicon import Lexicon
from ._lsascores import lsa_cosines, project_query
from ._normalize import normalize
from ._postings import Postings
from ._select import best_rows
from ._settings import MatchSettings
from ._structured import StructuredColumns
from ._svd import truncated_svd
from ._textstore import Row, TextStore
from ._tokenize import (
    TOKEN_SEPARATOR,
    active_lexicon,
    char_ngrams,
    join_tokens,
    lexicon_version,
    split_tokens,
    tokenize,
)
from ._vectors import (
    TermWeights,
    char_counts,
    count_rows,
    parallel_map,
    query_vector,
    smooth_idf,
    tfidf32,
    word_tfidf,
)

# Bumped whenever the pickled layout or the scoring changes; a mismatch means "rebuild the index".
FORMAT_VERSION = 9
# Structured fit can move a score by at most ±15 %, so a candidate this far down the text ranking
# cannot reach the top k; scoring only these keeps a query fast on 100 000 outcomes.
_RESCORE_DEPTH = 300
# Rows added since the word postings were last built that a query scores from the rows instead;
# past this many the postings are rebuilt (a tenth of a second at 106,000 outcomes).
_POSTINGS_LAG = 256


class IncompatibleIndexError(Exception):
    """A pickled index was built by another engine format or scikit-learn version: rebuild it."""


@dataclass
class Proposal:
    """One candidate for the query, with its score, the parts of the score and an explanation.

    parts:
      text_word  cosine of word TF-IDF vectors (query expanded with related terms), in [0, 1]
      text_char  cosine of character 1/2-gram TF-IDF vectors, in [0, 1]
      text_lsa   cosine in the LSA space of the index (0 when the index is too small for LSA)
      text       (1 − lsa_weight) · (word_weight · text_word + char_weight · text_char) + lsa_weight · text_lsa
      industry   +1 same industry chain, `industry_mismatch` on different chains, 0 unknown
      trl        +1 outcome TRL meets the need's minimum, −0.5 one level short, −1 further, 0 unknown
      price      +1 asking price within budget, 0 within tolerance, down to −1 above, 0 unknown
      region     +1 same city, +0.5 same province, 0 otherwise or unknown
    score = clip(text · Π(1 + weight · part), 0, 1) over the four structured parts, so structured fit
    moves a score by at most about ±15 % and never lifts a candidate with no text in common.
    """

    id: int | str
    score: float
    rank: int
    parts: dict[str, float]
    # The explanation is built on first access (a few ms: spans over the texts): batch scoring and
    # callers that only need ids and scores never pay for it.
    explainer: Callable[[], Explanation] = field(repr=False, compare=False)

    @property
    def explanation(self) -> Explanation:
        cached: Explanation | None = self.__dict__.get("_explanation")
        if cached is None:
            cached = self.__dict__["_explanation"] = self.explainer()
        return cached


@dataclass
class Ranking:
    """Proposals best first, or none with `abstained` set and a short `reason` code.

    `would_abstain` holds the reason rank() would have abstained for when called with
    ``abstain=False`` (the proposals are then kept), so evaluation gets both from one call.
    """

    proposals: list[Proposal] = field(default_factory=list)
    abstained: bool = False
    reason: str = ""
    would_abstain: str = ""
    signals: dict[str, float] = field(default_factory=dict)


class _Lsa(NamedTuple):
    """The LSA part of an index: truncated SVD X ≈ UΣVᵀ of the word and character vectors (stacked)
    of the rows it was fitted on."""

    basis: Any  # U: each row's coordinates divided by Σ (rows × dims, float32)
    sigma: Any  # Σ (dims)
    norms: Any  # ‖UΣ‖ of each row
    components: Any  # V: a row per word, then per character term; dims columns; × components_scale, float16
    components_scale: float

    def project(self, word: Any, char: Any, words: int) -> Any:
        """LSA coordinates x·V (float32) of a vector's word and character parts (_SparseVector), or
        of rows of them (CSR matrices)."""
        if isinstance(word, _SparseVector):
            out = project_query(self.components, word.indices, word.data, words + char.indices, char.data)
        else:
            bits = self.components.view(np.uint16)
            out = half_matmul(word, bits[:words]) + half_matmul(char, bits[words:])
        return out / np.float32(self.components_scale)


@dataclass(frozen=True)
class _SparseVector:
    """A query vector: sorted columns and their values (a scipy matrix costs more to build than to use)."""

    indices: Any
    data: Any


_scratch_space = threading.local()


def _scratch(size: int) -> Any:
    """A zeroed float32 vector of `size`, reused by this thread; callers zero what they set."""
    buffer: Any = getattr(_scratch_space, "buffer", None)
    if buffer is None or len(buffer) != size:
        buffer = _scratch_space.buffer = np.zeros(size, dtype=np.float32)
    return buffer


@dataclass(frozen=True)
class _Query:
    tokens: tuple[str, ...]
    title_tokens: tuple[str, ...]
    char_text: str  # normalised
    fields: dict[str, str]  # normalised only when an explanation is asked for
    need_side: bool  # True when the query is a need (OutcomeIndex), False for an outcome
    industry_chain: str | None
    trl: int | None
    price_wan: float | None
    city: str | None


def _tokens_and_char_text(doc: NeedDoc | OutcomeDoc, boosted: list[str] | None) -> tuple[tuple[str, ...], str]:
    """The query's tokens and its normalised character text: `boosted` joined under a query title
    boost; else the document text, normalised once for both (a second pass cost ~0.07 ms a query)."""
    if boosted is not None:
        return tuple(doc_tokens(doc)), normalize("\n".join(boosted))
    if doc.tokens is None:
        normalized, tokens = prepare(doc)
        return tuple(split_tokens(tokens)), normalized
    return tuple(split_tokens(doc.tokens)), doc.normalized if doc.normalized is not None else normalize(doc_text(doc))


def _need_query(need: NeedDoc, settings: MatchSettings) -> _Query:
    boost = settings.query_title_boost
    tokens, char_text = _tokens_and_char_text(need, [need.title] * boost + [need.description] if boost > 1 else None)
    return _Query(
        tokens=tokens,
        # Only counted under a query title boost: skip the second jieba pass otherwise.
        title_tokens=tuple(tokenize(need.title)) if boost > 1 else (),
        char_text=char_text,
        fields={"title": need.title, "description": need.description},
        need_side=True,
        industry_chain=need.industry_chain,
        trl=need.min_trl,
        price_wan=need.budget_wan,
        city=need.city,
    )


def _outcome_query(outcome: OutcomeDoc, settings: MatchSettings) -> _Query:
    keywords = " ".join(outcome.keywords)
    boost = settings.query_title_boost
    boosted = [outcome.title] * boost + [outcome.abstract] + [keywords] * boost if boost > 1 else None
    tokens, char_text = _tokens_and_char_text(outcome, boosted)
    return _Query(
        tokens=tokens,
        title_tokens=tuple(tokenize(outcome.title)) + tuple(tokenize(keywords)) if boost > 1 else (),
        char_text=char_text,
        fields={"title": outcome.title, "abstract": outcome.abstract},
        need_side=False,
        industry_chain=outcome.industry_chain,
        trl=outcome.trl,
        price_wan=outcome.asking_price_wan,
        city=outcome.city,
    )


def _normalized_fields(normalized: str | None, title: str, body: str, keywords: str) -> tuple[str, str, str]:
    """Title, body and keywords cut from `normalized`, the normalised text of all three joined by
    newlines (what a row stores): the one normalisation a row's words and n-grams came from, so
    the coverage signal sees what the scores saw and no query normalises a candidate again (three
    Traditional abstracts took 0.5 ms). A need's text has no keywords line."""
    a, b = len(title), len(title) + 1 + len(body)
    if normalized is None or (len(normalized) != b + 1 + len(keywords) and (keywords or len(normalized) != b)):
        normalized = normalize("\n".join((title, body, keywords)))
    return normalized[:a], normalized[a + 1 : b], normalized[b + 1 :]


def _boosted(settings: MatchSettings) -> bool:
    """Whether a row's word input repeats its title or keywords after its stored tokens."""
    return settings.title_boost > 1 or settings.keyword_boost > 1


def _sklearn_version() -> str:
    import scipy
    import sklearn

    # Every library whose objects the artifact holds: a mismatch means "rebuild".
    return f"{sklearn.__version__}+numpy{np.__version__}+scipy{scipy.__version__}"


class _Index(ABC):
    """Shared machinery; candidates are either outcomes or needs."""

    _field_names: tuple[str, str]

    def __init__(self, settings: MatchSettings) -> None:
        self.settings = settings
        self.format_version = FORMAT_VERSION
        self.sklearn_version = _sklearn_version()
        self.lexicon_version = lexicon_version()
        self._ids: list[int | str] = []
        # Title, body and keywords of every row, normalised (for spans and coverage): normalising
        # never changes a text's length, so offsets found in them are offsets in the originals.
        self._texts = TextStore()
        self._structured = StructuredColumns()  # industry chain, TRL, money, city of every row
        self._word_vec: Any = None
        self._char_vec: Any = None
        self._word: Any = None
        self._char: Any = None  # CharRows: the character n-gram part, stored as counts
        self._lsa: Any = None
        self._postings: Postings | None = None  # the word matrix by term, derived (not pickled)
        # Buffers the incremental add appends to (not pickled: an unpickled index starts new ones).
        self._growth: dict[str, GrowableRows] = {}
        self._alive: Any = None  # False for rows removed since the last full build
        self._row_of: dict[int | str, int] = {}

    # --- pickling -------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # The inverse vocabularies are rebuilt on demand; storing them would only grow the artifact.
        return {k: v for k, v in self.__dict__.items() if k not in ("_term_list", "_char_list", "_postings", "_growth")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("format_version") != FORMAT_VERSION or state.get("sklearn_version") != _sklearn_version():
            raise IncompatibleIndexError(
                f"index format {state.get('format_version')} / scikit-learn {state.get('sklearn_version')}, "
                f"engine expects {FORMAT_VERSION} / {_sklearn_version()}"
            )
        self.__dict__.update(state)
        self._growth = {}
        if self._word is not None:
            self._postings = Postings(self._word)

    @property
    def ids(self) -> list[int | str]:
        """Candidate ids in index order (removed ones left out)."""
        if self._alive is None:
            return list(self._ids)
        return [i for i, alive in zip(self._ids, self._alive, strict=True) if alive]

    def __len__(self) -> int:
        return len(self._ids) if self._alive is None else int(np.count_nonzero(self._alive))

    # --- building -------------------------------------------------------------------------------
    def _candidate_rows(self, docs: Sequence[Any]) -> tuple[list[str], list[str], list[Row]]:
        """Word tokens (in their stored form, one string), normalised character text and stored
        texts of each candidate; records ids and fields (the texts are for the caller to store)."""
        s = self.settings
        # Without boosts the character text is the stored text, so a row's stored normalisation serves.
        plain = s.title_boost == 1 and s.keyword_boost == 1
        word_docs: list[str] = []
        char_docs: list[str | None] = []
        raw_char: dict[int, str] = {}
        # jieba and OpenCC are most of a build from raw text: rows without stored tokens are prepared
        # on every core, each text normalised once for both its words and its character n-grams.
        fresh = iter(prepare_many([doc for doc in docs if doc.tokens is None]))
        texts: list[Row] = []
        boosted = _boosted(s)
        for doc in docs:
            title, body, keywords = self._doc_texts(doc)
            normalized, stored = next(fresh) if doc.tokens is None else (doc.normalized, doc.tokens)
            texts.append(_normalized_fields(normalized, title, body, keywords))
            # doc_tokens already holds title and keywords once; repeat them to reach the boost.
            if boosted:
                extra: list[str] = []
                if s.title_boost > 1:
                    extra += tokenize(title) * (s.title_boost - 1)
                if keywords and s.keyword_boost > 1:
                    extra += tokenize(keywords) * (s.keyword_boost - 1)
                stored = TOKEN_SEPARATOR.join(part for part in (stored, join_tokens(extra)) if part)
            word_docs.append(stored)
            if not plain or normalized is None:
                raw_char[len(char_docs)] = "\n".join([title] * s.title_boost + [body] + [keywords] * s.keyword_boost)
                normalized = None
            char_docs.append(normalized)
        self._ids.extend(map(attrgetter("id"), docs))
        self._structured.extend(list(map(self._doc_structured, docs)))
        for i, text in zip(raw_char, parallel_map(normalize, list(raw_char.values())), strict=True):
            char_docs[i] = text
        return word_docs, [text or "" for text in char_docs], texts

    def _fit(self, docs: Sequence[Any]) -> None:
        with build_memory():
            self._fit_all(docs)

    def _fit_all(self, docs: Sequence[Any]) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            # Rows that all hold their tokens, without boosts, give the word part its input as they
            # are: it is counted (compiled, mostly without the GIL) while the loop over the rows
            # runs in Python on the other core. At 106,000 outcomes the two 1.00 → 0.77 s (medians
            # of 6 alternated).
            stored_words = self._stored_word_docs(docs)
            words = pool.submit(self._fit_words, stored_words) if stored_words else None
            word_docs, char_docs, texts = self._candidate_rows(docs)
            self._alive = np.ones(len(self._ids), dtype=bool)
            self._row_of = {doc_id: i for i, doc_id in enumerate(self._ids)}
            if not docs:
                self._word_vec = self._char_vec = TermWeights({}, np.zeros(0))
                return
            # The texts are compressed while the words and characters are counted (Zstandard
            # releases the GIL): at 106,000 outcomes 0.4 s of a build (medians of 7 interleaved
            # builds). The word and character parts side by side gained nothing: the counting
            # already runs on both cores.
            stored = pool.submit(self._texts.extend, texts)
            if words is None:
                self._fit_words(word_docs)
            else:
                words.result()
            sample_counts = self._fit_char(char_docs)
            stored.result()
        self._fit_lsa(sample_counts)

    def _stored_word_docs(self, docs: Sequence[Any]) -> list[str] | None:
        """What `_candidate_rows` will give as the rows' word input when every row holds its tokens
        and no boost adds to them; None otherwise."""
        if _boosted(self.settings):
            return None
        tokens = [doc.tokens for doc in docs]
        return None if None in tokens else tokens

    def _fit_words(self, word_docs: list[str]) -> None:
        # sublinear tf: a term repeated ten times in an abstract is not ten times as relevant.
        # (The same matrices as scikit-learn's TfidfVectorizer, counted with NumPy: see _vectors.py.)
        # float32 halves the artifact; scores need no more than six significant digits.
        self._word, self._word_vec = word_tfidf(word_docs)
        self._postings = Postings(self._word)

    def _lsa_sample(self) -> Any:
        """The rows the LSA is fitted on. The topics of a large library show in an evenly spread
        sample of it; fitting on the sample and projecting every row costs a fraction of fitting on
        all of them."""
        n, size = len(self._ids), self.settings.lsa_fit_sample
        return np.arange(n) if n <= size else np.linspace(0, n - 1, size).astype(np.int64)

    def _fit_char(self, char_docs: list[str]) -> Any:
        """Fits the character part; returns the counts of the LSA's sample rows (the LSA fit reads
        them). The character store takes over the count matrix itself."""
        counts, vocabulary = char_counts(char_docs, self.settings.char_ngram_sizes, normalized=True)
        idf = smooth_idf(counts, len(char_docs))
        self._char_vec = TermWeights(vocabulary, idf)
        sample = counts[self._lsa_sample()]
        self._char = CharRows(counts, idf, consume=True)
        return sample

    def _fit_lsa(self, sample_counts: Any) -> None:
        from scipy.sparse import hstack

        s = self.settings
        n = len(self._ids)
        # A library whose rows share a handful of terms (or none: punctuation only) has no topics.
        terms = self._word.shape[1] + sample_counts.shape[1]
        if s.lsa_weight <= 0 or n < s.lsa_min_docs or terms < 2:
            return
        dims = min(s.lsa_dims, max(s.lsa_min_dims, n // s.lsa_docs_per_dim), n - 1, terms - 1)
        # Word and character parts are stacked for the sample only and projected apart (stacking
        # all rows copied 40 million non-zeros). The character weights are made for the sample
        # only; every row is projected from its counts.
        idf = self._char_vec.idf_
        char = tfidf32(sample_counts, idf)
        sample = hstack([self._word[self._lsa_sample()], char]).tocsr()
        sigma, components = truncated_svd(sample, dims, n_iter=s.lsa_power_iterations)
        # The components V project a query or a new row (x·V). Kept in float16, half the memory (a
        # row per term: 33 instead of 66 MB at 106,000 outcomes, and a richer vocabulary has more
        # terms than rows), scaled so the largest entry is 1,024: float16 keeps three significant
        # digits from 6e-5 up. Every row is projected through the same rounded V, the sums divided
        # by the scale after, as `_Lsa.project` does: a row added later lands on the float where the
        # build put its twin. The products read the halves themselves (`_half.py`), not a float32
        # copy: half the bytes gathered 33 million times, and no 60 MB copy in fresh memory.
        # (Scaled and rounded in place: no temporary copy of the components either.)
        scale = 1024.0 / max(float(components.max()), -float(components.min()), 1e-30)
        components *= scale
        stored = components.T.astype(np.float16, order="C")
        bits = stored.view(np.uint16)
        words = self._word.shape[1]
        embedded = half_matmul(self._word, bits[:words])
        embedded += self._char.tfidf_dot(bits[words:], idf)
        embedded /= np.float32(scale)
        norms = np.maximum(np.linalg.norm(embedded, axis=1), 1e-12)
        sigma = np.maximum(sigma, 1e-12).astype(np.float32)
        embedded /= sigma  # the basis: each row's coordinates over Σ, divided as add() divides them
        self._lsa = _Lsa(embedded, sigma, norms.astype(np.float32), stored, scale)

    @abstractmethod
    def _doc_texts(self, doc: Any) -> tuple[str, str, str]:
        """Title, body and keywords of a candidate."""

    @abstractmethod
    def _doc_structured(self, doc: Any) -> tuple[str | None, int | None, float | None, str | None]:
        """Industry chain, TRL, money and city of a candidate."""

    @abstractmethod
    def _query(self, doc: Any) -> _Query:
        """The query built from a document of the other library."""

    # --- incremental changes ----------------------------------------------------------------------
    def add(self, docs: Sequence[Any]) -> None:
        """Append (or replace) candidates under the vocabulary and IDF of the last full build.

        Terms the last build never saw are left out of the new rows until the next full build
        (nightly), which also refreshes the IDF weights; a full build is the same as building
        from scratch. An id already in the index is replaced.
        """
        if not docs:
            return
        if self._word is None:
            raise ValueError("add() needs an index built from at least one candidate; build() it instead")
        self.remove([doc.id for doc in docs])
        start = len(self._ids)
        word_docs, char_docs, texts = self._candidate_rows(docs)
        self._texts.extend(texts)
        word = _rows(word_docs, self._word_vec)
        # Counted once: the counts are what the character part stores, their weights what the
        # LSA coordinates below need.
        new_counts = count_rows(
            [char_ngrams(t, self.settings.char_ngram_sizes) for t in char_docs], self._char_vec.vocabulary_
        )
        char = self._char.weighted(new_counts, self._char_vec.idf_)
        if self._lsa is not None:
            lsa = self._lsa
            basis, sigma, norms = lsa.basis, lsa.sigma, lsa.norms
            # A new row's LSA coordinates x·V, as every row's at the last full build.
            embedded = lsa.project(word, char, word.shape[1])
            self._lsa = _Lsa(
                self._grow("lsa_basis").append_dense(basis, (embedded / sigma).astype(np.float32)),
                sigma,
                self._grow("lsa_norms").append_dense(
                    norms, np.maximum(np.linalg.norm(embedded, axis=1), 1e-12).astype(np.float32)
                ),
                lsa.components,
                lsa.components_scale,
            )
        self._word = self._grow("word").append_csr(self._word, word)
        self._char.append(new_counts)
        # The postings are rebuilt only once enough rows have piled up below them; until then a
        # query scores the few newer rows from their own word rows (see _word_scores).
        if self._postings is None or self._word.shape[0] - self._postings.shape[0] > _POSTINGS_LAG:
            self._postings = Postings(self._word)
        self._alive = self._grow("alive").append_dense(self._alive, np.ones(len(docs), dtype=bool))
        for offset, doc in enumerate(docs):
            self._row_of[doc.id] = start + offset

    def _grow(self, name: str) -> GrowableRows:
        return self._growth.setdefault(name, GrowableRows())

    def remove(self, ids: Sequence[int | str]) -> None:
        """Take candidates out of every ranking from now on (their rows go at the next full build)."""
        for doc_id in ids:
            row = self._row_of.pop(doc_id, None)
            if row is not None:
                self._alive[row] = False

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    # --- querying -------------------------------------------------------------------------------
    def _query_word_weights(self, query: _Query) -> dict[str, float]:
        """Sublinear-tf × idf weights of the query's own terms, unknown terms at the maximum idf."""
        counts: dict[str, float] = {}
        for token in query.tokens:
            counts[token] = counts.get(token, 0.0) + 1.0
        for token in query.title_tokens:
            counts[token] = counts.get(token, 0.0) + (self.settings.query_title_boost - 1)
        vocab = self._word_vec.vocabulary_
        idf = self._word_vec.idf_
        unseen = math.log(len(self._ids) + 1) + 1.0
        # A title token the body tokens lack (the title alone can normalise differently) gets no
        # count under query_title_boost 1: skip it rather than take log(0).
        return {
            term: (1.0 + math.log(tf)) * (idf[vocab[term]] if term in vocab else unseen)
            for term, tf in counts.items()
            if tf > 0
        }

    def _expand(self, weights: dict[str, float], lexicon: Lexicon) -> dict[str, float]:
        """Add related terms at a fraction of their source's weight (`_sources` says where each came from)."""
        expanded = dict(weights)
        factor = self.settings.related_weight
        if factor <= 0:
            return expanded
        vocab = self._word_vec.vocabulary_
        for term, weight in weights.items():
            for target in lexicon.related.get(term, ()):
                # A term the query already has keeps its own weight; one no candidate uses adds nothing.
                if target in weights or target not in vocab:
                    continue
                expanded[target] = max(expanded.get(target, 0.0), factor * weight)
        return expanded

    def _query_vector(self, weights: dict[str, float]) -> _SparseVector:
        vocab = self._word_vec.vocabulary_
        # The norm includes terms no candidate uses, so a query mostly about things the index never
        # mentions scores low against every candidate instead of high against a stray match.
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        known = sorted((vocab[t], w / norm) for t, w in weights.items() if t in vocab)
        return _SparseVector(
            np.fromiter((j for j, _ in known), dtype=np.int64, count=len(known)),
            np.fromiter((v for _, v in known), dtype=np.float64, count=len(known)),
        )

    def _word_scores(self, cols: Any, vals: Any) -> Any:
        """Word cosine of every row, summed over the query terms' postings only."""
        n = len(self._ids)
        scores = np.zeros(n, dtype=np.float32)
        postings = self._postings
        if len(cols) == 0 or postings is None:
            return scores
        covered = postings.shape[0]
        # The query terms' postings summed in compiled loops, common terms as dense columns (a
        # median 427,000 postings a need at 106,000 outcomes: _postings.py).
        postings.add_scores(cols, vals.astype(np.float32), scores[:covered])
        if covered < n:  # rows added since the postings were built
            dense = np.zeros(self._word.shape[1], dtype=np.float32)
            dense[cols] = vals
            scores[covered:] = self._word[covered:] @ dense
        return scores

    def _candidates(self, word: Any) -> Any:
        """Rows worth scoring in full: all rows of a small index; else the best by word score."""
        s = self.settings
        alive = self._alive
        if len(word) <= s.candidate_pool:
            return np.flatnonzero(alive)
        # On a large index every row shares some character with the query, so character and LSA
        # scores are computed only for the rows that share the most words with it.
        return best_rows(word, alive, s.candidate_pool)

    def _rank(self, doc: Any, k: int, abstain: bool, split: bool = True) -> Ranking:
        s = self.settings
        if not len(self):
            return Ranking(abstained=abstain, reason="empty_index" if abstain else "", would_abstain="empty_index")
        lexicon = active_lexicon()
        query = self._query(doc)
        weights = self._query_word_weights(query)
        expanded = self._expand(weights, lexicon)
        q_word = self._query_vector(expanded)
        q_char = self._query_char(query.char_text)
        word_all = self._word_scores(q_word.indices, q_word.data)
        cand = self._candidates(word_all)
        word = word_all[cand]
        lsa = np.zeros(len(cand), dtype=np.float32)
        if self._lsa is not None and len(cand):
            # The query's coordinates q·V, for the stacked, separately normalised word and character
            # vectors. (They were once Uᵀ(X·q)/Σ summed over the candidates only, which is exact
            # when every row is one and loses most of the query's topic in a large index: with the
            # dev outcomes among 106,000, need→outcome nDCG@10 0.32 against 0.53 now.)
            coordinates = self._lsa.project(q_word, q_char, self._word.shape[1])
            lsa = lsa_cosines(self._lsa.basis, self._lsa.sigma, self._lsa.norms, cand, coordinates)
        char = self._char_scores(cand, word, lsa, q_char, split)
        lexical = s.word_weight * word + s.char_weight * char
        text = lexical if self._lsa is None else (1 - s.lsa_weight) * lexical + s.lsa_weight * lsa

        depth = min(len(text), max(_RESCORE_DEPTH, k))
        top = np.argpartition(-text, depth - 1)[:depth] if depth < len(text) else np.arange(len(text))
        # Structured fit multiplies the text score by at most `hi` and at least `lo`: a row whose
        # best case stays below the worst case of the k-th text score can never reach the top k.
        need = max(k, s.coverage_depth)
        if len(top) > need:
            hi = (1 + s.industry_weight) * (1 + s.trl_weight) * (1 + s.price_weight) * (1 + s.region_weight)
            lo = (1 + s.industry_weight * min(0.0, s.industry_mismatch)) * (1 - s.trl_weight) * (1 - s.price_weight)
            kth = np.partition(text[top], len(top) - need)[len(top) - need]
            top = top[text[top] * hi >= kth * lo]
        top = top[lexical[top] > 0.0]  # no shared word or character: nothing to explain, never a proposal
        rows = cand[top]
        fits = self._fit_parts(query, rows)
        final = np.clip(text[top].astype(np.float64) * fits[4], 0.0, 1.0)
        # Best first, ties broken by index order so that rankings are reproducible across runs; only
        # as many as the proposals and the coverage signal read are turned into Python objects.
        order = np.lexsort((rows, -final))[: max(k, s.coverage_depth)]
        best = rows[order].tolist()
        j_best = top[order]
        signals = self._signals(
            weights,
            lexicon,
            best[: s.coverage_depth],
            float(text[j_best[0]]) if len(best) else 0.0,
            float(word.max()) if len(word) else 0.0,
            lexical,
            lsa,
            q_word,
        )
        reason = self._abstain_reason(signals, bool(best))
        if abstain and reason:
            return Ranking(abstained=True, reason=reason, would_abstain=reason, signals=signals)

        j_best = j_best[:k]
        columns = zip(
            best[:k],
            final[order[:k]].tolist(),
            word[j_best].tolist(),
            char[j_best].tolist(),
            lsa[j_best].tolist(),
            text[j_best].tolist(),
            fits[:4, order[:k]].T.tolist(),
            strict=True,
        )
        proposals = [
            Proposal(
                id=self._ids[i],
                score=score,
                rank=rank,
                parts={
                    "text_word": p_word,
                    "text_char": p_char,
                    "text_lsa": p_lsa,
                    "text": p_text,
                    "industry": industry,
                    "trl": trl,
                    "price": price,
                    "region": region,
                },
                explainer=functools.partial(self._explain, query, i, q_word, q_char, weights, lexicon),
            )
            for rank, (i, score, p_word, p_char, p_lsa, p_text, (industry, trl, price, region)) in enumerate(
                columns, start=1
            )
        ]
        return Ranking(proposals=proposals, would_abstain=reason, signals=signals)

    def _rank_many(self, docs: Sequence[Any], k: int, abstain: bool, threads: int | None) -> list[Ranking]:
        threads = min(threads or cores(), len(docs))
        # Each query on one core: the cores are busy with other queries (or other workers).
        if threads <= 1:
            return [self._rank(doc, k, abstain, split=False) for doc in docs]
        # The compiled loops (word postings, character rows) release the GIL, so queries on every
        # core overlap there: 1,000 needs at 106,000 outcomes in 3.0 instead of 5.2 s on two cores
        # when 2,000 character rows a query were most of its time. With 150 (char_pool) the Python
        # between the loops weighs more and two threads gain less (1.66 against 2.03 s); worker
        # processes gain more. A query only reads the index; results come back in input order.
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(lambda doc: self._rank(doc, k, abstain, split=False), docs))

    def _char_scores(self, cand: Any, word: Any, lsa: Any, q_char: _SparseVector, split: bool) -> Any:
        """Character cosines of the candidates: of the `char_pool` best by word and LSA score when
        there are more, the others 0. Character rows were most of a query's time for 2,000
        candidates; the LSA scores of the whole pool are kept, because the topic rule of abstention
        looks at its nearest rows."""
        s = self.settings
        chars = self._char
        scratch = _scratch(chars.shape[1])
        if len(cand) <= s.char_pool or self._lsa is None:
            every = len(cand) == chars.shape[0]
            return chars.scores(None if every else cand, q_char.indices, q_char.data, scratch, split)
        # The text score without its character part ranks the pool; ascending positions keep the
        # rows read in index order.
        partial = (1 - s.lsa_weight) * s.word_weight * word + s.lsa_weight * lsa
        best = np.sort(np.argpartition(-partial, s.char_pool - 1)[: s.char_pool])
        char = np.zeros(len(cand), dtype=np.float32)
        char[best] = chars.scores(cand[best], q_char.indices, q_char.data, scratch, split)
        return char

    def _query_char(self, text: str) -> _SparseVector:
        cols, vals = query_vector(char_ngrams(text, self.settings.char_ngram_sizes, normalized=True), self._char_vec)
        return _SparseVector(cols, vals.astype(np.float32))

    def _fit_parts(self, query: _Query, rows: Any) -> Any:
        """(industry, trl, price, region, score factor) of candidates `rows` for the query, 5 × len(rows)."""
        mine = (query.industry_chain, query.trl, query.price_wan, query.city)
        return self._structured.fit(mine, rows, query.need_side, self.settings)

    def _parts(self, query: _Query, i: int) -> dict[str, float]:
        industry, trl, price, region, _ = self._fit_parts(query, np.array([i])).ravel().tolist()
        return {"industry": industry, "trl": trl, "price": price, "region": region}

    # --- abstention -----------------------------------------------------------------------------
    def _signals(
        self,
        weights: dict[str, float],
        lexicon: Lexicon,
        best: list[int],
        best_text: float,
        best_word: float,
        lexical: Any,
        lsa: Any,
        q_word: Any,
    ) -> dict[str, float]:
        """What abstention looks at.

        best_score     text score of the best candidate
        best_word      highest word cosine over all candidates (0: no content word in common at all)
        shared_terms   most distinct words of two or more characters (related terms included) that one of
                       the `coverage_depth` best candidates shares with the query
        topic_score    mean LSA cosine of the `topic_neighbours` nearest candidates: how densely the index
                       covers the query's topic. A need that can be answered sits among the outcome that
                       solves it and the ones that partly help; an orphan has at most a stray look-alike.
                       (-1 when the index is too small for LSA.)
        lexical_score  best word + character score, the stand-in for topic_score on an index too small
                       for LSA (-1 when LSA is used)
        core_coverage  share of the weight of the query's `core_terms` heaviest terms that appear, in any
                       spelling or as one of their related terms, in the `coverage_depth` best candidates
        """
        s = self.settings
        core = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[: s.core_terms]
        total = sum(w for _, w in core) or 1.0
        haystacks = ["\n".join(self._texts[i]) for i in best]
        surfaces = _surfaces(lexicon)
        covered = 0.0
        for term, weight in core:
            forms = set(surfaces.get(term, {term}))
            for target in lexicon.related.get(term, ()):
                forms |= surfaces.get(target, {target})
            if any(form in hay for hay in haystacks for form in forms):
                covered += weight
        terms = self._terms()
        query_terms = {j for j in q_word.indices.tolist() if len(terms[j]) > 1}
        word = self._word
        shared = max(
            (len(query_terms.intersection(word.indices[word.indptr[i] : word.indptr[i + 1]].tolist())) for i in best),
            default=0,
        )
        topic = lexical_score = -1.0
        if self._lsa is not None:
            n = min(s.topic_neighbours, len(lsa))
            topic = float(np.partition(lsa, len(lsa) - n)[-n:].mean()) if n else 0.0
        else:
            lexical_score = float(lexical.max()) if len(lexical) else 0.0
        return {
            "best_score": best_text,
            "best_word": best_word,
            "shared_terms": float(shared),
            "topic_score": topic,
            "lexical_score": lexical_score,
            "core_coverage": float(covered / total),
        }

    def _abstain_reason(self, signals: dict[str, float], has_candidates: bool) -> str:
        s = self.settings
        if not has_candidates:
            return "no_candidate"
        if signals["best_word"] <= 0.0:
            # Only stray characters in common: no word, synonym or related term is shared.
            return "no_shared_terms"
        if signals["shared_terms"] < s.min_shared_terms:
            return "few_shared_terms"
        if signals["best_score"] < s.min_score:
            return "weak_best_score"
        if 0 <= signals["topic_score"] < s.min_topic_score:
            return "weak_topic_match"
        if 0 <= signals["lexical_score"] < s.min_lexical_score:
            return "weak_best_score"
        if signals["core_coverage"] < s.min_core_coverage:
            return "low_core_coverage"
        return ""

    # --- explanation ----------------------------------------------------------------------------
    def _terms(self) -> list[str]:
        return self._inverse("_term_list", self._word_vec)

    def _char_terms(self) -> list[str]:
        return self._inverse("_char_list", self._char_vec)

    def _inverse(self, key: str, vectorizer: Any) -> list[str]:
        # Built on first use and cached on the instance: get_feature_names_out() copies the whole
        # vocabulary on every call.
        terms: list[str] | None = self.__dict__.get(key)
        if terms is None:
            terms = [""] * len(vectorizer.vocabulary_)
            for term, j in vectorizer.vocabulary_.items():
                terms[j] = term
            self.__dict__[key] = terms
        return terms

    def _explain(
        self, query: _Query, i: int, q_word: Any, q_char: Any, weights: dict[str, float], lexicon: Lexicon
    ) -> Explanation:
        s = self.settings
        # Weights are each term's contribution to the `text` part of the score.
        lexical_share = 1.0 - s.lsa_weight if self._lsa is not None else 1.0
        terms = self._terms()
        row = self._word.getrow(i)
        doc_weights = dict(zip(row.indices, row.data, strict=True))
        shared = [
            (terms[j], lexical_share * s.word_weight * float(v) * float(doc_weights[j]))
            for j, v in zip(q_word.indices, q_word.data, strict=True)
            if j in doc_weights
        ]
        shared.sort(key=lambda item: (-item[1], item[0]))
        chosen = shared[: s.explain_terms]
        if len(chosen) < s.explain_terms:
            # Words the dictionary does not know still match as character bigrams; show those too.
            grams = self._char_terms()
            doc_weights = self._char.row(i)
            extra = sorted(
                (
                    (grams[j], lexical_share * s.char_weight * float(v) * float(doc_weights[j]))
                    for j, v in zip(q_char.indices, q_char.data, strict=True)
                    if j in doc_weights and len(grams[j]) > 1
                ),
                key=lambda item: (-item[1], item[0]),
            )
            for gram, weight in extra:
                if len(chosen) >= s.explain_terms:
                    break
                if not any(gram in term for term, _ in chosen):
                    chosen.append((gram, weight))
        surfaces = _surfaces(lexicon)
        query_forms: set[str] = set()
        cand_forms: set[str] = set()
        for term, _ in chosen:
            cand_forms |= surfaces.get(term, {term})
            for source in _sources(term, weights, lexicon):
                query_forms |= surfaces.get(source, {source})
        title, body, _ = self._texts[i]
        cand_fields = {self._field_names[0]: title, self._field_names[1]: body}
        query_spans = {name: find_spans(text, query_forms, normalize(text)) for name, text in query.fields.items()}
        # The row's fields hold the normalisation of its whole text; a field is normalised again on
        # its own, as the query's are, so a Traditional title above a Simplified abstract (too few
        # Traditional characters for the whole text to count as Traditional) still shows its spans.
        cand_spans = {name: find_spans(text, cand_forms, _normalized(text)) for name, text in cand_fields.items()}
        explanation_terms = [TermWeight(term, weight) for term, weight in chosen]
        if query.need_side:
            return Explanation(explanation_terms, need_spans=query_spans, outcome_spans=cand_spans)
        return Explanation(explanation_terms, need_spans=cand_spans, outcome_spans=query_spans)


# Candidate fields are normalised for explanations on every query that proposes them; OpenCC's
# script detection would dominate an explanation's cost without this cache.
_normalized = functools.lru_cache(maxsize=20000)(normalize)

_surface_cache: dict[str, dict[str, set[str]]] = {}


def _sources(term: str, weights: dict[str, float], lexicon: Lexicon) -> set[str]:
    """The query's own terms a word of the query vector stands for: itself, or, for a related term
    `_expand` added, the terms it is related to. (Worked out for explanations only: made for every
    query, these sets were a fifth of the objects a ranking allocates.)"""
    if term in weights:
        return {term}
    return {source for source in weights if term in lexicon.related.get(source, ())}


def _surfaces(lexicon: Lexicon) -> dict[str, set[str]]:
    """canonical term -> every normalised spelling that maps to it (itself included)."""
    cached = _surface_cache.get(lexicon.version)
    if cached is None:
        cached = {}
        for variant, canonical in lexicon.synonyms.items():
            cached.setdefault(canonical, {canonical}).add(variant)
        _surface_cache.clear()
        _surface_cache[lexicon.version] = cached
    return cached


def _rows(docs: Sequence[str], weights: TermWeights) -> Any:
    """TF-IDF rows of new documents (tokens in their stored form) under fitted term weights
    (unknown terms dropped), float32 CSR."""
    from scipy.sparse import csr_matrix

    indptr = [0]
    cols: list[Any] = []
    vals: list[Any] = []
    for tokens in docs:
        c, v = query_vector(split_tokens(tokens), weights)
        cols.append(c)
        vals.append(v.astype(np.float32))
        indptr.append(indptr[-1] + len(c))
    return csr_matrix(
        (np.concatenate(vals), np.concatenate(cols), np.asarray(indptr)),
        shape=(len(docs), len(weights.vocabulary_)),
    )


class OutcomeIndex(_Index):
    """Research outcomes, ranked for a need."""

    _field_names = ("title", "abstract")

    @classmethod
    def build(cls, outcomes: Sequence[OutcomeDoc], settings: MatchSettings | None = None) -> OutcomeIndex:
        """Index `outcomes`; pass ``doc.tokens`` from the database to skip re-tokenising."""
        index = cls(settings or MatchSettings())
        index._fit(outcomes)
        return index

    def rank(self, need: NeedDoc, k: int = 20, abstain: bool = True) -> Ranking:
        """The `k` best outcomes for `need`, or an abstention when none is convincing."""
        return self._rank(need, k, abstain)

    def rank_many(
        self, needs: Sequence[NeedDoc], k: int = 20, abstain: bool = True, threads: int | None = None
    ) -> list[Ranking]:
        """rank() for each need, on `threads` threads (default: one per core); beyond the rankings
        returned, memory stays that of one query per thread whatever the number of needs."""
        return self._rank_many(needs, k, abstain, threads)

    def _doc_texts(self, doc: OutcomeDoc) -> tuple[str, str, str]:
        return doc.title, doc.abstract, " ".join(doc.keywords)

    def _doc_structured(self, doc: OutcomeDoc) -> tuple[str | None, int | None, float | None, str | None]:
        return doc.industry_chain, doc.trl, doc.asking_price_wan, doc.city

    def _query(self, doc: NeedDoc) -> _Query:
        return _need_query(doc, self.settings)


class NeedIndex(_Index):
    """Open needs, ranked for a new outcome."""

    _field_names = ("title", "description")

    @classmethod
    def build(cls, needs: Sequence[NeedDoc], settings: MatchSettings | None = None) -> NeedIndex:
        """Index `needs`; pass ``doc.tokens`` from the database to skip re-tokenising."""
        index = cls(settings or MatchSettings())
        index._fit(needs)
        return index

    def rank(self, outcome: OutcomeDoc, k: int = 20, abstain: bool = True) -> Ranking:
        """The `k` best needs for `outcome`, or an abstention when none is convincing."""
        return self._rank(outcome, k, abstain)

    def rank_many(
        self, outcomes: Sequence[OutcomeDoc], k: int = 20, abstain: bool = True, threads: int | None = None
    ) -> list[Ranking]:
        """rank() for each outcome, on `threads` threads (default: one per core)."""
        return self._rank_many(outcomes, k, abstain, threads)

    def _doc_texts(self, doc: NeedDoc) -> tuple[str, str, str]:
        return doc.title, doc.description, ""

    def _doc_structured(self, doc: NeedDoc) -> tuple[str | None, int | None, float | None, str | None]:
        return doc.industry_chain, doc.min_trl, doc.budget_wan, doc.city

    def _query(self, doc: OutcomeDoc) -> _Query:
        return _outcome_query(doc, self.settings)


def warm_kernels() -> None:
    """Load the compiled loops a query and an add use (from numba's cache, or compile them) by
    building, querying and growing a three-row index, so a worker's first task does not pay it."""
    outcomes = [
        OutcomeDoc(id=i, title=title, abstract="预热 warm-up 預熱 " + title)
        for i, title in enumerate(("碳化硅功率器件", "铝合金焊接", "石墨烯导热膜"))
    ]
    index = OutcomeIndex.build(outcomes[:2])
    index.add(outcomes[2:])
    index.rank(NeedDoc(id="warm-up", title="碳化硅焊接", description="预热"), k=1)
    # Loops only a large index reaches (the candidate pool, the LSA cosines), on inputs of their types.
    ones = np.ones(4, dtype=np.float32)
    best_rows(ones, np.ones(4, dtype=bool), 2)
    lsa_cosines(np.ones((4, 4), dtype=np.float32), ones, ones, np.arange(4), ones)
    project_query(np.ones((4, 4), dtype=np.float16), np.arange(2), ones[:2], np.arange(2), ones[:2])
