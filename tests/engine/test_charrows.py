"""Character rows stored as counts score exactly as the TF-IDF matrix they stand for."""

import numpy as np
import pytest

from matchmaker.engine._charrows import CharRows
from matchmaker.engine._tokenize import char_ngrams
from matchmaker.engine._vectors import char_counts, count_rows, query_vector, smooth_idf, tfidf

TEXTS = [
    "碳化硅功率器件的高温封装工艺，碳化硅模块寿命提升",
    "铝合金焊接气孔率高，需要激光电弧复合焊",
    "石墨烯导热膜，导热系数高，石墨烯石墨烯石墨烯",
    "氢燃料电池质子交换膜膜电极 pemfc",
    "",
]


@pytest.fixture(params=[False, True], ids=["copied counts", "consumed counts"])
def fitted(request):
    counts, vocabulary = char_counts(TEXTS, (1, 2))
    idf = smooth_idf(counts, len(TEXTS))
    matrix = tfidf(counts.copy(), len(TEXTS))[0].toarray()
    rows = CharRows(counts, idf, consume=request.param)
    if not request.param:  # the store keeps its own arrays: the caller's counts are unchanged
        np.testing.assert_array_equal(counts.toarray(), char_counts(TEXTS, (1, 2))[0].toarray())
    return rows, matrix, vocabulary, idf


def _query(text, vocabulary, idf):
    from matchmaker.engine._vectors import TermWeights

    return query_vector(char_ngrams(text), TermWeights(vocabulary, idf))


def test_scores_rows_and_dots_equal_the_tfidf_matrix(fitted):
    rows, matrix, vocabulary, idf = fitted
    cols, vals = _query("碳化硅器件焊接，石墨烯导热", vocabulary, idf)
    q = np.zeros(len(vocabulary))
    q[cols] = vals
    scratch = np.zeros(len(vocabulary), dtype=np.float32)
    np.testing.assert_allclose(rows.scores(None, cols, vals, scratch), matrix @ q, atol=1e-6)
    np.testing.assert_allclose(rows.scores(np.array([2, 0]), cols, vals, scratch), (matrix @ q)[[2, 0]], atol=1e-6)
    # Rows are read in pairs of unequal length, the last one alone when their number is odd.
    for subset in ([4, 0, 2], [1], [], [3, 2, 1, 0]):
        np.testing.assert_allclose(
            rows.scores(np.array(subset, dtype=np.int64), cols, vals, scratch), (matrix @ q)[subset], atol=1e-6
        )
    assert not scratch.any()
    row = rows.row(2)
    np.testing.assert_allclose([row.get(j, 0.0) for j in range(len(vocabulary))], matrix[2], atol=1e-6)
    from scipy.sparse import csr_matrix

    # The LSA's components come as the bits of float16 rows, one per vocabulary column.
    halves = csr_matrix(matrix[[1, 3]].astype(np.float32)).T.toarray().astype(np.float16)
    expected = matrix.astype(np.float32) @ halves.astype(np.float32)
    np.testing.assert_allclose(rows.tfidf_dot(halves.view(np.uint16), idf), expected, atol=1e-6)


def test_appended_rows_score_like_rows_of_the_build(fitted):
    rows, _, vocabulary, idf = fitted
    rows.append(count_rows([char_ngrams(TEXTS[0]), char_ngrams("碳化硅 unknown 新词")], vocabulary))
    assert rows.shape == (len(TEXTS) + 2, len(vocabulary))
    cols, vals = _query(TEXTS[0], vocabulary, idf)
    scores = rows.scores(None, cols, vals, np.zeros(len(vocabulary), dtype=np.float32))
    assert scores[len(TEXTS)] == pytest.approx(scores[0], abs=1e-6)  # the copy of row 0
    assert 0 < scores[len(TEXTS) + 1] < scores[0]


def test_weighted_rows_are_the_tfidf_rows_of_their_counts(fitted):
    rows, matrix, vocabulary, idf = fitted
    weighted = rows.weighted(count_rows([char_ngrams(t) for t in TEXTS], vocabulary), idf)
    np.testing.assert_allclose(weighted.toarray(), matrix, atol=1e-6)


def test_many_rows_split_over_two_threads_score_exactly_as_on_one(fitted):
    rows, matrix, vocabulary, idf = fitted
    cols, vals = _query("碳化硅器件焊接，石墨烯导热", vocabulary, idf)
    scratch = np.zeros(len(vocabulary), dtype=np.float32)
    many = np.random.default_rng(3).integers(0, len(TEXTS), 2501)
    one = rows.scores(many, cols, vals, scratch)
    two = rows.scores(many, cols, vals, scratch, split=True)
    assert one.shape == (2501,)
    assert np.array_equal(one, two)
    q = np.zeros(len(vocabulary))
    q[cols] = vals
    np.testing.assert_allclose(two, (matrix @ q)[many], atol=1e-6)
    assert not scratch.any()


def test_the_most_used_columns_are_numbered_first_and_sums_keep_the_vocabulary_order(fitted):
    from matchmaker.engine._charrows import _rows_dot

    rows, _, vocabulary, idf = fitted
    counts, _ = char_counts(TEXTS, (1, 2))
    used = np.bincount(counts.indices, minlength=counts.shape[1])
    assert (np.diff(used[rows.outer]) <= 0).all()  # rows using each internal column, most first
    assert used[rows.outer[0]] == used.max() > 1
    assert np.array_equal(rows.inner[rows.outer], np.arange(len(vocabulary)))
    # Each row lists its entries in the vocabulary's order, so the floats are those of the plain loop.
    for i in range(len(TEXTS)):
        lo, hi = rows.counts.indptr[i], rows.counts.indptr[i + 1]
        assert np.array_equal(rows.outer[rows.counts.indices[lo:hi]], counts.indices[lo:hi])
    cols, vals = _query("碳化硅器件焊接，石墨烯导热", vocabulary, idf)
    plain = np.zeros(len(vocabulary), dtype=np.float32)
    plain[cols] = vals * rows.idf[cols]
    order = np.arange(len(TEXTS))
    expected = _rows_dot(
        counts.indptr, counts.indices, counts.data.astype(np.uint8), rows.levels, plain, order, rows.norms
    )
    scratch = np.zeros(len(vocabulary), dtype=np.float32)
    assert np.array_equal(rows.scores(order, cols, vals, scratch), expected)


def test_document_frequencies_are_bincounts_of_the_columns():
    from matchmaker.engine._vectors import document_frequencies

    counts, _ = char_counts(TEXTS * 3, (1, 2))
    np.testing.assert_array_equal(document_frequencies(counts), np.bincount(counts.indices, minlength=counts.shape[1]))
    assert document_frequencies(counts).dtype == np.int64


def test_columns_are_laid_out_most_used_first_ties_in_vocabulary_order():
    counts, _ = char_counts(TEXTS * 5 + TEXTS[:3], (1, 2))
    rows = CharRows(counts, smooth_idf(counts, counts.shape[0]))
    used = np.bincount(counts.indices, minlength=counts.shape[1])
    np.testing.assert_array_equal(rows.outer, np.argsort(-used, kind="stable"))
