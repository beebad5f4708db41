"""The LSA cosines of candidate rows, computed in place, equal copying the rows out and multiplying."""

import numpy as np

from matchmaker.engine._lsascores import lsa_cosines, project_query


def test_cosines_of_chosen_rows_equal_the_copied_product() -> None:
    rng = np.random.default_rng(3)
    rows, dims = 500, 64
    embedded = rng.normal(size=(rows, dims))
    sigma = np.sort(rng.random(dims))[::-1].astype(np.float32) + 0.1
    basis = (embedded / sigma).astype(np.float32)
    norms = np.linalg.norm(embedded, axis=1).astype(np.float32)
    coordinates = rng.normal(size=dims).astype(np.float32)
    chosen = np.sort(rng.choice(rows, 120, replace=False))

    got = lsa_cosines(basis, sigma, norms, chosen, coordinates)

    cosine = (embedded[chosen] @ coordinates) / (norms[chosen] * np.linalg.norm(coordinates))
    assert got.dtype == np.float32 and got.shape == (120,)
    np.testing.assert_allclose(got, np.maximum(cosine, 0.0), atol=1e-5)
    assert (got == 0).sum() > 20  # negative cosines clipped, not dropped


def test_a_zero_query_scores_zero_everywhere() -> None:
    basis = np.ones((4, 3), dtype=np.float32)
    got = lsa_cosines(
        basis, np.ones(3, dtype=np.float32), np.ones(4, dtype=np.float32), np.arange(4), np.zeros(3, dtype=np.float32)
    )
    assert got.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_a_query_projection_through_half_float_components_equals_numpy() -> None:
    rng = np.random.default_rng(4)
    components = (rng.normal(size=(300, 16)) * 100).astype(np.float16)
    components[5, 3] = np.float16(6e-8)  # a subnormal half float converts exactly too
    word_rows, char_rows = np.array([5, 17, 40]), np.array([100, 150, 299, 5])
    word_weights, char_weights = rng.random(3), rng.random(4).astype(np.float32)

    got = project_query(components, word_rows, word_weights, char_rows, char_weights)

    full = components.astype(np.float32)
    expected = word_weights.astype(np.float32) @ full[word_rows] + char_weights @ full[char_rows]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)
