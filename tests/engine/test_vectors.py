"""The NumPy character n-gram TF-IDF is scikit-learn's TfidfVectorizer over the same analyzer."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.engine._normalize import normalize
from matchmaker.engine._tokenize import CharAnalyzer
from matchmaker.engine._vectors import _LATIN_WORD, _latin_words, char_tfidf

TEXTS = [
    "碳化硅功率器件的高温封装工艺，IGBT模块寿命提升3倍",
    "鋁合金焊接氣孔率高，需要激光-电弧复合焊",
    "",
    "only latin words here: c++ li-ion mos2 x",
    "石墨烯 graphene 导热膜，导热系数 1500 w/mk，石墨烯石墨烯",
    "！！！。。。",
    "氢燃料电池 pemfc 质子交换膜 质子交换膜 膜电极",
]


@pytest.mark.parametrize("copies", [1, 40], ids=["a few texts", "many chunks"])
def test_char_tfidf_equals_scikit_learn(copies):
    texts = [f"{text}{i % 7}" if i % 3 else text for i in range(copies) for text in TEXTS]
    reference = TfidfVectorizer(analyzer=CharAnalyzer((1, 2)), sublinear_tf=True)
    expected = reference.fit_transform(texts)
    matrix, weights = char_tfidf(texts, (1, 2))
    assert weights.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(weights.idf_, reference.idf_)
    assert matrix.shape == expected.shape
    np.testing.assert_allclose(matrix.toarray(), expected.toarray(), atol=1e-12)
    # Normalised input gives the same matrix without normalising again.
    again, _ = char_tfidf([normalize(t) for t in texts], (1, 2), normalized=True)
    assert abs(again - matrix).max() == 0


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_latin_word_scan_finds_what_the_regular_expression_finds(seed):
    rng = np.random.default_rng(seed)
    alphabet = list("ab9+-中 \n\x01")
    texts = ["abc-", "a-", "-ab", "a--b-", "x+y++", "1ab2 c", "ab-c-", "e-", "+a+", "a+-", "iso-9001-", "a", ""]
    texts += ["".join(rng.choice(alphabet, size=rng.integers(0, 15))) for _ in range(500)]
    big = "\x01".join(texts)
    cps = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    bounds = np.empty(len(cps) + 2, dtype=np.int64)
    found = _latin_words(cps, bounds)
    assert bounds[: 2 * found].reshape(-1, 2).tolist() == [[m.start(), m.end()] for m in _LATIN_WORD.finditer(big)]


def _square_plus(x: int) -> int:
    return x * x + 1


def test_parallel_map_keeps_order_on_forked_workers_even_from_two_threads():
    from concurrent.futures import ThreadPoolExecutor

    from matchmaker.engine._vectors import _FORKED, parallel_map

    items = list(range(5000))
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda shift: parallel_map(_square_plus, [i + shift for i in items], processes=2), [0, 7])
    assert a == [_square_plus(i) for i in items]
    assert b == [_square_plus(i + 7) for i in items]
    assert not _FORKED  # nothing left behind


def _tokens(doc):
    return doc


@pytest.mark.parametrize("copies", [1, 30], ids=["a few documents", "repeated documents"])
def test_word_tfidf_equals_scikit_learn(copies):
    from matchmaker.engine._vectors import word_tfidf

    docs = [
        ("碳化硅", "封装", "碳化硅", "寿命"),
        (),
        ("igbt", "模块", "封装", "封装", "封装"),
        ("氢", "燃料电池", "质子交换膜", "igbt"),
        ("寿命",),
    ] * copies
    reference = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True)
    expected = reference.fit_transform(docs)
    matrix, weights = word_tfidf(docs)
    assert weights.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(weights.idf_, reference.idf_)
    np.testing.assert_allclose(matrix.toarray(), expected.toarray(), atol=1e-12)
    assert matrix.has_sorted_indices
