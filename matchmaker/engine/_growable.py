"""Matrices that take new rows without copying the old ones: what an incremental add appends to.

Appending one outcome to a 106,000-row index used to copy the word and character matrices and
the LSA basis whole (scipy's vstack: 250 ms of the second a new outcome has to become
matchable). Here each array lives in a buffer with spare capacity; an append writes the new
rows after the old ones and returns new views, and the buffer grows by a quarter when full, so
appends cost what they add. Readers that still hold the previous views are unaffected: nothing
they can see is ever written to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_GROWTH = 1.25


def _grown(buffer: Any, used: int, needed: int) -> Any:
    """`buffer` if it holds `needed` entries, else a larger copy of its first `used` entries."""
    if buffer is not None and len(buffer) >= needed:
        return buffer
    bigger = np.empty((int(needed * _GROWTH) + 16, *buffer.shape[1:]), dtype=buffer.dtype)
    bigger[:used] = buffer[:used]
    return bigger


class GrowableRows:
    """Buffers behind one CSR matrix (or one dense array) that rows are appended to.

    `owner` is the matrix the buffers currently back; an append to any other matrix (a fresh
    build, an unpickled index) starts new buffers from it.
    """

    def __init__(self) -> None:
        self.owner: Any = None
        self._arrays: tuple[Any, ...] = ()

    def append_csr(self, matrix: Any, rows: Any) -> Any:
        """`matrix` with the CSR `rows` below it, as a CSR matrix sharing this object's buffers."""
        from scipy.sparse import csr_matrix

        n, nnz = matrix.shape[0], matrix.nnz
        new_n, new_nnz = n + rows.shape[0], nnz + rows.nnz
        index_dtype = matrix.indices.dtype
        if new_nnz > np.iinfo(index_dtype).max:
            index_dtype = np.dtype(np.int64)
        if self.owner is not matrix or self._arrays[1].dtype != index_dtype:
            self._arrays = (matrix.data, matrix.indices.astype(index_dtype), matrix.indptr.astype(index_dtype))
        data, indices, indptr = self._arrays
        data, indices = _grown(data, nnz, new_nnz), _grown(indices, nnz, new_nnz)
        indptr = _grown(indptr, n + 1, new_n + 1)
        data[nnz:new_nnz] = rows.data
        indices[nnz:new_nnz] = rows.indices
        indptr[n + 1 : new_n + 1] = rows.indptr[1:] + nnz
        self._arrays = (data, indices, indptr)
        grown = csr_matrix(
            (data[:new_nnz], indices[:new_nnz], indptr[: new_n + 1]), shape=(new_n, matrix.shape[1]), copy=False
        )
        grown.has_sorted_indices = matrix.has_sorted_indices and rows.has_sorted_indices
        self.owner = grown
        return grown

    def append_dense(self, array: Any, rows: Any) -> Any:
        """`array` with `rows` below it (along the first axis), as a view of this object's buffer."""
        n, new_n = len(array), len(array) + len(rows)
        if self.owner is not array:
            self._arrays = (array,)
        buffer = _grown(self._arrays[0], n, new_n)
        buffer[n:new_n] = rows
        self._arrays = (buffer,)
        self.owner = grown = buffer[:new_n]
        return grown
