import dataclasses
import pickle

import numpy as np
import pytest

from matchmaker.engine import (
    IncompatibleIndexError,
    MatchSettings,
    NeedDoc,
    NeedIndex,
    OutcomeDoc,
    OutcomeIndex,
    Ranking,
    tokens_for,
)

from .corpus import NEEDS, OUTCOMES

NEED = {need.id: need for need in NEEDS}


@pytest.fixture(scope="module")
def index() -> OutcomeIndex:
    return OutcomeIndex.build(OUTCOMES)


@pytest.mark.parametrize(("need_id", "expected"), [("n-weld", 1), ("n-sic", 2), ("n-uav", 7)])
def test_the_outcome_that_solves_the_need_ranks_first(index: OutcomeIndex, need_id: str, expected: int) -> None:
    ranking = index.rank(NEED[need_id], k=5, abstain=False)
    assert ranking.proposals[0].id == expected


def test_proposals_are_ordered_and_scored_in_unit_range(index: OutcomeIndex) -> None:
    ranking = index.rank(NEED["n-weld"], k=5)
    assert not ranking.abstained and ranking.reason == ""
    assert [p.rank for p in ranking.proposals] == list(range(1, len(ranking.proposals) + 1))
    scores = [p.score for p in ranking.proposals]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(ranking.proposals) <= 5
    assert {"text_word", "text_char", "text", "industry", "trl", "price", "region"} <= set(ranking.proposals[0].parts)


def test_the_right_outcome_wins_across_scripts_and_acronyms(index: OutcomeIndex) -> None:
    # n-sic is Simplified with "SiC", outcome 2 is Traditional with 碳化矽 and 模組.
    top = index.rank(NEED["n-sic"], k=1, abstain=False).proposals[0]
    assert top.id == 2
    assert top.parts["text_word"] > 0.2


def test_a_nonsense_need_is_abstained(index: OutcomeIndex) -> None:
    nonsense = NeedDoc(id="x", title="周末去公园野餐", description="天气晴朗，带上面包和水果，和朋友一起放风筝。")
    ranking = index.rank(nonsense, k=5)
    assert ranking.abstained
    assert ranking.proposals == []
    assert ranking.reason in {"no_candidate", "no_shared_terms"}


def test_a_need_sharing_only_stray_characters_is_abstained(index: OutcomeIndex) -> None:
    # 表 and 面 occur in outcome 4 (表面), but no word does.
    ranking = index.rank(NeedDoc(id="x", title="手表表盘", description="面条"), k=5)
    assert ranking.abstained and ranking.reason == "no_shared_terms"


def test_removed_candidates_lend_no_shared_word_to_a_query() -> None:
    # The need shares only 优化, with outcomes 1 and 8: once both are removed nothing live shares a
    # word with it (best_word once counted the removed rows' word scores).
    need = NeedDoc(id="x", title="外卖骑手排班优化", description="我们想优化外卖骑手的排班和薪酬结算流程。")
    index = OutcomeIndex.build(OUTCOMES)
    assert index.rank(need, k=5, abstain=False).signals["best_word"] > 0
    index.remove([1, 8])
    ranking = index.rank(need, k=5)
    assert ranking.signals["best_word"] == 0.0
    assert ranking.abstained and ranking.reason == "no_shared_terms"


def test_one_word_in_common_is_a_coincidence_not_a_match(index: OutcomeIndex) -> None:
    # Shares only 优化 (with outcomes 1 and 8).
    need = NeedDoc(id="x", title="外卖骑手排班优化", description="我们想优化外卖骑手的排班和薪酬结算流程。")
    ranking = index.rank(need, k=5)
    assert ranking.abstained and ranking.reason == "few_shared_terms"
    assert ranking.signals["shared_terms"] == 1
    assert not index.rank(NEED["n-uav"], k=5).abstained


def test_abstain_false_keeps_the_ranked_list_and_says_why_it_would_abstain() -> None:
    strict = OutcomeIndex.build(OUTCOMES, MatchSettings(min_score=0.9))
    held = strict.rank(NEED["n-weld"], k=5, abstain=True)
    kept = strict.rank(NEED["n-weld"], k=5, abstain=False)
    assert held.abstained and held.reason == "weak_best_score" and held.proposals == []
    assert not kept.abstained and kept.reason == "" and kept.proposals[0].id == 1
    assert kept.would_abstain == "weak_best_score"
    assert kept.signals["best_score"] == pytest.approx(kept.proposals[0].parts["text"])


def test_low_core_coverage_abstains_when_the_best_candidates_miss_the_core() -> None:
    # Outcome 4 shares 铝合金 with the need, but not 焊缝 / 气孔 / 托盘, the need's core.
    only_coverage = MatchSettings(min_core_coverage=0.3, min_shared_terms=0)
    index = OutcomeIndex.build([OUTCOMES[3], OUTCOMES[5]], only_coverage)
    ranking = index.rank(NEED["n-weld"], k=5)
    assert ranking.abstained and ranking.reason == "low_core_coverage"
    covered = OutcomeIndex.build(OUTCOMES, only_coverage).rank(NEED["n-weld"], k=5)
    assert not covered.abstained and covered.signals["core_coverage"] >= 0.3


def test_related_terms_bring_in_the_technique_for_a_symptom() -> None:
    need = NeedDoc(id="warp", title="壁板固化后翘曲", description="碳纤维壁板出罐后翘曲，装配间隙超差。")
    with_related = OutcomeIndex.build(OUTCOMES).rank(need, k=8, abstain=False)
    without = OutcomeIndex.build(OUTCOMES, MatchSettings(related_weight=0.0)).rank(need, k=8, abstain=False)

    def word_score(ranking: Ranking) -> float:
        return next(p.parts["text_word"] for p in ranking.proposals if p.id == 5)

    assert with_related.proposals[0].id == 5
    assert word_score(with_related) > word_score(without)


def _twins(**differences: dict) -> list[OutcomeDoc]:
    base = OUTCOMES[0]
    return [dataclasses.replace(base, id=key, **values) for key, values in differences.items()]


@pytest.mark.parametrize(
    ("twins", "winner", "part"),
    [
        ({"mature": {"trl": 7}, "early": {"trl": 3}}, "mature", "trl"),
        ({"cheap": {"asking_price_wan": 100}, "dear": {"asking_price_wan": 900}}, "cheap", "price"),
        ({"local": {"city": "西安市"}, "far": {"city": "深圳"}}, "local", "region"),
        ({"same": {"industry_chain": "photonics"}, "other": {"industry_chain": "hydrogen"}}, "same", "industry"),
    ],
)
def test_structured_fit_reorders_equal_texts(twins: dict, winner: str, part: str) -> None:
    need = dataclasses.replace(NEED["n-weld"], budget_wan=150, industry_chain="photonics")
    ranking = OutcomeIndex.build(_twins(**twins)).rank(need, k=2, abstain=False)
    first, second = ranking.proposals
    assert first.id == winner
    assert first.parts[part] > second.parts[part]
    assert first.parts["text"] == pytest.approx(second.parts["text"])


def test_missing_structured_values_are_neutral() -> None:
    bare = NeedDoc(id="bare", title=NEED["n-weld"].title, description=NEED["n-weld"].description)
    outcome = dataclasses.replace(OUTCOMES[0], trl=None, asking_price_wan=None, city=None)
    proposal = OutcomeIndex.build([outcome, OUTCOMES[3]]).rank(bare, k=1, abstain=False).proposals[0]
    assert all(proposal.parts[p] == 0.0 for p in ("industry", "trl", "price", "region"))
    assert proposal.score == pytest.approx(proposal.parts["text"])


def test_text_relevance_dominates_structured_fit() -> None:
    # The irrelevant outcome fits every structured criterion, the relevant one none of them.
    need = dataclasses.replace(NEED["n-weld"], budget_wan=50, industry_chain="photonics")
    relevant = dataclasses.replace(OUTCOMES[0], trl=3, asking_price_wan=500, city="深圳", industry_chain="hydrogen")
    fitting = dataclasses.replace(OUTCOMES[3], trl=9, asking_price_wan=10, city="西安", industry_chain="photonics")
    ranking = OutcomeIndex.build([fitting, relevant, *OUTCOMES[4:]]).rank(need, k=2, abstain=False)
    assert ranking.proposals[0].id == relevant.id


def test_need_index_ranks_needs_for_a_new_outcome() -> None:
    index = NeedIndex.build(NEEDS)
    assert index.rank(OUTCOMES[1], k=3, abstain=False).proposals[0].id == "n-sic"
    top = index.rank(OUTCOMES[0], k=3).proposals[0]
    assert top.id == "n-weld"
    assert top.parts["trl"] == 1.0  # outcome TRL 6 meets the need's minimum of 6
    assert top.parts["region"] == 1.0


def test_precomputed_tokens_are_used_instead_of_the_text() -> None:
    stored = [dataclasses.replace(o, tokens=tokens_for(o)) for o in OUTCOMES]
    same = OutcomeIndex.build(stored).rank(NEED["n-weld"], k=3, abstain=False)
    fresh = OutcomeIndex.build(OUTCOMES).rank(NEED["n-weld"], k=3, abstain=False)
    assert [p.id for p in same.proposals] == [p.id for p in fresh.proposals]
    assert [p.score for p in same.proposals] == pytest.approx([p.score for p in fresh.proposals])

    # Tokens of another text would change the word score: proof they are read.
    wrong = [dataclasses.replace(o, tokens="光纤光栅") for o in OUTCOMES]
    top = OutcomeIndex.build(wrong).rank(NEED["n-weld"], k=1, abstain=False).proposals[0]
    assert top.parts["text_word"] != pytest.approx(fresh.proposals[0].parts["text_word"])


def test_index_survives_a_pickle_round_trip(index: OutcomeIndex) -> None:
    restored = pickle.loads(pickle.dumps(index))
    assert restored.ids == index.ids == [o.id for o in OUTCOMES]
    before = index.rank(NEED["n-sic"], k=5)
    after = restored.rank(NEED["n-sic"], k=5)
    assert [(p.id, p.score) for p in after.proposals] == [(p.id, p.score) for p in before.proposals]
    assert after.proposals[0].explanation.to_dict() == before.proposals[0].explanation.to_dict()


def test_an_index_from_another_engine_format_refuses_to_load(index: OutcomeIndex) -> None:
    state = dict(index.__dict__, format_version=-1)
    stale = OutcomeIndex.__new__(OutcomeIndex)
    with pytest.raises(IncompatibleIndexError):
        stale.__setstate__(state)


def test_an_empty_index_abstains() -> None:
    ranking = OutcomeIndex.build([]).rank(NEED["n-weld"])
    assert ranking.abstained and ranking.proposals == []


def test_an_added_copy_of_a_candidate_lands_where_the_candidate_is() -> None:
    """add() places a new row in the LSA space of the build: a copy of a row gets that row's coordinates."""
    import dataclasses

    from matchmaker import bench

    outcomes, needs = bench.synthetic_corpus(300, 5, seed=5)
    index = OutcomeIndex.build(outcomes)
    assert index._lsa is not None
    copy = dataclasses.replace(outcomes[7], id="copy-of-7")
    index.add([copy])
    basis = index._lsa[0]
    original, added = index._row_of[outcomes[7].id], index._row_of["copy-of-7"]
    # The leading topics are exact; the randomised SVD's weakest components only approximately so.
    a, b = basis[added] * index._lsa[1], basis[original] * index._lsa[1]
    assert float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.99
    assert np.allclose(basis[added][:10], basis[original][:10], atol=1e-4)
    ranking = index.rank(dataclasses.replace(needs[0], title=outcomes[7].title), k=300, abstain=False)
    scores = {p.id: p.score for p in ranking.proposals}
    assert scores["copy-of-7"] == pytest.approx(scores[outcomes[7].id], rel=0.01)


def test_a_large_index_scores_only_the_candidate_pool_best_by_word_score() -> None:
    from matchmaker import bench
    from matchmaker.engine._select import best_rows
    from matchmaker.engine._tokenize import active_lexicon

    outcomes, needs = bench.synthetic_corpus(300, 6, seed=5)
    # `whole` scores every row in full, characters too.
    whole = OutcomeIndex.build(outcomes, MatchSettings(char_pool=len(outcomes)))
    pooled = OutcomeIndex.build(outcomes, dataclasses.replace(whole.settings, candidate_pool=40))
    compared = 0
    for need in needs:
        query = pooled._query(need)
        weights = pooled._expand(pooled._query_word_weights(query), active_lexicon())
        q = pooled._query_vector(weights)
        pool = {pooled.ids[i] for i in best_rows(pooled._word_scores(q.indices, q.data), pooled._alive, 40)}
        ranking = pooled.rank(need, k=20, abstain=False)
        assert ranking.proposals and {p.id for p in ranking.proposals} <= pool
        # Inside the pool, the same rows score as they do when every row is scored: the query's
        # LSA coordinates come from every row, not from the pool's.
        full = {p.id: p.parts for p in whole.rank(need, k=300, abstain=False).proposals}
        for p in ranking.proposals:
            if p.id in full:
                assert p.parts["text_char"] == pytest.approx(full[p.id]["text_char"], abs=1e-6)
                assert p.parts["text_lsa"] == pytest.approx(full[p.id]["text_lsa"], abs=1e-5)
                compared += 1
    assert compared > 20


def test_only_the_char_pool_best_by_word_and_lsa_score_get_character_scores() -> None:
    from matchmaker import bench

    outcomes, needs = bench.synthetic_corpus(300, 6, seed=5)
    pooled = OutcomeIndex.build(outcomes, dataclasses.replace(MatchSettings(), candidate_pool=40))
    narrow = OutcomeIndex.build(outcomes, dataclasses.replace(pooled.settings, char_pool=10))
    s = narrow.settings
    for need in needs:
        full = {p.id: p.parts for p in pooled.rank(need, k=40, abstain=False).proposals}
        parts = {p.id: p.parts for p in narrow.rank(need, k=40, abstain=False).proposals}
        assert len(parts) == len(full) == 40  # k covers the pool, so every pool row is listed
        partial = {
            i: (1 - s.lsa_weight) * s.word_weight * p["text_word"] + s.lsa_weight * p["text_lsa"]
            for i, p in parts.items()
        }
        best = set(sorted(partial, key=lambda i: -partial[i])[:10])
        assert {i for i, p in parts.items() if p["text_char"] > 0} == best
        for i in best:
            assert parts[i]["text_char"] == pytest.approx(full[i]["text_char"], abs=1e-6)
            assert parts[i]["text_lsa"] == full[i]["text_lsa"] and parts[i]["text_word"] == full[i]["text_word"]


def test_rank_many_on_several_threads_gives_each_need_its_own_ranking_in_order() -> None:
    from matchmaker import bench

    outcomes, needs = bench.synthetic_corpus(300, 24, seed=11)
    index = OutcomeIndex.build(outcomes, dataclasses.replace(MatchSettings(), candidate_pool=60))

    def summary(ranking: Ranking) -> tuple:
        return ranking.abstained, ranking.reason, [(p.id, p.score, p.parts) for p in ranking.proposals]

    one = [summary(index.rank(need, k=10)) for need in needs]
    assert [summary(r) for r in index.rank_many(needs, k=10, threads=1)] == one
    assert [summary(r) for r in index.rank_many(needs, k=10, threads=4)] == one
    assert len({tuple(p[0] for p in s[2]) for s in one}) > 10  # the needs differ, so order matters


def test_rows_keep_their_normalised_fields_and_a_query_normalises_no_candidate(monkeypatch) -> None:
    from matchmaker.engine import _index
    from matchmaker.engine._docs import doc_text, prepare

    index = OutcomeIndex.build(OUTCOMES)
    traditional = OUTCOMES[1]  # 碳化矽 … 模組
    title, abstract, keywords = index._texts[index._row_of[traditional.id]]
    whole = prepare(traditional)[0]
    assert "\n".join((title, abstract, keywords)) == whole and len(whole) == len(doc_text(traditional))
    assert "碳化硅" in title + abstract and "碳化矽" not in title + abstract

    def refuse(text: str) -> str:
        raise AssertionError(f"normalised a candidate again: {text[:20]}")

    need = NEED["n-sic"]
    normalized, tokens = prepare(need)
    stored = dataclasses.replace(need, tokens=tokens, normalized=normalized)
    monkeypatch.setattr(_index, "normalize", refuse)
    monkeypatch.setattr(_index, "_normalized", refuse)
    ranking = index.rank(stored, k=3, abstain=False)
    assert ranking.proposals[0].id == traditional.id
    assert ranking.signals["core_coverage"] > 0.5  # 碳化硅 found in the Traditional row's stored text


def test_a_row_whose_stored_normalised_text_does_not_fit_its_fields_is_normalised_whole() -> None:
    wrong = dataclasses.replace(OUTCOMES[1], tokens=tokens_for(OUTCOMES[1]), normalized="too short")
    index = OutcomeIndex.build([wrong, *OUTCOMES[2:]])
    title, abstract, _ = index._texts[0]
    assert "碳化硅" in title + abstract and len(title) == len(wrong.title) and len(abstract) == len(wrong.abstract)


@pytest.mark.parametrize("rows", [3, 300], ids=["too few for topics", "enough for topics"])
def test_a_library_without_a_single_term_builds_and_abstains(rows: int) -> None:
    # Punctuation only: no word token and no character n-gram in any row (a build used to raise
    # scikit-learn's "0 feature(s)", then an empty matrix's condition number in the LSA fit).
    index = OutcomeIndex.build([OutcomeDoc(id=i, title="！！", abstract="。。") for i in range(rows)])
    assert len(index) == rows and index._lsa is None
    ranking = index.rank(NeedDoc(id="n", title="碳化硅", description="封装"), k=3)
    assert ranking.abstained and not ranking.proposals
    index.add([OutcomeDoc(id=rows, title="？", abstract="")])
    assert len(index) == rows + 1


def test_a_library_of_two_terms_fits_topics_no_wider_than_its_terms() -> None:
    index = OutcomeIndex.build(
        [OutcomeDoc(id=i, title="碳化硅", abstract="封装" if i % 2 else "。") for i in range(300)]
    )
    assert index._lsa is not None
    assert index._lsa.basis.shape[1] < index._word.shape[1] + index._char_vec.idf_.shape[0]
    ranking = index.rank(NeedDoc(id="n", title="碳化硅", description="封装"), k=3, abstain=False)
    assert ranking.proposals and ranking.proposals[0].id % 2 == 1


def test_title_and_keyword_boosts_repeat_their_tokens_after_the_stored_ones() -> None:
    from matchmaker.engine import settings_with, split_tokens, tokenize
    from matchmaker.engine._docs import prepare

    doc = OutcomeDoc(id=1, title="碳化硅封装", abstract="功率模块的寿命评估", keywords=("烧结银",))
    normalized, stored = prepare(doc)
    index = OutcomeIndex(settings_with({"title_boost": 3, "keyword_boost": 2}))
    word_docs, _, _ = index._candidate_rows([dataclasses.replace(doc, tokens=stored, normalized=normalized)])
    assert split_tokens(word_docs[0]) == split_tokens(stored) + tokenize("碳化硅封装") * 2 + tokenize("烧结银")


@pytest.mark.parametrize("boosts", [{}, {"title_boost": 3, "keyword_boost": 2}], ids=["plain", "boosted"])
def test_a_build_from_stored_tokens_counts_what_the_row_loop_gives(boosts) -> None:
    """Without boosts the word part is counted from the stored tokens beside the row loop; with
    them, from the loop's boosted rows: either way the rows `_candidate_rows` gives."""
    from matchmaker.engine import settings_with
    from matchmaker.engine._vectors import word_tfidf

    settings = settings_with(boosts)
    docs = [dataclasses.replace(o, tokens=tokens_for(o)) for o in OUTCOMES]
    index = OutcomeIndex.build(docs, settings)
    word_docs, _, _ = OutcomeIndex(settings)._candidate_rows(docs)
    expected, weights = word_tfidf(word_docs)
    assert index._word_vec.vocabulary_ == weights.vocabulary_
    assert (index._word != expected).nnz == 0
