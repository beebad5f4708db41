"""The character n-gram rows of an index, stored as counts: a third of the memory of their weights.

A row's weight for n-gram j is (1 + ln tf) · idf_j / ‖row‖ (sublinear TF-IDF, l2-normalised), so
the row is fully described by its counts, one idf per column and one norm per row. At 106,000
outcomes the float32 weights were 133 MB of a 254 MB matrix (33 M non-zeros); one byte of count
per non-zero takes 33 MB. A query multiplies only its 2,000 candidate rows (about 0.6 M
non-zeros), and the idf is folded into the query vector.

The products run in small compiled loops (numba, `_jit.py`) that read each count once and look
its (1 + ln tf) up in a table: with SciPy the candidate rows were first copied out, then
turned into weights, then multiplied — three passes over memory where one suffices (3.0 → 1.8 ms
a query at 106,000 outcomes with 2,000 candidates, the same float32 sums in the same order, so the
same scores).
Counts above the dtype's maximum (255; 65,535 once a build sees a larger count) can only come
from rows added after the build and are clipped.

Inside, columns are numbered by how many rows use them, the most used first (the vocabulary's
column j is internal column ``inner[j]``); each row keeps its entries in the vocabulary's order, so
every sum runs in the same order and gives the same float as before. Why: a query's dense vector
is read at every non-zero of its 2,000 candidate rows, and seven in ten of those non-zeros fall
on the few hundred n-grams found in more than a tenth of the rows. Numbered first, those
entries sit in a few kilobytes that stay in the core's first-level cache instead of being spread
over the whole 440 KB vector (0.72–0.83 of the rows' time at 106,000 outcomes, the same scores).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._growable import GrowableRows
from ._half import UNBIAS, widened
from ._jit import compiled, cores, in_two_halves, on_every_core, take
from ._vectors import sublinear_tf, tfidf32

# Rows from which one query's character rows are scored on two cores: 2,000 rows at 106,000
# outcomes take 1.7 ms on one core and 0.9 ms on two (the full query 5.1 → 4.2 ms p50); a
# smaller set gains less than the hand-off to the helper thread costs. (A query now scores
# `char_pool`, 150, so only a larger char_pool splits.)
_SPLIT_ROWS = 1000


@compiled
def _rows_dot(indptr: Any, indices: Any, data: Any, levels: Any, query: Any, rows: Any, norms: Any) -> Any:
    """Cosine of each row in `rows` with the dense, idf-scaled `query` (float32, row order kept)."""
    n = rows.shape[0]
    out = np.empty(n, dtype=np.float32)
    # Rows are read two at a time: the candidates lie scattered over the matrix and each row is a
    # fresh stream from memory, so two streams in flight keep the memory busier than one (0.49 →
    # 0.40 ms for 500 candidates at 106,000 outcomes). Each row's sum keeps its own order.
    # No test for a zero query entry: the branch mispredicts on most non-zeros and cost more
    # than the multiply it saves.
    for r in range(0, n - 1, 2):
        i, j = rows[r], rows[r + 1]
        p, q = indptr[i], indptr[j]
        both = min(indptr[i + 1] - p, indptr[j + 1] - q)
        a = np.float32(0.0)
        b = np.float32(0.0)
        for t in range(both):
            a += levels[data[p + t]] * query[indices[p + t]]
            b += levels[data[q + t]] * query[indices[q + t]]
        for t in range(p + both, indptr[i + 1]):
            a += levels[data[t]] * query[indices[t]]
        for t in range(q + both, indptr[j + 1]):
            b += levels[data[t]] * query[indices[t]]
        out[r] = a / norms[i]
        out[r + 1] = b / norms[j]
    if n % 2:
        i = rows[n - 1]
        a = np.float32(0.0)
        for t in range(indptr[i], indptr[i + 1]):
            a += levels[data[t]] * query[indices[t]]
        out[n - 1] = a / norms[i]
    return out


@compiled
def _tfidf_block_dot(
    indptr: Any, indices: Any, data: Any, levels: Any, idf: Any, bits: Any, out: Any, start: int, stop: int
) -> None:
    """out[i - start] += TF-IDF row i @ float32(halves `bits`) for rows start:stop, each row's
    weights made exactly as scikit-learn makes them (float64 (1 + ln tf) · idf, divided by the row's
    l2 norm summed in order, then rounded to float32) and summed in SciPy's order: the same floats
    as the float32 matrix times the float32 copy of the halves."""
    k = bits.shape[1]
    for i in range(start, stop):
        lo, hi = indptr[i], indptr[i + 1]
        squares = 0.0
        for p in range(lo, hi):
            w = levels[data[p]] * idf[indices[p]]
            squares += w * w
        if squares == 0.0:
            continue
        norm = np.sqrt(squares)
        row = out[i - start]
        for p in range(lo, hi):
            value = np.float32(levels[data[p]] * idf[indices[p]] / norm) * UNBIAS
            source = bits[indices[p]]
            for c in range(k):
                row[c] += value * widened(source[c])


@compiled
def _row_norms(indptr: Any, indices: Any, data: Any, levels: Any, idf: Any) -> Any:
    """l2 norm of each row's weights (1 + ln tf) · idf, summed in float64, at least 1e-12, as float32."""
    n = indptr.shape[0] - 1
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        squares = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            w = np.float64(levels[data[p]]) * np.float64(idf[indices[p]])
            squares += w * w
        out[i] = max(np.sqrt(squares), 1e-12)
    return out


class CharRows:
    """Counts (CSR, uint8 or uint16), idf per column and l2 norm per row of the character part.

    Methods take and give the vocabulary's columns; `counts` holds internal ones (module docstring).
    """

    def __init__(self, counts: Any, idf: Any, *, consume: bool = False) -> None:
        """`consume=True` lets the store take over the arrays of `counts` (CSR), which the caller
        no longer reads: at 106,000 outcomes a second copy of the 33 million column numbers and a
        clipped copy of the counts were 266 MB of a build's fresh memory."""
        from scipy.sparse import csr_matrix

        counts = counts.tocsr()
        top = int(counts.data.max()) if counts.nnz else 1
        dtype = np.uint8 if top <= np.iinfo(np.uint8).max else np.uint16
        # Most used first; a stable sort keeps ties in vocabulary order. The smooth idf falls strictly
        # as a column's document frequency grows, so it gives that order without counting the
        # columns' rows again (the idf just did).
        self.outer = np.argsort(np.asarray(idf), kind="stable").astype(np.int32)
        self.inner = np.empty_like(self.outer)
        self.inner[self.outer] = np.arange(len(self.outer), dtype=np.int32)
        self.idf = np.asarray(idf, dtype=np.float32)
        # (1 + ln tf) for every count the dtype can hold; index 0 is never used.
        tf = np.arange(np.iinfo(dtype).max + 1, dtype=np.float64)
        self.levels = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1.0)), 0.0).astype(np.float32)
        clipped = np.minimum(counts.data, np.iinfo(dtype).max, out=counts.data if consume else None).astype(dtype)
        self.counts = self._internal(
            csr_matrix((clipped, counts.indices, counts.indptr), shape=counts.shape),
            out=counts.indices if consume else None,
        )
        self.norms = self._norms(self.counts)
        self._growth = {"counts": GrowableRows(), "norms": GrowableRows()}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_growth"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._growth = {"counts": GrowableRows(), "norms": GrowableRows()}

    @property
    def shape(self) -> tuple[int, int]:
        return self.counts.shape  # type: ignore[no-any-return]

    def _internal(self, counts: Any, out: Any = None) -> Any:
        """`counts` (CSR in the vocabulary's columns) in internal columns, each row's entries in
        the same order (so not sorted by column: nothing here needs them sorted). The column
        numbers are written into `out` when given (which may be ``counts.indices``)."""
        from scipy.sparse import csr_matrix

        indices = take(self.inner, counts.indices, np.empty_like(counts.indices) if out is None else out)
        matrix = csr_matrix((counts.data, indices, counts.indptr), shape=counts.shape)
        matrix.has_sorted_indices = False
        return matrix

    def _norms(self, counts: Any) -> Any:
        """Norms of rows of internal counts (at a build and an add, never in a query)."""
        return _row_norms(counts.indptr, counts.indices, counts.data, self.levels, self.idf[self.outer])

    def scores(self, rows: Any, query_indices: Any, query_values: Any, scratch: Any, split: bool = False) -> Any:
        """Cosine of each row in `rows` (indices, or None for all) with the l2-normalised query.

        `scratch` is a zeroed float32 vector of the vocabulary's length; it is left zeroed. `split`
        scores half of many rows on a second core (for a single query; a batch has its own threads).
        """
        counts = self.counts
        rows = np.arange(counts.shape[0]) if rows is None else np.asarray(rows)
        inner = self.inner[query_indices]
        scratch[inner] = query_values * self.idf[query_indices]

        def block(part: Any) -> Any:
            return _rows_dot(counts.indptr, counts.indices, counts.data, self.levels, scratch, part, self.norms)

        try:
            if split and len(rows) >= _SPLIT_ROWS and cores() > 1:
                return np.concatenate(in_two_halves(block, rows))
            return block(rows)
        finally:
            scratch[inner] = 0.0

    def row(self, i: int) -> dict[int, float]:
        """Column → weight of row `i`."""
        lo, hi = self.counts.indptr[i], self.counts.indptr[i + 1]
        cols = self.outer[self.counts.indices[lo:hi]]
        weights = self.levels[self.counts.data[lo:hi]] * self.idf[cols] / self.norms[i]
        return dict(zip(cols.tolist(), weights.tolist(), strict=True))

    def weighted(self, counts: Any, idf: Any) -> Any:
        """The l2-normalised TF-IDF rows (float32 CSR) of `counts`, rows of counts in this
        vocabulary, under the float64 `idf`: the floats `tfidf_dot` weighs the build's rows with,
        so an added row projects where the build projected its twin, to the last bit."""
        return tfidf32(self._clipped(counts), idf)

    def tfidf_dot(self, bits: Any, idf: Any) -> Any:
        """``W @ float32(halves)`` (float32) for W the build's float32 TF-IDF rows under the float64
        `idf` and the bits (uint16) of float16 rows, one per vocabulary column (`_half.py`).

        What the LSA needs of the character part: the projection of every row onto its components
        at a build. Computed from the counts: the 106,000 × vocabulary weight matrix (266 MB as
        float64) is never made.
        """
        levels = sublinear_tf(self.levels.shape[0] - 1)  # float64, as the TF-IDF matrix had them
        # In internal columns, as the counts are.
        bits = np.ascontiguousarray(np.asarray(bits, dtype=np.uint16)[self.outer])
        idf = np.asarray(idf, dtype=np.float64)[self.outer]
        counts = self.counts
        n = counts.shape[0]
        out = np.zeros((n, bits.shape[1]), dtype=np.float32)

        def block(bounds: tuple[int, int]) -> None:
            start, stop = bounds
            _tfidf_block_dot(
                counts.indptr, counts.indices, counts.data, levels, idf, bits, out[start:stop], start, stop
            )

        on_every_core(block, n)
        return out

    def _clipped(self, counts: Any) -> Any:
        """`counts` (CSR) in this store's dtype, counts above its maximum clipped."""
        from scipy.sparse import csr_matrix

        dtype = self.counts.data.dtype
        counts = counts.tocsr()
        data = np.minimum(counts.data, np.iinfo(dtype).max).astype(dtype)
        return csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)

    def append(self, counts: Any) -> None:
        """Add rows of counts (CSR, in this vocabulary) below the others."""
        counts = self._internal(self._clipped(counts))
        self.counts = self._growth["counts"].append_csr(self.counts, counts)
        self.norms = self._growth["norms"].append_dense(self.norms, self._norms(counts))
