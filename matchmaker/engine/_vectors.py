"""Fast TF-IDF matrices: character n-grams counted with NumPy, and tokenisation on every core.

`char_tfidf` gives the same matrix as scikit-learn's ``TfidfVectorizer(analyzer=CharAnalyzer((1, 2)),
sublinear_tf=True)`` — same vocabulary order, same weights — but counts the n-grams on code-point
arrays, a chunk of documents per core in a compiled loop (numba), instead of one Python string per
n-gram. On 106,000 abstracts on a slow 2-core machine: counting all texts in one array took
12–14 s, sorting each chunk's keys with NumPy 5–7 s, the loop that counts each document's grams in
a table and sorts only the distinct ones 3–4.5 s (most of what is left: joining and encoding the
texts, finding Latin words, assembling the matrix). Other n-gram sizes fall back to scikit-learn.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from ._jit import compiled, cores, take
from ._normalize import normalize
from ._tokenize import TOKEN_SEPARATOR, CharAnalyzer, char_ngrams

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a process pool costs more than it saves.
_PARALLEL_MIN = 2000
# The Latin words among character n-grams; `_latin_words` finds the same matches in code points.
_LATIN_WORD = re.compile(r"[a-z][a-z0-9+\-]*[a-z0-9+]")
_SEP = "\x01"


def parallel_map(fn: Callable[[T], R], items: Sequence[T], processes: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on every core (fork), in order; serial for small inputs."""
    processes = processes or cores()
    if processes <= 1 or len(items) < _PARALLEL_MIN:
        return [fn(x) for x in items]
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return [fn(x) for x in items]
    # Celery's prefork children are daemonic and may not have children of their own.
    if multiprocessing.current_process().daemon:
        return [fn(x) for x in items]
    # The children are forked with the items already in memory: they are sent index ranges, not
    # the items (pickling 106,000 abstracts to them was 15 % of preparing them).
    key = next(_forked_jobs)
    _FORKED[key] = (fn, items)
    try:
        step = max(1, min(64, len(items) // (processes * 8)))
        ranges = [(key, start, min(start + step, len(items))) for start in range(0, len(items), step)]
        with ctx.Pool(processes) as pool:
            return list(itertools.chain.from_iterable(pool.imap(_run_range, ranges, chunksize=4)))
    finally:
        del _FORKED[key]


# Jobs of parallel_map in flight, by key; forked children read theirs from their copy of this.
_FORKED: dict[int, tuple[Callable[[Any], Any], Sequence[Any]]] = {}
_forked_jobs = itertools.count()


def _run_range(job: tuple[int, int, int]) -> list[Any]:
    key, start, stop = job
    fn, items = _FORKED[key]
    return [fn(x) for x in items[start:stop]]


class TermWeights:
    """The fitted part of a TF-IDF vectoriser that scoring needs: term → column, and idf per column."""

    def __init__(self, vocabulary: dict[str, int], idf: Any) -> None:
        self.vocabulary_ = vocabulary
        self.idf_ = idf


@compiled
def _is_han(cps: Any) -> Any:
    """A bool per code point: a Han character (the ranges of `_tokenize._CHAR_RUN`). One compiled
    pass: NumPy's comparisons made seven temporary arrays of 35 MB at 106,000 outcomes."""
    out = np.empty(cps.shape[0], dtype=np.bool_)
    for i in range(cps.shape[0]):
        c = cps[i]
        out[i] = (0x3400 <= c <= 0x4DBF) or (0x4E00 <= c <= 0x9FFF)
    return out


def smooth_idf(counts: Any, n_docs: int) -> Any:
    """scikit-learn's smooth idf of each column of a count matrix: ln((n + 1) / (df + 1)) + 1."""
    df = document_frequencies(counts).astype(np.float64)
    return np.log((n_docs + 1) / (df + 1)) + 1


def document_frequencies(matrix: Any) -> Any:
    """How many rows of the CSR `matrix` have each column (int64): ``np.bincount(matrix.indices)``
    without its int64 copy of the indices (266 MB for the character part at 106,000 outcomes, 0.15–
    0.6 s of a build with the kernel's fresh pages)."""
    return _column_counts(matrix.indices, matrix.shape[1])


@compiled
def _column_counts(indices: Any, width: int) -> Any:
    out = np.zeros(width, dtype=np.int64)
    for i in range(indices.shape[0]):
        out[indices[i]] += 1
    return out


def count_rows(docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> Any:
    """Counts of the known terms of each document (CSR, int32, sorted columns); unknown terms dropped."""
    # Terms to columns in C (map over dict.get), -1 for a term the vocabulary lacks.
    codes = np.fromiter(map(vocabulary.get, itertools.chain.from_iterable(docs), itertools.repeat(-1)), dtype=np.int32)
    bounds = _token_bounds(docs)
    known = codes >= 0
    if not known.all():
        kept = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(known, out=kept[1:])
        codes, bounds = codes[known], kept[bounds]
    return _count_matrix(codes, bounds, len(vocabulary))


def _token_bounds(docs: Sequence[Sequence[str]]) -> Any:
    """Where each document's tokens start in their concatenation, and where the last one ends."""
    bounds = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)), out=bounds[1:])
    return bounds


def _count_matrix(codes: Any, bounds: Any, width: int) -> Any:
    """The CSR count matrix (sorted columns) of documents whose column codes are codes[bounds[d]:bounds[d + 1]]."""
    from scipy.sparse import csr_matrix

    n = len(bounds) - 1
    lengths, columns, counts = count_codes(codes, bounds, width)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = csr_matrix((counts, columns, indptr), shape=(n, width))
    matrix.has_sorted_indices = True
    return matrix


def tfidf(counts: Any, n_docs: int) -> tuple[Any, Any]:
    """scikit-learn's sublinear tf × smooth idf, l2-normalised rows (float64, like TfidfVectorizer)."""
    idf = smooth_idf(counts, n_docs)
    return tfidf_with(counts, idf), idf


def tfidf_with(counts: Any, idf: Any) -> Any:
    """Sublinear tf × the given idf, l2-normalised rows (float64; `counts` is left as it is)."""
    from sklearn.preprocessing import normalize as l2

    x = counts.astype(np.float64, copy=True)
    np.log(x.data, x.data)
    x.data += 1
    x.data *= idf[x.indices]
    if x.shape[1] == 0:  # no term in any row (punctuation only): scikit-learn refuses a 0-column matrix
        return x
    return l2(x, norm="l2", copy=False)


def sublinear_tf(top: int) -> Any:
    """(1 + ln tf) in float64 for every count 0..top (index 0 holds 0), by NumPy's log as
    tfidf_with takes it: a compiled log may differ from NumPy's in the last bit."""
    levels = np.zeros(top + 1)
    levels[1:] = np.log(np.arange(1, top + 1, dtype=np.float64))
    levels[1:] += 1
    return levels


def tfidf32(counts: Any, idf: Any) -> Any:
    """``tfidf_with(counts, idf).astype(np.float32)``, the same floats, sharing the indices of the
    CSR `counts`: no float64 copy of the matrix and no float32 copy of that (at 106,000 outcomes
    the word part's weights took 0.1–0.4 s of a build, the more on memory not touched before)."""
    from scipy.sparse import csr_matrix

    levels = sublinear_tf(int(counts.data.max()) if counts.nnz else 0)
    data = np.empty(counts.nnz, dtype=np.float32)
    _tfidf_rows(counts.indptr, counts.indices, counts.data, levels, np.asarray(idf, dtype=np.float64), data)
    matrix = csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    matrix.has_sorted_indices = counts.has_sorted_indices
    return matrix


@compiled
def _tfidf_rows(indptr: Any, indices: Any, counts: Any, levels: Any, idf: Any, out: Any) -> None:
    """Each row's weights levels[count] · idf, divided by their l2 norm summed in order (as
    scikit-learn's normalize), rounded to float32."""
    for i in range(indptr.shape[0] - 1):
        squares = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            w = levels[counts[p]] * idf[indices[p]]
            squares += w * w
        norm = np.sqrt(squares)
        for p in range(indptr[i], indptr[i + 1]):
            out[p] = levels[counts[p]] * idf[indices[p]] / norm


def char_tfidf(texts: Sequence[str], sizes: tuple[int, ...], *, normalized: bool = False) -> tuple[Any, TermWeights]:
    """Character n-gram TF-IDF of `texts` (CSR, float64) and its term weights.

    ``normalized=True`` says every text already is ``normalize(text)``, which is then not redone.
    """
    counts, vocabulary = char_counts(texts, sizes, normalized=normalized)
    matrix, idf = tfidf(counts, len(texts))
    return matrix, TermWeights(vocabulary, idf)


def code_points(text: str) -> Any:
    """The code points of `text` (uint32)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def char_counts(
    texts: Sequence[str], sizes: tuple[int, ...], *, normalized: bool = False
) -> tuple[Any, dict[str, int]]:
    """Character n-gram counts of `texts` (CSR, sorted columns; uint16 counts for texts under 65,536
    characters, else int32) and the vocabulary.

    Columns in scikit-learn's order (the grams sorted as strings), as CountVectorizer gives them.
    """
    from scipy.sparse import csr_matrix

    if set(sizes) - {1, 2} or not sizes:
        from sklearn.feature_extraction.text import CountVectorizer

        vec = CountVectorizer(analyzer=CharAnalyzer(sizes))
        matrix = vec.fit_transform(texts).tocsr()
        matrix.sort_indices()
        return matrix, dict(vec.vocabulary_)
    n = len(texts)
    grams = _CharGrams(_SEP.join(texts if normalized else parallel_map(normalize, texts)), sizes)
    # Documents are counted in chunks on every core (the loop releases the GIL). Chunks come back
    # in document order with each document's grams sorted by code, and codes sort as the grams do
    # as strings (scikit-learn's vocabulary order), so the CSR matrix needs no sort of its own.
    bounds = np.linspace(0, n, min(n, 16) + 1).astype(np.int64) if n else np.zeros(1, np.int64)
    chunks = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
    # Each chunk is counted into its thread's own pair of buffers, then copied, chunk after chunk in
    # order, to the end of what is already in one pair of arrays sized by how many grams the texts
    # can have (only what is written is ever touched). At 106,000 outcomes the arrays hold 33
    # million counts; each chunk writing into its own stretch of them, the gaps closed afterwards,
    # touched 1.5 times as much memory, fresh pages all, and concatenating chunks' own arrays twice.
    size = sum(grams.bound(a, b) for a, b in chunks)
    codes = np.empty(size, dtype=np.int32)
    # A gram occurs in a text at most once per character of it, so the counts of texts under
    # 65,536 characters fit two bytes exactly: 66 MB less to write at 106,000 outcomes.
    longest = int(np.diff(grams.starts).max()) - 1 if n else 0
    count_type = np.uint16 if longest <= np.iinfo(np.uint16).max else np.int32
    counts = np.empty(size, dtype=count_type)
    lengths = np.zeros(n, dtype=np.int64)
    buffers = threading.local()
    turn = threading.Condition()
    ends = [0]  # where each chunk placed so far ends, in order
    failed: list[int] = []

    def count(j: int) -> None:
        first, last = chunks[j]
        need = grams.bound(first, last)
        try:
            own = getattr(buffers, "pair", None)
            if own is None or len(own[0]) < need:
                own = buffers.pair = (np.empty(need, dtype=np.int32), np.empty(need, dtype=count_type))
            written = grams.count_into(first, last, own[0], own[1], lengths[first:last])
        except BaseException:  # (out of memory): the chunks after this one must not wait for it
            with turn:
                failed.append(j)
                turn.notify_all()
            raise
        # Chunks are handed out in order, so the one before this is always on its way: no deadlock.
        with turn:
            turn.wait_for(lambda: len(ends) == j + 1 or bool(failed))
            if failed:
                return
            at = ends[-1]
            codes[at : at + written] = own[0][:written]
            counts[at : at + written] = own[1][:written]
            ends.append(at + written)
            turn.notify_all()

    with ThreadPoolExecutor(max_workers=cores()) as pool:
        list(pool.map(count, range(len(chunks))))
    end = ends[-1]
    # Shrunk where they lie (realloc): nothing else refers to them yet.
    codes.resize(end, refcheck=False)
    counts.resize(end, refcheck=False)
    # Done with the code points (150 MB with their Han marks at 106,000 outcomes): the column map
    # below takes their memory instead of fresh pages.
    grams.cps = grams.han = None
    used = np.flatnonzero(_marked(codes, None, grams.width))
    column = np.zeros(grams.width, dtype=np.int32)
    column[used] = np.arange(len(used), dtype=np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    take(column, codes, out=codes)  # codes become columns, in place
    matrix = csr_matrix((counts, codes, indptr), shape=(n, len(used)))
    matrix.has_sorted_indices = True
    return matrix, dict(zip(grams.terms(used), range(len(used)), strict=True))


@compiled
def _marked(values: Any, where: Any, width: int) -> Any:
    """A bool per value below `width`: True where some values[i] (with where[i], when given) equals it.

    What ``np.bincount(values) > 0`` says, without the int64 copy of 33 million values and the
    count per value it makes (0.8 s of a build each time at 106,000 outcomes).
    """
    seen = np.zeros(width, dtype=np.bool_)
    for i in range(values.shape[0]):
        if where is None or where[i]:
            seen[values[i]] = True
    return seen


@compiled
def _latin_words(cps: Any, bounds: Any) -> int:
    """The matches of `_LATIN_WORD` in the code points `cps`, as finditer gives them: (start, end)
    of match k at bounds[2k], bounds[2k + 1]. Returns how many there are."""
    n = cps.shape[0]
    found = 0
    p = 0
    while p < n:
        c = cps[p]
        if not 97 <= c <= 122:  # a-z
            p += 1
            continue
        q = p + 1
        while q < n and (97 <= cps[q] <= 122 or 48 <= cps[q] <= 57 or cps[q] == 43 or cps[q] == 45):
            q += 1
        # The last character may not be "-"; a run left with one letter is no match, and no other
        # match starts inside it (the rest of it is "-").
        end = q
        while end > p + 1 and cps[end - 1] == 45:
            end -= 1
        if end - p >= 2:
            bounds[2 * found] = p
            bounds[2 * found + 1] = end
            found += 1
        p = q
    return found


# Bits of a code a radix pass sorts on: 256 buckets, whose counts stay in the first-level cache.
_RADIX_BITS = 8


@compiled
def _count_codes(codes: Any, bounds: Any, seen: Any, lengths: Any, distinct: Any, counts: Any) -> int:
    """Distinct codes (sorted) and their counts of each document codes[bounds[d]:bounds[d + 1]].

    Written one document after another into `distinct` and `counts`; `lengths[d]` is how many
    the document has. `seen` (zeroed, one slot per code) counts a document's codes and is zeroed
    again, so only the distinct codes are sorted — a few hundred numbers that stay in cache.
    (Sorting all of a chunk's (document, code) keys at once was most of the counting time, and
    SciPy's sum_duplicates + sort_indices most of the word matrix's.) Returns how many were written.
    """
    # Each document's distinct codes are sorted by a least-significant-digit radix sort, a pass per
    # _RADIX_BITS of the largest code: at 106,000 outcomes numba's quicksort of the ~310 character
    # n-grams of each abstract was 0.85 of the 1.3 s counting took on one core; three radix passes
    # take 0.15 (no comparison to mispredict).
    width = max(seen.shape[0] - 1, 1)
    bits = 0
    while width >> bits:
        bits += 1
    passes = -(-bits // _RADIX_BITS)
    digit = -(-bits // passes)
    mask = (1 << digit) - 1
    starts = np.empty(mask + 1, dtype=np.int64)
    scratch = np.empty(1024, dtype=distinct.dtype)
    written = 0
    for d in range(bounds.shape[0] - 1):
        first = written
        for p in range(bounds[d], bounds[d + 1]):
            code = codes[p]
            if seen[code] == 0:
                distinct[written] = code
                written += 1
            seen[code] += 1
        m = written - first
        if scratch.shape[0] < m:
            scratch = np.empty(2 * m, dtype=distinct.dtype)
        source, target = distinct[first:written], scratch[:m]
        for shift in range(0, passes * digit, digit):
            starts[:] = 0
            for i in range(m):
                starts[(source[i] >> shift) & mask] += 1
            total = 0
            for b in range(mask + 1):  # counts → where each bucket starts
                size = starts[b]
                starts[b] = total
                total += size
            for i in range(m):
                value = source[i]
                b = (value >> shift) & mask
                target[starts[b]] = value
                starts[b] += 1
            source, target = target, source
        if passes % 2:  # the last pass wrote into the scratch
            distinct[first:written] = scratch[:m]
        for i in range(first, written):
            counts[i] = seen[distinct[i]]
            seen[distinct[i]] = 0
        lengths[d] = m
    return written


@compiled
def _gram_codes(
    cps: Any,
    han: Any,
    char_id: Any,
    starts: Any,
    first: int,
    last: int,
    latin_pos: Any,
    latin_code: Any,
    latin_at: int,
    base: int,
    stride: int,
    unigrams: bool,
    bigrams: bool,
    codes: Any,
    bounds: Any,
) -> None:
    """The gram codes of documents first..last-1 into `codes`, document d's at bounds[d - first]:."""
    m = 0
    for d in range(first, last):
        bounds[d - first] = m
        lo, hi = starts[d], starts[d + 1] - 1
        for p in range(lo, hi):
            if not han[p]:
                continue
            code = base + char_id[cps[p]] * stride
            if unigrams:
                codes[m] = code
                m += 1
            if bigrams and p + 1 < hi and han[p + 1]:
                codes[m] = code + char_id[cps[p + 1]] + 1
                m += 1
        while latin_at < latin_pos.shape[0] and latin_pos[latin_at] < hi:
            codes[m] = latin_code[latin_at]
            m += 1
            latin_at += 1
    bounds[last - first] = m


def count_codes(codes: Any, bounds: Any, width: int) -> tuple[Any, Any, Any]:
    """(distinct codes per document, codes, counts): `codes` of documents split at `bounds`, each
    document's codes counted and sorted (codes below `width`)."""
    n = len(bounds) - 1
    lengths = np.zeros(n, dtype=np.int64)
    distinct = np.empty(len(codes), dtype=np.int32)
    counts = np.empty(len(codes), dtype=np.int32)
    written = _count_codes(codes, bounds, np.zeros(width, dtype=np.int32), lengths, distinct, counts)
    return lengths, distinct[:written], counts[:written]


class _CharGrams:
    """The character n-grams of texts joined by `_SEP`, as integer codes ordered like the grams.

    Code of a Latin word: its rank among the Latin words (they sort before every Han character);
    of a Han character with rank a: n_latin + a·(n_chars + 1); of the pair (a, b): that + b + 1.
    """

    def __init__(self, big: str, sizes: tuple[int, ...]) -> None:
        self.sizes = sizes
        self.cps = code_points(big)
        self.han = _is_han(self.cps)
        self.present: Any = np.flatnonzero(_marked(self.cps, self.han, 0xA000))
        self.n_chars = len(self.present)
        self.stride = self.n_chars + 1
        self.char_id = np.zeros(0xA000, dtype=np.int64)
        self.char_id[self.present] = np.arange(self.n_chars)
        self.starts = np.concatenate([[0], np.flatnonzero(self.cps == ord(_SEP)) + 1, [len(self.cps) + 1]])
        # Latin words are rare in these texts: found by a compiled scan of the code points (the
        # regular expression over the joined text took 0.3 s at 106,000 outcomes).
        # A match is two characters or more and the next starts after a character outside it.
        bounds = np.empty(2 * ((len(self.cps) + 1) // 3 + 1), dtype=np.int64)
        found = _latin_words(self.cps, bounds)
        self.latin_pos = bounds[0 : 2 * found : 2].copy()
        words = [big[a:b] for a, b in bounds[: 2 * found].reshape(-1, 2).tolist()]
        self.latin_terms = sorted(set(words))
        rank = {word: j for j, word in enumerate(self.latin_terms)}
        self.latin_code = np.fromiter(map(rank.__getitem__, words), dtype=np.int64, count=len(words))
        self.base = len(self.latin_terms)
        self.width = self.base + self.n_chars * self.stride
        self._tables = threading.local()

    def bound(self, first: int, last: int) -> int:
        """At most how many grams documents first..last-1 have: each position starts at most one
        character and one pair; Latin words come on top."""
        lo, hi = int(self.starts[first]), int(self.starts[last]) - 1
        a, b = np.searchsorted(self.latin_pos, [lo, max(lo, hi)])
        return 2 * max(0, hi - lo) + int(b - a)

    def count_into(self, first: int, last: int, distinct: Any, counts: Any, lengths: Any) -> int:
        """Counts documents first..last-1: their distinct gram codes (sorted per document) and counts
        into `distinct` and `counts` (at least `bound` long), how many each has into `lengths`.
        Returns how many were written."""
        # One counting table per thread, reused chunk after chunk (`_count_codes` leaves it zeroed):
        # at 106,000 outcomes it has 36 million slots (144 MB), and a fresh one per chunk cost a page
        # fault wherever a gram landed (117,000 faults a build against 16,000).
        seen = getattr(self._tables, "seen", None)
        if seen is None:
            seen = self._tables.seen = np.zeros(self.width, dtype=np.int32)
        lo = int(self.starts[first])
        codes = np.empty(self.bound(first, last), dtype=np.int32)
        bounds = np.zeros(last - first + 1, dtype=np.int64)
        _gram_codes(
            self.cps,
            self.han,
            self.char_id,
            self.starts,
            first,
            last,
            self.latin_pos,
            self.latin_code,
            int(np.searchsorted(self.latin_pos, lo)),
            self.base,
            self.stride,
            1 in self.sizes,
            2 in self.sizes,
            codes,
            bounds,
        )
        return _count_codes(codes, bounds, seen, lengths, distinct, counts)

    def terms(self, codes: Any) -> list[str]:
        """The gram of each code in `codes` (ascending, as np.flatnonzero gives them), in order."""
        latin = int(np.searchsorted(codes, self.base))
        out = [self.latin_terms[code] for code in codes[:latin].tolist()]
        chars = [chr(c) for c in self.present.tolist()]
        # "" after the character itself: the code of a lone character has no second one.
        seconds = ["", *chars]
        firsts, second = np.divmod(codes[latin:] - self.base, self.stride)
        out += map(str.__add__, map(chars.__getitem__, firsts.tolist()), map(seconds.__getitem__, second.tolist()))
        return out


def word_tfidf(rows: Sequence[str]) -> tuple[Any, TermWeights]:
    """Word TF-IDF (float32) over tokenised documents in their stored form (``join_tokens``), as
    TfidfVectorizer with sublinear tf over the tokens gives it, rounded to float32."""
    # The ten million tokens of 106,000 outcomes are numbered by a compiled hash over the code points
    # of the joined rows (0.25 s; 0.6 s on memory the process has not touched before). As a tuple
    # of strings per row, one dict lookup per token cost 0.9–1.9 s of a build, most of it touching
    # ten million freshly loaded string objects.
    big = TOKEN_SEPARATOR.join(rows)
    cps = code_points(big)
    row_starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)) + 1, out=row_starts[1:])
    # A token is a character or more and a separator or a row's end follows it.
    provisional = np.empty((len(cps) + 2) // 2, dtype=np.int32)
    bounds = np.empty(len(rows) + 1, dtype=np.int64)
    found, firsts, lengths = _token_codes(cps, row_starts, ord(TOKEN_SEPARATOR), provisional, bounds)
    words = [big[a : a + n] for a, n in zip(firsts.tolist(), lengths.tolist(), strict=True)]
    del big, cps
    terms = sorted(words)
    rank = {term: j for j, term in enumerate(terms)}
    column = np.fromiter(map(rank.__getitem__, words), dtype=np.int32, count=len(words))
    codes = take(column, provisional[:found], out=provisional[:found])
    counts = _count_matrix(codes, bounds, len(terms))
    idf = smooth_idf(counts, len(rows))
    return tfidf32(counts, idf), TermWeights(rank, idf)


def _token_codes(cps: Any, row_starts: Any, sep: int, codes: Any, bounds: Any) -> tuple[int, Any, Any]:
    """Numbers the distinct tokens of rows (tokens split by `sep`; row r holds code points
    row_starts[r] to row_starts[r + 1] - 1) in order of first appearance: codes[t] of the t-th token,
    bounds[r] where row r's tokens start. Returns how many tokens, and each distinct token's first
    position and length. Empty tokens are skipped (a stored form never holds one)."""
    # The hash table grows here, between calls of the compiled loop, and not inside it: the loop
    # that could rebind the arrays it reads took 0.75 s for the ten million tokens of 106,000
    # outcomes, against 0.20 s (numba keeps their reference counts and pointers current at every
    # token, as far as we can tell).
    capacity = 1 << 16
    table = np.full(capacity, -1, dtype=np.int64)  # open addressing: slot → token number
    hashes = np.empty(capacity // 2, dtype=np.uint64)
    firsts = np.empty(capacity // 2, dtype=np.int64)
    lengths = np.empty(capacity // 2, dtype=np.int64)
    state = np.zeros(4, dtype=np.int64)  # where the loop stopped: row, position, tokens, distinct
    state[1] = row_starts[0]
    while not _number_tokens(cps, row_starts, sep, codes, bounds, table, hashes, firsts, lengths, state):
        # Half full: double, and re-seat every token.
        capacity *= 2
        hashes, firsts, lengths = (np.concatenate([a, np.empty_like(a)]) for a in (hashes, firsts, lengths))
        table = _seated(hashes[: state[3]], capacity)
    distinct = int(state[3])
    return int(state[2]), firsts[:distinct].copy(), lengths[:distinct].copy()


@compiled
def _number_tokens(
    cps: Any,
    row_starts: Any,
    sep: int,
    codes: Any,
    bounds: Any,
    table: Any,
    hashes: Any,
    firsts: Any,
    lengths: Any,
    state: Any,
) -> bool:
    """`_token_codes`' loop, from where `state` says it stopped. Returns False, with `state` at the
    token it stopped before, when a new token would fill more than half of `table`; True when done."""
    mask = table.shape[0] - 1
    limit = table.shape[0] // 2
    r, i, found, distinct = state[0], state[1], state[2], state[3]
    while r < len(row_starts) - 1:
        if i == row_starts[r]:
            bounds[r] = found
        end = row_starts[r + 1] - 1
        while i < end:
            j = i
            h = np.uint64(14695981039346656037)  # FNV-1a over the code points
            while j < end and cps[j] != sep:
                h = (h ^ np.uint64(cps[j])) * np.uint64(1099511628211)
                j += 1
            n = j - i
            if n == 0:
                i = j + 1
                continue
            slot = np.int64(h & np.uint64(mask))
            while True:
                code = table[slot]
                if code < 0:
                    if distinct == limit:
                        state[0], state[1], state[2], state[3] = r, i, found, distinct
                        return False
                    code = distinct
                    firsts[code], lengths[code], hashes[code] = i, n, h
                    table[slot] = code
                    distinct += 1
                    break
                if hashes[code] == h and lengths[code] == n:
                    a = firsts[code]
                    k = 0
                    while k < n and cps[a + k] == cps[i + k]:
                        k += 1
                    if k == n:
                        break
                slot = (slot + 1) & mask
            codes[found] = code
            found += 1
            i = j + 1
        r += 1
        i = row_starts[r]
    bounds[len(row_starts) - 1] = found
    state[0], state[1], state[2], state[3] = r, i, found, distinct
    return True


@compiled
def _seated(hashes: Any, capacity: int) -> Any:
    """An open-addressing table of `capacity` slots holding token c at the first free slot from its
    hash."""
    mask = capacity - 1
    table = np.full(capacity, -1, dtype=np.int64)
    for c in range(hashes.shape[0]):
        s = np.int64(hashes[c] & np.uint64(mask))
        while table[s] >= 0:
            s = (s + 1) & mask
        table[s] = c
    return table


def query_vector(grams: Sequence[str], weights: TermWeights) -> tuple[Any, Any]:
    """(columns, values) of the l2-normalised sublinear TF-IDF vector of `grams`, known terms only."""
    # Grams to columns in C (map over dict.get, -1 when unknown), counted by np.unique.
    found = np.fromiter(map(weights.vocabulary_.get, grams, itertools.repeat(-1)), dtype=np.int64, count=len(grams))
    cols, counts = np.unique(found[found >= 0], return_counts=True)
    if not len(cols):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    vals = (1.0 + np.log(counts.astype(np.float64))) * weights.idf_[cols]
    vals /= np.linalg.norm(vals) or 1.0
    return cols, vals


def query_char_vector(text: str, sizes: tuple[int, ...], weights: TermWeights) -> tuple[Any, Any]:
    return query_vector(char_ngrams(text, sizes), weights)
