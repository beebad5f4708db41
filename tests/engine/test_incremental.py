"""Incremental adds append rows without copying the index, and rank exactly as the copied layout did."""

import dataclasses
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from matchmaker import bench
from matchmaker.engine import OutcomeIndex
from matchmaker.engine import _index as index_module
from matchmaker.engine._growable import GrowableRows
from matchmaker.engine._postings import Postings


def _random_rows(n: int, seed: int) -> sp.csr_matrix:
    return sp.random(n, 50, density=0.1, format="csr", dtype=np.float32, random_state=seed)


def test_appended_csr_rows_equal_vstack_and_earlier_views_stay_as_they_were():
    growth = GrowableRows()
    matrix = _random_rows(40, 0)
    expected = matrix
    views = []
    for seed in range(1, 30):
        rows = _random_rows(seed % 4 + 1, seed)
        views.append((matrix, matrix.toarray()))
        matrix = growth.append_csr(matrix, rows)
        expected = sp.vstack([expected, rows]).tocsr()
        assert (matrix != expected).nnz == 0 and matrix.shape == expected.shape
    for view, dense in views:
        np.testing.assert_array_equal(view.toarray(), dense)


def test_appends_reuse_the_buffer_until_it_is_full():
    growth = GrowableRows()
    first = growth.append_csr(_random_rows(100, 0), _random_rows(1, 1))
    second = growth.append_csr(first, _random_rows(1, 2))
    assert np.shares_memory(first.data, second.data) and np.shares_memory(first.indices, second.indices)
    dense = growth.append_dense(np.zeros((100, 3)), np.ones((1, 3)))
    denser = growth.append_dense(dense, np.full((2, 3), 2.0))
    assert np.shares_memory(dense, denser) and denser.shape == (103, 3) and denser[-1, 0] == 2.0


@pytest.fixture
def grown_index(monkeypatch):
    # A small lag exercises both paths: rows below the postings, then postings rebuilt.
    monkeypatch.setattr(index_module, "_POSTINGS_LAG", 7)
    outcomes, needs = bench.synthetic_corpus(260, 8, seed=11)
    index = OutcomeIndex.build(outcomes[:200])
    for start in range(200, 260, 4):
        index.add(outcomes[start : start + 4])
    return index, outcomes, needs


def test_rows_below_the_postings_score_as_if_the_postings_held_them(grown_index):
    index, _, needs = grown_index
    assert index._postings.shape[0] < index._word.shape[0], "the last adds should lag behind the postings"
    lagging = [index.rank(need, k=20, abstain=False) for need in needs]
    index._postings = Postings(index._word)
    rebuilt = [index.rank(need, k=20, abstain=False) for need in needs]
    for a, b in zip(lagging, rebuilt, strict=True):
        assert [(p.id, round(p.score, 6)) for p in a.proposals] == [(p.id, round(p.score, 6)) for p in b.proposals]
    assert any(p.id in {o.id for o in grown_index[1][200:]} for r in lagging for p in r.proposals)


def test_an_unpickled_grown_index_ranks_the_same_and_keeps_growing(grown_index):
    index, outcomes, needs = grown_index
    copy = pickle.loads(pickle.dumps(index))
    assert [p.id for p in copy.rank(needs[0], k=20, abstain=False).proposals] == [
        p.id for p in index.rank(needs[0], k=20, abstain=False).proposals
    ]
    extra = dataclasses.replace(outcomes[3], id="again-3")
    copy.add([extra])
    index.add([extra])
    assert len(copy) == len(index) == 261
    assert (
        copy.rank(needs[0], k=5, abstain=False).proposals[0].id
        == index.rank(needs[0], k=5, abstain=False).proposals[0].id
    )


def test_a_batch_add_places_rows_as_one_by_one_adds_do():
    outcomes, _ = bench.synthetic_corpus(230, 1, seed=13)
    batch = OutcomeIndex.build(outcomes[:200])
    single = pickle.loads(pickle.dumps(batch))
    batch.add(outcomes[200:230])
    for outcome in outcomes[200:230]:
        single.add([outcome])
    np.testing.assert_allclose(batch._lsa[0][200:], single._lsa[0][200:], atol=1e-5)
    np.testing.assert_allclose(batch._lsa[2][200:], single._lsa[2][200:], rtol=1e-5)


def test_an_added_twin_of_a_row_lands_where_the_build_put_the_row():
    # Build and add project through the same stored (rounded) components, summed in the same
    # order and divided by their scale after: a copy of an outcome added later has the original's
    # LSA coordinates to the last bit.
    outcomes, _ = bench.synthetic_corpus(200, 0, seed=5)
    index = OutcomeIndex.build(outcomes)
    twins = [dataclasses.replace(o, id=f"twin-{o.id}") for o in outcomes[:20]]
    index.add(twins)
    basis, norms = index._lsa.basis, index._lsa.norms
    np.testing.assert_array_equal(basis[200:], basis[:20])
    np.testing.assert_array_equal(norms[200:], norms[:20])
