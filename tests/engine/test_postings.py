"""Word postings with common terms dense sum the same floats as plain postings, in the same order."""

import numpy as np
import pytest
import scipy.sparse as sp

from matchmaker.engine._postings import Postings


def _plain_scores(word: sp.csr_matrix, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
    # The reference: every posting added one at a time, in ascending term order.
    csc = word.tocsc()
    scores = np.zeros(word.shape[0], dtype=np.float32)
    for j, v in zip(cols.tolist(), vals.tolist(), strict=True):
        for p in range(csc.indptr[j], csc.indptr[j + 1]):
            scores[csc.indices[p]] += csc.data[p] * np.float32(v)
    return scores


@pytest.mark.parametrize("dense_share", [0.0, 0.2, 1.0])
def test_scores_equal_plain_postings_bit_for_bit(dense_share):
    rng = np.random.default_rng(3)
    # Column densities from 0.5 % to 60 %: some terms dense, most not.
    density = np.geomspace(0.005, 0.6, 300)
    word = sp.csr_matrix((rng.random((2000, 300)) < density) * rng.random((2000, 300)), dtype=np.float32)
    postings = Postings(word, dense_share)
    if dense_share == 0.2:
        assert 0 < len(postings._dense) < 300
    for _ in range(20):
        cols = np.sort(rng.choice(300, size=25, replace=False))
        vals = rng.random(25).astype(np.float32)
        scores = np.zeros(2000, dtype=np.float32)
        postings.add_scores(cols, vals, scores)
        np.testing.assert_array_equal(scores, _plain_scores(word, cols, vals))


def test_dense_columns_replace_their_postings():
    word = sp.csr_matrix(np.array([[1, 0, 2], [1, 0, 0], [1, 3, 0], [1, 0, 0]], dtype=np.float32))
    postings = Postings(word, 0.5)  # only term 0 is in more than half of the rows
    assert postings._dense.shape == (1, 4) and postings._slot.tolist() == [0, -1, -1]
    assert postings._indices.tolist() == [2, 0] and postings._data.tolist() == [3.0, 2.0]
