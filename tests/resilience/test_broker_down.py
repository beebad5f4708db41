"""Broker down: a need created while Redis is gone is saved, and matched once Redis is back.

Nobody acts in between: the beat's sweep finds the row whose task was never queued. The
live test runs a private redis-server (so killing it disturbs nobody), a real worker and a
real `celery beat` on a two-second sweep.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from unittest import mock

import pytest
from django.db.models import Count
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework.test import APIClient

from matchmaker import services, tasks
from matchmaker.models import Match, MatchEvent
from needs.models import Need
from tests import live
from tests.factories import EnterpriseFactory, InstitutionFactory, OutcomeFactory, add_enterprise_member
from tests.resilience import procs
from tests.resilience.conftest import publishing_to

OUTCOMES = [
    ("激光-电弧复合焊接铝合金气孔抑制", "激光-电弧复合热源焊接铝合金，优化保护气体，焊缝气孔率降低80%。"),
    ("钛合金高压冷却切削技术", "钛合金车削刀具磨损和粘刀，采用高压射流冷却，刀具寿命提高2倍。"),
    ("燃料电池双极板耐蚀涂层", "钛双极板表面导电耐蚀涂层，接触电阻低，PEM燃料电池寿命延长。"),
]
NEED = {
    "enterprise": "down-ent",
    "title": "电池托盘焊缝气孔多",
    "description": "铝合金电池托盘激光焊接，焊缝气孔超标，气密检测通过率低，需要新工艺。",
    "industry_chain": "new_energy_vehicles",
    "city": "西安",
}


@pytest.fixture
def corpus(db):
    institution = InstitutionFactory(city="西安")
    for title, abstract in OUTCOMES:
        services.text_prepare(OutcomeFactory(institution=institution, title=title, abstract=abstract, keywords=[]))
    enterprise = EnterpriseFactory(code="down-ent")
    client = APIClient()
    client.force_authenticate(add_enterprise_member(enterprise, "down-alice"))
    return client


def _assert_matched_once(need: Need) -> None:
    matches = Match.objects.filter(need=need)
    assert matches.exists(), "the need was not matched"
    dupes = matches.values("outcome_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes, f"a pairing was stored twice: {list(dupes)}"
    proposed = MatchEvent.objects.filter(match__need=need, kind=MatchEvent.Kind.PROPOSED)
    assert proposed.count() == matches.count(), "a pairing was proposed more than once"


# --- without services: the API path when publishing raises ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_need_is_saved_when_queueing_its_task_fails_and_the_sweep_matches_it(corpus):
    with mock.patch.object(
        tasks.prepare_need_text, "delay", side_effect=BrokerUnavailable("Error 111 connecting. Connection refused.")
    ) as delay:
        response = corpus.post("/api/v1/needs/", NEED, format="json")
    assert delay.called, "the API did not try to queue the need's preparation"
    assert response.status_code == 201, response.content
    need = Need.objects.get(pk=response.json()["id"])
    assert need.text_prepared_at is None and need.match_state == Need.MatchState.PENDING

    # What beat runs every MATCHMAKER_SWEEP_SECONDS (tasks in-process here).
    assert tasks.sweep_unprepared() == 1
    need.refresh_from_db()
    assert need.text_prepared_at is not None
    assert need.match_state != Need.MatchState.PENDING
    _assert_matched_once(need)
    # Later sweeps find nothing left to do, and a stale queued copy changes nothing.
    matched_at = need.last_matched_at
    assert tasks.sweep_unprepared() == 0 and tasks.sweep_unmatched() == 0
    tasks.prepare_need_text(need.pk, if_unprepared=True)
    assert tasks.match_need(need.pk, if_pending=True) == {"need": need.pk, "skipped": "already_matched"}
    need.refresh_from_db()
    assert need.last_matched_at == matched_at
    _assert_matched_once(need)


def _publish_quietly() -> None:
    with contextlib.suppress(BrokerUnavailable):
        tasks.match_need.delay(0)


@pytest.fixture
def hung_broker():
    """A port that accepts connections and never answers: a Redis frozen mid-failover."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.mark.django_db(transaction=True)
def test_a_hung_broker_does_not_hold_the_request_that_creates_a_need(corpus, hung_broker):
    # Before the socket timeouts were set, a publish here waited forever: try one in a thread
    # first, so a regression fails the test instead of hanging it.
    with publishing_to(hung_broker):
        probe = threading.Thread(target=_publish_quietly, daemon=True)
        probe.start()
        probe.join(timeout=8)
        assert not probe.is_alive(), "a publish to a hung broker does not time out"
        started = time.monotonic()
        response = corpus.post("/api/v1/needs/", NEED, format="json")
        elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert Need.objects.filter(pk=response.json()["id"], text_prepared_at=None).exists()
    assert elapsed < 4, f"the request waited {elapsed:.1f} s on a hung broker"


def test_rematch_on_a_dead_broker_is_503_json_not_a_stack_trace(world):
    client = world.client("enterprise_member")
    with mock.patch.object(tasks.match_need, "delay", side_effect=BrokerUnavailable("Connection refused.")):
        response = client.post(f"/api/v1/needs/{world.need.pk}/rematch/")
    assert response.status_code == 503
    assert response.json()["detail"]


# --- live: a real Redis killed and restarted, a real worker and beat ----------------------------------


def _match_runs(need_id: int) -> int:
    """match_need runs for this need that scored it (not the sweep's skipped copies)."""
    log = procs.worker_log("down-worker")
    return len(re.findall(rf"match_need\[[0-9a-f-]+\] succeeded in [0-9.]+s: {{'need': {need_id}, 'proposed'", log))


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_need_created_while_redis_is_down_is_matched_by_the_sweep_once_it_is_back(
    corpus, live_services, tmp_path, caplog
):
    extra = {"TASK_LOG_LEVEL": "INFO", "MATCHMAKER_SWEEP_SECONDS": "2"}
    with (
        procs.redis_server(tmp_path) as redis,
        live.celery_worker(redis.url, name="down-worker", extra_env=extra),
        procs.celery_beat(redis.url, tmp_path, extra_env=extra, name="down-beat"),
        publishing_to(redis.url),
    ):
        procs.wait_ready("down-worker")
        redis.kill()

        started = time.monotonic()
        response = corpus.post("/api/v1/needs/", NEED, format="json")
        elapsed = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert elapsed < 3, f"the API waited {elapsed:.1f} s on the dead broker"
        lost = [r for r in caplog.records if "on_commit" in r.getMessage() and r.exc_info]
        assert lost and isinstance(lost[0].exc_info[1], BrokerUnavailable), "queueing should have failed"
        need_id = response.json()["id"]
        need = Need.objects.get(pk=need_id)
        assert need.text_prepared_at is None, "nothing can have prepared the need without a broker"

        time.sleep(3)  # the worker and beat find the broker gone
        assert Need.objects.get(pk=need_id).match_state == Need.MatchState.PENDING
        redis.start()  # same port, empty: whatever was queued before is gone too

        matched = live.wait_for(lambda: Need.objects.get(pk=need_id).match_state != Need.MatchState.PENDING, timeout=45)
        assert matched, "the need was not matched after Redis came back; see data/celery-down-*.log"
        # A few more sweeps: they must find nothing to redo.
        time.sleep(5)
        sweeps = procs.succeeded("down-worker", "matchmaker.tasks.sweep_unprepared")

    need = Need.objects.get(pk=need_id)
    assert need.text_prepared_at is not None
    assert len(sweeps) >= 3, "beat did not run the sweep repeatedly"
    assert _match_runs(need_id) == 1, "the need was scored more than once"
    _assert_matched_once(need)
