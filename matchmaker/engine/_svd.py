"""Truncated SVD for LSA: scikit-learn's randomized algorithm, with its sparse products on every core.

The steps, random draws and sign convention of ``TruncatedSVD(algorithm="randomized", n_iter=5,
random_state=seed)`` (Halko et al. 2011: a range finder with LU-normalised power iterations, then
an exact SVD of the small projected matrix), normalising once per power iteration instead of
twice, taking the range's orthonormal basis by Cholesky QR and the small matrix's left singular
vectors from an eigen-decomposition, so the result equals scikit-learn's up to float rounding —
tests hold the two together.
The power iterations are eleven products of the sparse corpus matrix with a dense block;
scikit-learn runs them on one core, and at 106,000 outcomes they were a third of an index build.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jit import compiled, rows_times_dense, take
from ._vectors import document_frequencies


@compiled
def _rows_times_dense(indptr: Any, indices: Any, data: Any, dense: Any, out: Any, start: int, stop: int) -> None:
    """out[i - start] += row i @ dense for rows start:stop, summed in SciPy's order (the same floats)."""
    k = dense.shape[1]
    for i in range(start, stop):
        row = out[i - start]
        for p in range(indptr[i], indptr[i + 1]):
            value = data[p]
            source = dense[indices[p]]
            for c in range(k):
                row[c] += value * source[c]


def threaded_matmul(matrix: Any, dense: Any, threads: int | None = None) -> Any:
    """``matrix @ dense`` for a CSR `matrix`, in row chunks on several threads.

    A compiled loop that releases the GIL; numba vectorises its inner loop over the dense columns
    (0.20 → 0.12 s against SciPy for one of the LSA fit's products at 106,000 outcomes). Mixed
    dtypes are first brought to a common one, as SciPy does.
    """
    dtype = np.result_type(matrix.dtype, dense.dtype)
    if matrix.dtype != dtype:
        matrix = matrix.astype(dtype)
    return rows_times_dense(_rows_times_dense, matrix, np.ascontiguousarray(dense, dtype=dtype), dtype, threads)


_CHOLESKY_QR_MAX_CONDITION = 1e4
_BASIS_BLOCK_ROWS = 8192


def _orthonormal_basis(y: Any, out: Any = None) -> Any:
    """An orthonormal basis of the columns of the tall `y`, in its dtype (written into `out`, which
    may be `y` itself, when given).

    scikit-learn takes Q of a Householder QR; any orthonormal basis of the same columns gives the
    same components (the SVD below rotates it). Cholesky QR — R from the Cholesky factor of YᵀY,
    Q = Y·R⁻¹, in float64 — is two matrix products instead of Householder steps down 119,000 rows:
    0.24 against 0.52 s at 91,000 terms. It leaves QᵀQ off the identity by about ε·κ(R)², below
    float32's rounding while κ(R) < 10⁴; after the power iterations κ is that of the top singular
    values (870 at 106,000 outcomes). A worse-conditioned block takes the Householder QR.
    Both products run over blocks of rows converted to float64 one at a time: a float64 copy of the
    whole block (131 MB at 106,000 outcomes) and its product were 0.5 s of a build, most of it the
    kernel handing out fresh pages.
    """
    from scipy import linalg

    blocks = [slice(start, start + _BASIS_BLOCK_ROWS) for start in range(0, len(y), _BASIS_BLOCK_ROWS)]
    gram = np.zeros((y.shape[1], y.shape[1]))
    for rows in blocks:
        block = y[rows].astype(np.float64)
        gram += block.T @ block
    try:
        r = linalg.cholesky(gram, lower=False, check_finite=False)
    except linalg.LinAlgError:
        r = None
    if r is None or np.linalg.cond(r) > _CHOLESKY_QR_MAX_CONDITION:
        q = linalg.qr(y, mode="economic", check_finite=False)[0]
        if out is None:
            return q
        out[...] = q
        return out
    r_inv = linalg.solve_triangular(r, np.eye(len(r)), check_finite=False)
    if out is None:
        out = np.empty_like(y)
    for rows in blocks:
        out[rows] = y[rows].astype(np.float64) @ r_inv
    return out


def truncated_svd(matrix: Any, k: int, *, seed: int = 0, n_iter: int = 5, n_oversamples: int = 10) -> tuple[Any, Any]:
    """(Σ, Vᵀ) of the rank-`k` truncated SVD of the sparse `matrix` (rows = documents).

    `Vᵀ` is k × terms, in the dtype of `matrix` (float32 stays float32). A document's coordinates
    are ``row @ Vᵀ.T``, which is what scikit-learn's ``fit_transform`` returns too.
    """
    from scipy import linalg
    from scipy.sparse import csr_matrix

    matrix = matrix.tocsr()
    n_docs, n_terms = matrix.shape
    # A term no row has gets all-zero components, so the SVD runs on the columns in use: at 106,000
    # outcomes half the vocabulary is missing from the LSA's 10,000-row sample, and the products'
    # terms × block matrices, their orthonormal basis and the components were twice the size they
    # need be. Only while there are still more terms than rows: the random start block has a row
    # per document then, so the draws, and with them the result, stay those of the whole matrix.
    present = np.flatnonzero(document_frequencies(matrix))
    if n_docs < len(present) < n_terms:
        column = np.zeros(n_terms, dtype=matrix.indices.dtype)
        column[present] = np.arange(len(present), dtype=column.dtype)
        compact = csr_matrix((matrix.data, take(column, matrix.indices), matrix.indptr), shape=(n_docs, len(present)))
        sigma, kept = truncated_svd(compact, k, seed=seed, n_iter=n_iter, n_oversamples=n_oversamples)
        # In the layout of the fit's own (the transposed terms × k product is C-ordered).
        components = np.zeros((len(kept), n_terms), dtype=kept.dtype, order="F" if kept.flags.f_contiguous else "C")
        components[:, present] = kept
        return sigma, components
    dtype = np.float32 if matrix.dtype == np.float32 else np.float64
    rows_t = matrix.T.tocsr()  # terms × documents, so the transposed products also run by rows
    size = k + n_oversamples
    # As scikit-learn: work on the transpose when there are fewer documents than terms.
    transpose = n_docs < n_terms
    a, a_t = (rows_t, matrix) if transpose else (matrix, rows_t)

    random_state = np.random.RandomState(seed)
    q = random_state.normal(size=(a.shape[1], size)).astype(dtype, copy=False)
    for _ in range(n_iter):
        # scikit-learn LU-normalises after each of the two products. `a` has the longer side (the
        # terms, at 106,000 outcomes 119,000 rows against 20,000), where the LU costs most; the
        # block is normalised once per pass, on the short side, which spans the same subspace
        # (the power iteration's condition grows by σ₁²/σₖ² between normalisations instead of σ₁/σₖ,
        # harmless in float32 for a TF-IDF spectrum): 5.1 → 3.8 s for the fit at 106,000 outcomes.
        q, _ = linalg.lu(threaded_matmul(a_t, threaded_matmul(a, q)), permute_l=True, check_finite=False)
    y = threaded_matmul(a, q)
    q = _orthonormal_basis(y, out=y)
    b = threaded_matmul(a_t, q).T  # qᵀ·a
    if transpose:
        s, u_hat = _left_singular(b)
        # Transposed, the terms × k product is C-ordered: row after row is what the caller reads.
        components = (q @ u_hat[:, :k].astype(q.dtype, copy=False)).T
    else:
        _, s, vt = linalg.svd(b, full_matrices=False, lapack_driver="gesdd")
        components = vt[:k]
    # scikit-learn's sign convention for TruncatedSVD: each component's largest entry is positive.
    components *= _signs(components)[:, None]
    return s[:k].astype(dtype), components.astype(dtype, copy=False)


def _left_singular(b: Any) -> tuple[Any, Any]:
    """(singular values, left singular vectors) of the wide `b`, largest first, in float64.

    From the eigen-decomposition of b·bᵀ (size × size): at 106,000 outcomes 25 ms against 200 ms
    for LAPACK's SVD of the 138 × 10,000 block, which also makes the 10,000-long right vectors that
    nothing reads. Squaring the condition costs nothing in float64 that a float32 result keeps
    (κ² ≈ 10⁶ against 1/ε ≈ 10¹⁶): the two agree to float32 rounding (tested against scikit-learn).
    """
    from scipy import linalg

    wide = b.astype(np.float64)
    squares, vectors = linalg.eigh(wide @ wide.T, check_finite=False)
    return np.sqrt(np.maximum(squares[::-1], 0.0)), vectors[:, ::-1]


def _signs(components: Any) -> Any:
    """The sign of each row's entry of largest magnitude (the first such entry on a tie), as
    ``np.sign(c[i, np.argmax(np.abs(c), axis=1)])`` gives it — without its absolute copy of the
    matrix nor its argmax across the rows of a transposed one (0.2 s of a build)."""
    top, bottom = components.max(axis=1), components.min(axis=1)
    signs = np.where(top >= -bottom, 1, -1).astype(components.dtype)
    signs[(top == 0) & (bottom == 0)] = 0  # an all-zero row
    for i in np.flatnonzero((top == -bottom) & (top != 0)):
        row = components[i]
        signs[i] = 1 if np.argmax(row) < np.argmin(row) else -1
    return signs
