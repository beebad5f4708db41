"""The threaded truncated SVD is scikit-learn's TruncatedSVD, up to float rounding."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from matchmaker.engine._svd import threaded_matmul, truncated_svd

# In float64 the two agree to rounding: normalising once per power iteration instead of after each
# product spans the same subspace. In float32, the index's case, a random matrix's close singular
# values amplify rounding in the weakest components (up to 2e-4 here).
TOLERANCE = {np.float64: (1e-10, 1e-10, 1e-10), np.float32: (1e-5, 1e-3, 2e-3)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("shape", [(1500, 4000), (3000, 800)], ids=["fewer documents", "fewer terms"])
def test_equals_scikit_learn_truncated_svd(shape, dtype):
    sigma_rtol, components_atol, embedded_atol = TOLERANCE[dtype]
    matrix = sp.random(*shape, density=0.01, format="csr", dtype=dtype, random_state=1)
    reference = TruncatedSVD(n_components=40, random_state=0)
    embedded = reference.fit_transform(matrix)
    sigma, components = truncated_svd(matrix, 40)
    assert components.dtype == dtype
    np.testing.assert_allclose(sigma, reference.singular_values_, rtol=sigma_rtol)
    np.testing.assert_allclose(components, reference.components_, atol=components_atol)
    np.testing.assert_allclose(threaded_matmul(matrix, components.T), embedded, atol=embedded_atol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_terms_no_row_has_are_left_out_of_the_fit_and_get_zero_components(monkeypatch, dtype):
    from matchmaker.engine import _svd

    sigma_rtol, components_atol, embedded_atol = TOLERANCE[dtype]
    # A sample of a larger library: 1,500 rows using 2,500 of 6,000 terms.
    used = np.random.default_rng(5).choice(6000, 2500, replace=False)
    matrix = sp.random(1500, 2500, density=0.01, format="csr", dtype=dtype, random_state=1)
    matrix = sp.csr_matrix((matrix.data, used[matrix.indices], matrix.indptr), shape=(1500, 6000))
    matrix.sort_indices()
    shapes = []
    fit = _svd.truncated_svd
    monkeypatch.setattr(_svd, "truncated_svd", lambda m, *a, **k: shapes.append(m.shape) or fit(m, *a, **k))
    reference = TruncatedSVD(n_components=40, random_state=0)
    embedded = reference.fit_transform(matrix)
    sigma, components = fit(matrix, 40)
    assert shapes == [(1500, len(np.unique(matrix.indices)))]  # fitted on the columns in use
    assert components.shape == (40, 6000) and components.dtype == dtype
    assert components.T.flags.c_contiguous  # as the whole matrix's fit gives them: read term by term
    assert not components[:, np.setdiff1d(np.arange(6000), matrix.indices)].any()
    np.testing.assert_allclose(sigma, reference.singular_values_, rtol=sigma_rtol)
    np.testing.assert_allclose(components, reference.components_, atol=components_atol)
    np.testing.assert_allclose(threaded_matmul(matrix, components.T), embedded, atol=embedded_atol)


def test_threaded_product_equals_the_plain_product():
    matrix = sp.random(5000, 300, density=0.02, format="csr", dtype=np.float32, random_state=2)
    dense = np.random.default_rng(0).random((300, 7), dtype=np.float32)
    np.testing.assert_array_equal(threaded_matmul(matrix, dense, threads=2), matrix @ dense)


def _tall(condition: float, dtype=np.float32) -> np.ndarray:
    """A 20,000 × 30 block whose singular values run from 1 down to 1/condition."""
    rng = np.random.default_rng(3)
    left, _ = np.linalg.qr(rng.normal(size=(20000, 30)))
    right, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    return ((left * np.logspace(0, -np.log10(condition), 30)) @ right).astype(dtype)


@pytest.mark.parametrize(("condition", "householder"), [(1e2, False), (1e3, False), (1e6, True)])
def test_orthonormal_basis_spans_the_block_by_cholesky_or_householder(monkeypatch, condition, householder):
    from scipy import linalg

    from matchmaker.engine import _svd

    y = _tall(condition)
    used = []
    qr = linalg.qr
    monkeypatch.setattr(linalg, "qr", lambda *a, **k: used.append(True) or qr(*a, **k))
    q = _svd._orthonormal_basis(y)
    assert q.dtype == np.float32 and q.shape == y.shape
    assert bool(used) is householder
    q64 = q.astype(np.float64)
    np.testing.assert_allclose(q64.T @ q64, np.eye(30), atol=1e-5)
    # Every column of y lies in the span of q: projecting onto it changes nothing.
    np.testing.assert_allclose(q64 @ (q64.T @ y), y, atol=1e-5)


def test_signs_are_those_of_each_rows_largest_magnitude_first_on_a_tie():
    from matchmaker.engine._svd import _signs

    rng = np.random.default_rng(4)
    for trial in range(500):
        # Small integers: ties between a row's top and bottom entry are common.
        c = rng.integers(-3, 4, size=(5, 7)).astype(np.float32)
        if trial % 5 == 0:
            c[trial % 5] = 0
        expected = np.sign(c[np.arange(5), np.argmax(np.abs(c), axis=1)])
        np.testing.assert_array_equal(_signs(c), expected)
        np.testing.assert_array_equal(_signs(np.asfortranarray(c)), expected)


def test_orthonormal_basis_may_overwrite_its_block():
    from matchmaker.engine import _svd

    y = _tall(1e2)
    expected = _svd._orthonormal_basis(y)
    q = _svd._orthonormal_basis(y, out=y)
    assert q is y
    np.testing.assert_allclose(q, expected, atol=1e-6)
