"""The NumPy character n-gram TF-IDF is scikit-learn's TfidfVectorizer over the same analyzer."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.engine._normalize import normalize
from matchmaker.engine._tokenize import CharAnalyzer
from matchmaker.engine._vectors import _LATIN_WORD, _latin_words, char_counts, char_tfidf, count_codes

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
    from matchmaker.engine._tokenize import join_tokens
    from matchmaker.engine._vectors import word_tfidf

    docs = [
        ("碳化硅", "封装", "碳化硅", "寿命"),
        (),
        ("igbt", "模块", "封装", "封装", "封装"),
        ("氢", "燃料电池", "质子交换膜", "igbt"),
        ("寿命",),
        ("silicon carbide", "碳化矽", "𠮷野家", "sic"),  # a phrase, Traditional, beyond the BMP
    ] * copies
    reference = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True)
    expected = reference.fit_transform(docs)
    matrix, weights = word_tfidf([join_tokens(doc) for doc in docs])
    assert weights.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(weights.idf_, reference.idf_)
    assert matrix.dtype == np.float32
    np.testing.assert_allclose(matrix.toarray(), expected.toarray().astype(np.float32), rtol=1e-7, atol=0)
    assert matrix.has_sorted_indices


def test_word_tfidf_numbers_a_large_vocabulary():
    """Past the hash table's first 65,536 slots it grows and re-seats every token: words that
    share prefixes and lengths (collisions in a slot) still get one column each."""
    from matchmaker.engine._tokenize import join_tokens
    from matchmaker.engine._vectors import word_tfidf

    rng = np.random.default_rng(3)
    words = [f"词{i}" for i in range(60_000)] + [
        chr(0x4E00 + i) + chr(0x4E00 + j) for i in range(200) for j in range(200)
    ]
    docs = [tuple(words[k] for k in rng.integers(0, len(words), size=40)) for _ in range(3000)]
    matrix, weights = word_tfidf([join_tokens(doc) for doc in docs])
    reference = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True)
    assert weights.vocabulary_ == (reference.fit(docs).vocabulary_)
    np.testing.assert_allclose(matrix.toarray()[:50], reference.transform(docs[:50]).toarray(), rtol=1e-6, atol=0)


def test_word_tfidf_skips_empty_tokens_of_a_malformed_row():
    from matchmaker.engine._vectors import word_tfidf

    matrix, weights = word_tfidf(["\n\n\n", "封装\n\n寿命\n", ""])
    assert sorted(weights.vocabulary_) == ["寿命", "封装"]
    assert matrix.getnnz(axis=1).tolist() == [0, 2, 0]


def test_tfidf32_gives_the_float32_rounding_of_the_float64_weights():
    """The same floats as scikit-learn's weights rounded to float32 (the index's word part and the
    LSA sample were made that way); an empty row stays empty."""
    from scipy.sparse import random as sparse_random

    from matchmaker.engine._vectors import smooth_idf, tfidf32, tfidf_with

    counts = sparse_random(300, 500, density=0.05, format="csr", random_state=5, dtype=np.float64)
    counts.data = np.ceil(counts.data * 40).astype(np.int32)
    counts = counts.astype(np.int32)
    counts.data[counts.indptr[7] : counts.indptr[8]] = 0
    counts.eliminate_zeros()
    idf = smooth_idf(counts, 300)
    fast = tfidf32(counts, idf)
    assert fast.dtype == np.float32
    np.testing.assert_array_equal(fast.toarray(), tfidf_with(counts, idf).astype(np.float32).toarray())
    assert fast[7].nnz == 0


@pytest.mark.parametrize("width", [1, 2, 255, 256, 257, 70_000, (1 << 24) + 2], ids=lambda w: f"width {w}")
def test_count_codes_sorts_and_counts_each_document_by_any_number_of_radix_passes(width):
    # One to four passes of the radix sort, documents empty, of one code, and of many repeated codes.
    rng = np.random.default_rng(width)
    sizes = [0, 1, 5, 300, 0, 2000, 3]
    docs = [rng.integers(0, width, size) for size in sizes]
    docs[3] = np.repeat(docs[3][:20], 15)  # repeats: each code counted, not listed twice
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    lengths, codes, counts = count_codes(np.concatenate(docs).astype(np.int32), bounds, width)
    at = 0
    for d, doc in enumerate(docs):
        expected, expected_counts = np.unique(doc, return_counts=True)
        assert lengths[d] == len(expected)
        np.testing.assert_array_equal(codes[at : at + lengths[d]], expected)
        np.testing.assert_array_equal(counts[at : at + lengths[d]], expected_counts)
        at += lengths[d]
    assert at == len(codes)


def test_a_chunk_that_fails_to_count_fails_the_whole_count_without_leaving_the_others_waiting(monkeypatch):
    import threading

    from matchmaker.engine import _vectors

    count_into = _vectors._CharGrams.count_into

    def failing(self, first, last, *args):
        if first == 0:  # the first chunk: every later one waits for it to be placed
            raise MemoryError("no room for the counts")
        return count_into(self, first, last, *args)

    monkeypatch.setattr(_vectors._CharGrams, "count_into", failing)
    raised = []
    worker = threading.Thread(target=lambda: _count_and_catch(raised), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "char_counts hung after a chunk failed"
    assert raised == ["no room for the counts"]


def _count_and_catch(raised):
    try:
        char_counts([f"碳化硅功率器件{i}" for i in range(64)], (1, 2))
    except MemoryError as error:
        raised.append(str(error))


def test_han_marks_are_the_character_analyzers_han_class():
    import re

    from matchmaker.engine._vectors import _is_han, code_points

    edges = [0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x4DFF, 0x4E00, 0x9FFF, 0xA000, 0xF900, 0x20000, 0x61, 0x3002]
    text = "".join(map(chr, edges))
    expected = [bool(re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff]", ch)) for ch in text]
    assert _is_han(code_points(text)).tolist() == expected


def test_character_counts_are_exact_in_two_bytes_below_65536_characters_and_in_four_above():
    short = "碳" * 65_535  # the largest count two bytes hold, in the longest text they are used for
    counts, vocabulary = char_counts([short, "碳化硅"], (1, 2))
    assert counts.dtype == np.uint16
    assert counts[0, vocabulary["碳"]] == 65_535 and counts[0, vocabulary["碳碳"]] == 65_534
    counts, vocabulary = char_counts(["碳" * 70_000, "碳化硅"], (1, 2))
    assert counts.dtype == np.int32
    assert counts[0, vocabulary["碳"]] == 70_000 and counts[1, vocabulary["化硅"]] == 1
