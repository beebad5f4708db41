"""Matching through the database: proposals, idempotent re-runs, decided rows, abstention, lexicon additions."""

from __future__ import annotations

import pytest

from matchmaker import engine, index_store, services, tasks
from matchmaker.documents import outcome_doc
from matchmaker.models import IndexBuild, LexiconSynonym, Match
from needs.models import Need
from outcomes.models import Outcome
from outcomes.services import outcome_create
from tests.factories import InstitutionFactory, NeedFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

CORPUS = [
    (
        "激光-电弧复合热源焊接铝合金气孔抑制工艺",
        "采用激光-电弧复合热源焊接6系铝合金，优化保护气体与熔池流动，焊缝气孔率降低80%，气密合格率提升。",
    ),
    ("钛合金高压冷却切削技术", "针对钛合金车削刀具磨损和粘刀，采用高压射流冷却与微量润滑，刀具寿命提高2倍。"),
    ("猕猴桃溃疡病生物防治菌剂", "筛选拮抗芽孢杆菌，对猕猴桃溃疡病菌抑制率达85%，田间防效显著。"),
    ("质子交换膜燃料电池双极板涂层", "在钛双极板表面制备导电耐蚀涂层，接触电阻低，PEM燃料电池寿命延长。"),
    ("矿井巷道三维激光扫描建模", "基于移动激光雷达对巷道进行三维扫描，变形监测精度毫米级。"),
]


@pytest.fixture
def outcomes(django_capture_on_commit_callbacks):
    institution = InstitutionFactory(city="西安")
    with django_capture_on_commit_callbacks(execute=True):
        rows = [
            OutcomeFactory(institution=institution, title=title, abstract=abstract, keywords=[])
            for title, abstract in CORPUS
        ]
    for row in rows:
        tasks.prepare_outcome_text(row.pk)
    return rows


def _need(**kwargs) -> Need:
    need = NeedFactory(
        title=kwargs.pop("title", "电池托盘焊缝气孔多"),
        description=kwargs.pop("description", "铝合金电池托盘激光焊，焊缝气孔超标，气密检测一次通过率只有88%。"),
        **kwargs,
    )
    tasks.prepare_need_text(need.pk)
    need.refresh_from_db()
    return need


def test_it_proposes_the_outcome_that_solves_the_need_first(outcomes):
    need = _need()
    top = Match.objects.filter(need=need, source=Match.Source.NEED).order_by("rank").first()
    assert top is not None and top.outcome == outcomes[0]
    assert top.status == Match.Status.PROPOSED
    assert top.rank == 1 and 0 < top.score <= 1
    assert {"text", "industry", "trl", "price", "region"} <= set(top.parts)
    assert any(t["term"] for t in top.explanation["terms"])
    assert top.explanation["outcome_spans"]["title"], "the review page needs spans to highlight"
    need.refresh_from_db()
    assert need.match_state == Need.MatchState.PROPOSED


def test_it_refreshes_proposals_without_duplicating_them(outcomes):
    need = _need()
    first = list(Match.objects.filter(need=need).values_list("outcome_id", "score").order_by("outcome_id"))
    services.match_refresh_for_need(need=need)
    services.match_refresh_for_need(need=need)
    again = list(Match.objects.filter(need=need).values_list("outcome_id", "score").order_by("outcome_id"))
    assert first == again


def test_it_never_touches_a_pairing_a_person_decided(outcomes):
    need = _need()
    top = Match.objects.filter(need=need).order_by("rank").first()
    Match.objects.filter(pk=top.pk).update(status=Match.Status.REJECTED, score=0.0123, rank=99)
    # The need changes so much that the decided outcome would no longer be proposed.
    need.title, need.description = "猕猴桃溃疡病防治", "果园猕猴桃溃疡病发病重，需要生物防治办法。"
    need.save()
    tasks.prepare_need_text(need.pk)
    decided = Match.objects.get(pk=top.pk)
    assert (decided.status, decided.score, decided.rank) == (Match.Status.REJECTED, 0.0123, 99)
    new_top = Match.objects.filter(need=need, status=Match.Status.PROPOSED).order_by("rank").first()
    assert new_top.outcome == outcomes[2]


def test_it_abstains_when_no_outcome_is_credible(outcomes):
    need = _need(title="外卖骑手排班优化", description="我们想优化外卖骑手的排班和薪酬结算流程，降低人力成本。")
    assert not Match.objects.filter(need=need, source=Match.Source.NEED).exists()
    need.refresh_from_db()
    assert need.match_state == Need.MatchState.NO_CREDIBLE_MATCH
    assert need.match_state_reason


def test_a_new_outcome_is_matched_against_open_needs(outcomes, django_capture_on_commit_callbacks):
    need = _need(title="燃料电池双极板腐蚀", description="PEM燃料电池金属双极板腐蚀后接触电阻升高，电堆衰减快。")
    closed = _need(title="双极板涂层", description="燃料电池双极板耐蚀导电涂层。", status=Need.Status.CLOSED)
    # Registered through the service, as the API does: preparation and matching follow on commit.
    with django_capture_on_commit_callbacks(execute=True):
        outcome = outcome_create(
            institution=outcomes[0].institution,
            created_by=None,
            external_id="NEW-1",
            title="不锈钢双极板碳基耐蚀涂层",
            abstract="在不锈钢双极板表面沉积碳基涂层，质子交换膜燃料电池中腐蚀电流密度降低两个数量级。",
            industry_chain="hydrogen",
            trl=5,
        )
    pairing = Match.objects.filter(outcome=outcome, need=need).first()
    assert pairing is not None and pairing.status == Match.Status.PROPOSED
    assert not Match.objects.filter(outcome=outcome, need=closed).exists()


@pytest.fixture
def incremental(monkeypatch):
    """Apply changes incrementally even to this small library, as to a province-sized one."""
    monkeypatch.setattr(index_store, "INCREMENTAL_MIN_DOCS", 0)


def test_index_is_rebuilt_when_an_outcome_is_withdrawn_from_a_small_library(outcomes):
    _need()
    builds = IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count()
    outcomes[0].status = "withdrawn"
    outcomes[0].save()
    need = _need(title="铝合金焊缝气孔", description="激光焊铝合金焊缝气孔多。")
    assert IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count() > builds
    assert not Match.objects.filter(need=need, outcome=outcomes[0]).exists()


def test_a_withdrawn_outcome_leaves_the_index_without_a_full_rebuild(outcomes, incremental):
    _need()
    builds = IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count()
    outcomes[0].status = "withdrawn"
    outcomes[0].save()
    need = _need(title="铝合金焊缝气孔", description="激光焊铝合金焊缝气孔多。")
    assert IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count() == builds
    assert not Match.objects.filter(need=need, outcome=outcomes[0]).exists()


def test_a_new_outcome_is_matchable_by_the_next_need_without_a_full_rebuild(
    outcomes, incremental, django_capture_on_commit_callbacks
):
    _need()
    builds = IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = outcome_create(
            institution=outcomes[0].institution,
            created_by=None,
            external_id="NEW-2",
            title="猕猴桃溃疡病噬菌体防治",
            abstract="分离猕猴桃溃疡病菌噬菌体，制成防治制剂，果园溃疡病发病率下降。",
            industry_chain="dryland_agriculture",
            trl=5,
        )
    need = _need(title="猕猴桃溃疡病", description="猕猴桃溃疡病发病重，需要噬菌体或生物防治办法。")
    assert Match.objects.filter(need=need, outcome=outcome, status=Match.Status.PROPOSED).exists()
    assert IndexBuild.objects.filter(kind=IndexBuild.Kind.OUTCOMES).count() == builds


def test_the_full_rebuild_after_incremental_changes_equals_a_build_from_scratch(outcomes, incremental):
    _need()
    OutcomeFactory(institution=outcomes[0].institution, title="钛合金切削冷却", abstract="高压冷却车削钛合金。")
    for row in Outcome.objects.filter(text_prepared_at__isnull=True):
        services.text_prepare(row)
    incremental = index_store.current_outcome_index()
    assert len(incremental) == Outcome.objects.available().count()
    rebuilt = index_store.current_index(index_store.build_index(IndexBuild.Kind.OUTCOMES).kind)
    docs = [outcome_doc(o) for o in index_store.indexed_outcomes().select_related("institution")]
    scratch = engine.OutcomeIndex.build(docs)
    query = engine.NeedDoc(id="q", title="钛合金刀具磨损", description="钛合金车削刀具磨损快，需要冷却方案。")
    got = rebuilt.rank(query, k=5, abstain=False).proposals
    want = scratch.rank(query, k=5, abstain=False).proposals
    assert [(p.id, p.score, p.parts) for p in got] == [(p.id, p.score, p.parts) for p in want]
    assert rebuilt.ids == scratch.ids


def test_operators_synonyms_are_used_by_the_next_preparation(outcomes):
    LexiconSynonym.objects.create(variant="铝焊", canonical="铝合金焊接")
    need = _need(title="铝焊问题", description="铝焊质量不稳定。")
    assert "铝合金焊接" in engine.split_tokens(need.tokens)


def test_rematch_all_rebuilds_and_rematches_every_open_need(outcomes):
    need = _need()
    Match.objects.filter(need=need).update(status=Match.Status.RETRACTED)
    Need.objects.filter(pk=need.pk).update(match_state=Need.MatchState.PENDING)
    result = tasks.rematch_all()
    assert result["queued"] == Need.objects.open().count()
    assert Match.objects.filter(need=need, status=Match.Status.PROPOSED).exists()


def _pairings():
    return sorted(Match.objects.values_list("need_id", "outcome_id", "status", "score", "rank"))


def test_sharded_rematch_equals_the_single_process_result(outcomes):
    _need()
    _need(title="钛合金刀具磨损快", description="钛合金车削刀具磨损严重，粘刀，需要冷却润滑方案。")
    _need(title="双极板腐蚀", description="PEM燃料电池双极板腐蚀，接触电阻升高。")
    for need in Need.objects.open():
        services.match_refresh_for_need(need=need)
    single = _pairings()
    assert tasks.rematch_all(shard_size=1)["shards"] == 3
    assert _pairings() == single
    assert tasks.rematch_all(shard_size=1000)["shards"] == 1
    assert _pairings() == single


def test_the_sweep_matches_needs_whose_task_was_lost(outcomes):
    need = _need()
    Match.objects.filter(need=need).update(status=Match.Status.RETRACTED)
    Need.objects.filter(pk=need.pk).update(match_state=Need.MatchState.PENDING)
    assert tasks.sweep_unmatched() >= 1
    assert Match.objects.filter(need=need, status=Match.Status.PROPOSED).exists()


def test_proposals_far_below_the_best_are_not_put_before_a_manager(outcomes, settings):
    settings.MATCHMAKER_MIN_SCORE_RATIO = 1.0
    need = _need()
    proposed = Match.objects.filter(need=need, source=Match.Source.NEED, status=Match.Status.PROPOSED)
    assert proposed.count() == 1
    assert proposed.get().outcome == outcomes[0]


def test_within_the_freshness_window_a_process_reuses_its_index_but_sees_its_own_writes(
    outcomes, settings, django_assert_max_num_queries
):
    from matchmaker import index_store

    settings.MATCHMAKER_INDEX_FRESHNESS_MS = 60_000
    index_store.current_outcome_index()
    with django_assert_max_num_queries(0):
        index_store.current_outcome_index()  # no freshness queries inside the window
    withdrawn = outcomes[0]
    withdrawn.status = "withdrawn"
    withdrawn.save()
    tasks.prepare_outcome_text(withdrawn.pk)  # this process's own write marks the index stale
    need = _need(title="铝合金焊缝气孔", description="激光焊铝合金焊缝气孔多。")
    assert not Match.objects.filter(need=need, outcome=withdrawn, status=Match.Status.PROPOSED).exists()
