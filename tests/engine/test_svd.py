"""The threaded truncated SVD is scikit-learn's TruncatedSVD, step for step."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from matchmaker.engine._svd import threaded_matmul, truncated_svd


@pytest.mark.parametrize("shape", [(1500, 4000), (3000, 800)], ids=["fewer documents", "fewer terms"])
def test_equals_scikit_learn_truncated_svd(shape):
    # In float64 the two agree to rounding: normalising once per power iteration instead of after
    # each product spans the same subspace.
    matrix = sp.random(*shape, density=0.01, format="csr", dtype=np.float64, random_state=1)
    reference = TruncatedSVD(n_components=40, random_state=0)
    embedded = reference.fit_transform(matrix)
    sigma, components = truncated_svd(matrix, 40)
    assert components.dtype == np.float64
    np.testing.assert_allclose(sigma, reference.singular_values_, rtol=1e-10)
    np.testing.assert_allclose(components, reference.components_, atol=1e-10)
    np.testing.assert_allclose(threaded_matmul(matrix, components.T), embedded, atol=1e-10)


@pytest.mark.parametrize("shape", [(1500, 4000), (3000, 800)], ids=["fewer documents", "fewer terms"])
def test_float32_stays_within_rounding_of_scikit_learn(shape):
    # The index's case. A random matrix's close singular values amplify float32 rounding in the
    # weakest components (up to 2e-4 here); the singular values themselves agree to 1e-6.
    matrix = sp.random(*shape, density=0.01, format="csr", dtype=np.float32, random_state=1)
    reference = TruncatedSVD(n_components=40, random_state=0)
    embedded = reference.fit_transform(matrix)
    sigma, components = truncated_svd(matrix, 40)
    assert components.dtype == np.float32
    np.testing.assert_allclose(sigma, reference.singular_values_, rtol=1e-5)
    np.testing.assert_allclose(components, reference.components_, atol=1e-3)
    np.testing.assert_allclose(threaded_matmul(matrix, components.T), embedded, atol=2e-3)


def test_threaded_product_equals_the_plain_product():
    matrix = sp.random(5000, 300, density=0.02, format="csr", dtype=np.float32, random_state=2)
    dense = np.random.default_rng(0).random((300, 7), dtype=np.float32)
    np.testing.assert_array_equal(threaded_matmul(matrix, dense, threads=2), matrix @ dense)
