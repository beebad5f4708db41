"""rematch_all's shards run on two real Celery worker processes (Redis, PostgreSQL) and give the
single-process result."""

from __future__ import annotations

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from matchmaker import services, tasks
from matchmaker.models import Match
from needs.models import Need
from tests import live
from tests.factories import InstitutionFactory, NeedFactory, OutcomeFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

OUTCOMES = [
    ("激光-电弧复合焊接铝合金气孔抑制", "激光-电弧复合热源焊接铝合金，优化保护气体，焊缝气孔率降低80%。"),
    ("钛合金高压冷却切削技术", "钛合金车削刀具磨损和粘刀，采用高压射流冷却，刀具寿命提高2倍。"),
    ("燃料电池双极板耐蚀涂层", "钛双极板表面导电耐蚀涂层，接触电阻低，PEM燃料电池寿命延长。"),
    ("猕猴桃溃疡病生物防治菌剂", "拮抗芽孢杆菌对猕猴桃溃疡病菌抑制率达85%，田间防效显著。"),
]
NEEDS = [
    ("电池托盘焊缝气孔多", "铝合金电池托盘激光焊，焊缝气孔超标。"),
    ("钛合金刀具磨损快", "钛合金车削刀具磨损严重，粘刀，需要冷却方案。"),
    ("双极板腐蚀", "PEM燃料电池金属双极板腐蚀，接触电阻升高。"),
    ("猕猴桃溃疡病", "果园猕猴桃溃疡病发病重，需要生物防治。"),
    ("铝合金焊接气孔", "激光焊铝合金气孔多，气密不合格。"),
    ("刀具寿命短", "钛合金零件切削刀具寿命短，成本高。"),
]


def _pairings():
    return sorted(Match.objects.values_list("need_id", "outcome_id", "status", "score", "rank"))


@pytest.fixture
def corpus():
    institution = InstitutionFactory(city="西安")
    rows = [OutcomeFactory(institution=institution, title=t, abstract=a, keywords=[]) for t, a in OUTCOMES]
    needs = [NeedFactory(title=t, description=d) for t, d in NEEDS]
    for row in [*rows, *needs]:
        services.text_prepare(row)
    return needs


def test_two_workers_share_the_rematch_shards_and_agree_with_one_process(corpus):
    live.require_postgres()
    url = live.broker_url()
    assert celery_app.conf.broker_url == url
    # The single-process result, computed in the test process.
    for need in Need.objects.open():
        services.match_refresh_for_need(need=need)
    single = _pairings()
    started = timezone.now()
    celery_app.conf.task_always_eager = False
    try:
        with live.celery_worker(url, name="shard-a"), live.celery_worker(url, name="shard-b"):
            logs = [live.ROOT / "data" / f"celery-{name}.log" for name in ("shard-a", "shard-b")]
            assert live.wait_for(lambda: all("ready" in p.read_text() for p in logs), timeout=90)
            # Enqueues one match_needs task per shard (the index rebuild runs here, before).
            result = tasks.rematch_all(shard_size=1)
            assert result == {"queued": len(NEEDS), "shards": len(NEEDS)}
            done = live.wait_for(
                lambda: Need.objects.filter(last_matched_at__gte=started).count() == len(NEEDS), timeout=120
            )
            assert done, "the workers did not re-match every need; see data/celery-shard-*.log"
            worked = [p.read_text().count("matchmaker.tasks.match_needs") for p in logs]
    finally:
        celery_app.conf.task_always_eager = True
    assert all(n > 0 for n in worked), f"one worker took no shard: {worked}"
    assert _pairings() == single
