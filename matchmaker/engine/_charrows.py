"""The character n-gram rows of an index, stored as counts: a third of the memory of their weights.

A row's weight for n-gram j is (1 + ln tf) · idf_j / ‖row‖ (sublinear TF-IDF, l2-normalised), so
the row is fully described by its counts, one idf per column and one norm per row. At 106,000
outcomes the float32 weights were 133 MB of a 254 MB matrix (33 M non-zeros); one byte of count
per non-zero takes 33 MB. A query multiplies only its 2,000 candidate rows, so turning their
counts back into weights costs a lookup per non-zero (about 0.6 M), and the idf is folded into
the query vector. Counts above the dtype's maximum (255; 65,535 once a build sees a larger count)
can only come from rows added after the build and are clipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._growable import GrowableRows


class CharRows:
    """Counts (CSR, uint8 or uint16), idf per column and l2 norm per row of the character part."""

    def __init__(self, counts: Any, idf: Any) -> None:
        from scipy.sparse import csr_matrix

        counts = counts.tocsr()
        top = int(counts.data.max()) if counts.nnz else 1
        dtype = np.uint8 if top <= np.iinfo(np.uint8).max else np.uint16
        self.counts = csr_matrix(
            (np.minimum(counts.data, np.iinfo(dtype).max).astype(dtype), counts.indices, counts.indptr),
            shape=counts.shape,
        )
        self.idf = np.asarray(idf, dtype=np.float32)
        # (1 + ln tf) for every count the dtype can hold; index 0 is never used.
        tf = np.arange(np.iinfo(dtype).max + 1, dtype=np.float64)
        self.levels = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1.0)), 0.0).astype(np.float32)
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

    def _norms(self, counts: Any) -> Any:
        weights = (self.levels[counts.data].astype(np.float64) * self.idf[counts.indices]) ** 2
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        sums = np.bincount(row_of, weights=weights, minlength=counts.shape[0])
        return np.maximum(np.sqrt(sums), 1e-12).astype(np.float32)

    def _unscaled(self, counts: Any) -> Any:
        """(1 + ln tf) per non-zero, as a float32 CSR matrix of the same shape."""
        from scipy.sparse import csr_matrix

        return csr_matrix((self.levels[counts.data], counts.indices, counts.indptr), shape=counts.shape)

    def scores(self, rows: Any, query_indices: Any, query_values: Any, scratch: Any) -> Any:
        """Cosine of each row in `rows` (indices, or None for all) with the l2-normalised query.

        `scratch` is a zeroed float32 vector of the vocabulary's length; it is left zeroed.
        """
        counts = self.counts if rows is None else self.counts[rows]
        norms = self.norms if rows is None else self.norms[rows]
        scratch[query_indices] = query_values * self.idf[query_indices]
        try:
            return (self._unscaled(counts) @ scratch) / norms
        finally:
            scratch[query_indices] = 0.0

    def row(self, i: int) -> dict[int, float]:
        """Column → weight of row `i`."""
        lo, hi = self.counts.indptr[i], self.counts.indptr[i + 1]
        cols = self.counts.indices[lo:hi]
        weights = self.levels[self.counts.data[lo:hi]] * self.idf[cols] / self.norms[i]
        return dict(zip(cols.tolist(), weights.tolist(), strict=True))

    def weighted(self, counts: Any) -> Any:
        """The l2-normalised TF-IDF rows (float32 CSR) of `counts`, rows of counts in this vocabulary."""
        from scipy.sparse import csr_matrix

        counts = self._clipped(counts)
        data = self.levels[counts.data] * self.idf[counts.indices]
        data /= np.repeat(self._norms(counts), np.diff(counts.indptr))
        return csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)

    def dots(self, others: Any, rows: int) -> Any:
        """``X[:rows] @ others.T`` (dense float32) for l2-normalised TF-IDF rows `others`."""
        from ._svd import row_block, threaded_matmul

        scaled = others.multiply(self.idf[None, :]).tocsr().T.toarray().astype(np.float32)
        return threaded_matmul(self._unscaled(row_block(self.counts, 0, rows)), scaled) / self.norms[:rows, None]

    def _clipped(self, counts: Any) -> Any:
        """`counts` (CSR) in this store's dtype, counts above its maximum clipped."""
        from scipy.sparse import csr_matrix

        dtype = self.counts.data.dtype
        counts = counts.tocsr()
        data = np.minimum(counts.data, np.iinfo(dtype).max).astype(dtype)
        return csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)

    def append(self, counts: Any) -> None:
        """Add rows of counts (CSR, in this vocabulary) below the others."""
        counts = self._clipped(counts)
        self.counts = self._growth["counts"].append_csr(self.counts, counts)
        self.norms = self._growth["norms"].append_dense(self.norms, self._norms(counts))
