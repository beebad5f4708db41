"""A worker SIGKILLed in the middle of `rematch_all` or of an import: another worker redoes the work.

Two ways a worker dies, both tested on real Celery workers (Redis, PostgreSQL):
- "child": the prefork process running the task is killed; the worker's parent sees the loss and
  puts the message back at once (task_acks_late + task_reject_on_worker_lost).
- "whole": the whole worker is killed (solo pool, one process); nobody is left to put the message
  back, so Redis hands it to the other worker once CELERY_VISIBILITY_TIMEOUT has passed.
Either way the database ends with every pairing and every imported row exactly once.
"""

from __future__ import annotations

import subprocess

import pytest
from django.db import transaction
from django.db.models import Count

from imports import services as import_services
from imports.bench import write_synthetic_csv
from imports.models import ImportJob
from matchmaker import index_store, services, tasks
from matchmaker.models import Match, MatchEvent
from needs.models import Need
from outcomes.models import Outcome
from tests import live
from tests.factories import InstitutionFactory, NeedFactory, OutcomeFactory
from tests.resilience import procs
from tests.resilience.conftest import publishing_to

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "TASK_LOG_LEVEL": "INFO",
    # Small chunks: an import of a few hundred rows commits many times, so it can be caught midway.
    "IMPORT_CHUNK_SIZE": "5",
}
# "whole" mode only: short enough for a test to wait out, and still longer than any task here
# takes on a busy two-core machine (a shorter one hands running tasks out a second time).
WHOLE_WORKER_ENV = {"CELERY_VISIBILITY_TIMEOUT": "20", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}
MODES = ["child", "whole"]

TOPICS = [
    ("激光-电弧复合焊接铝合金气孔抑制", "激光电弧复合热源焊接铝合金，优化保护气体，焊缝气孔率降低"),
    ("钛合金高压冷却切削技术", "钛合金车削刀具磨损和粘刀，采用高压射流冷却，刀具寿命提高"),
    ("燃料电池双极板耐蚀涂层", "钛双极板表面导电耐蚀涂层，接触电阻低，PEM燃料电池寿命延长"),
    ("猕猴桃溃疡病生物防治菌剂", "拮抗芽孢杆菌对猕猴桃溃疡病菌抑制率高，田间防效显著"),
    ("碳化硅功率模块银烧结封装", "纳米银烧结替代焊料，碳化硅模块焊层空洞少，可靠性提高"),
]
NEED_TEXTS = [
    ("电池托盘焊缝气孔多", "铝合金电池托盘激光焊，焊缝气孔超标，气密不合格"),
    ("钛合金刀具磨损快", "钛合金车削刀具磨损严重，粘刀，需要冷却方案"),
    ("双极板腐蚀", "PEM燃料电池金属双极板腐蚀，接触电阻升高"),
    ("猕猴桃溃疡病", "果园猕猴桃溃疡病发病重，需要生物防治"),
    ("功率模块焊层空洞", "SiC功率模块焊层空洞率高，热阻大，需要新封装工艺"),
]


def _workers(url: str, mode: str):
    """Two workers, a and b; in "whole" mode each is one process (solo pool) so one kill ends it."""
    pool = "solo" if mode == "whole" else "prefork"
    env = {**WORKER_ENV, **(WHOLE_WORKER_ENV if mode == "whole" else {})}
    a = live.celery_worker(url, name=f"kill-{mode}-a", extra_env=env, pool=pool)
    b = live.celery_worker(url, name=f"kill-{mode}-b", extra_env=env, pool=pool)
    return a, b


def _kill(proc: subprocess.Popen, mode: str) -> None:
    if mode == "whole":
        procs.sigkill(proc.pid)
        proc.wait(timeout=10)
        return
    children = procs.pool_children(proc.pid)
    assert len(children) == 1, f"expected one pool process, found {children}"
    procs.sigkill(children[0])
    assert procs.wait_gone(children[0])


def _in_flight(name: str, task: str) -> list[str]:
    done = set(procs.succeeded(name, task))
    return [t for t in procs.received(name, task) if t not in done]


def _redone_elsewhere(killed: str, task: str, mode: str, names: tuple[str, str]) -> bool:
    """The killed run finished later: in "whole" mode on the other worker, else on either."""
    victim, other = names
    where = [other] if mode == "whole" else [victim, other]
    return any(killed in procs.succeeded(n, task) for n in where)


# --- rematch_all ----------------------------------------------------------------------------------


def _pairings() -> list[tuple]:
    return sorted(Match.objects.values_list("need_id", "outcome_id", "status", "score", "rank"))


@pytest.fixture
def market(live_services):
    institution = InstitutionFactory(city="西安")
    for i in range(3):
        for title, abstract in TOPICS:
            row = OutcomeFactory(institution=institution, title=f"{title}{i}", abstract=f"{abstract}{10 * i + 20}%。")
            services.text_prepare(row)
    for i in range(4):
        for title, description in NEED_TEXTS:
            services.text_prepare(NeedFactory(title=f"{title}{i}", description=f"{description}，批次{i}。"))
    # What one process makes of the market, rolled back: the workers start from a clean slate.
    with transaction.atomic():
        for need in Need.objects.open():
            services.match_refresh_for_need(need=need)
        single = _pairings()
        transaction.set_rollback(True)
    index_store.forget_loaded()
    assert single, "the corpus should produce pairings"
    assert not Match.objects.exists()
    return single


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_killed_during_rematch_all_leaves_every_pairing_once(market, private_redis, mode):
    url = private_redis.url
    names = (f"kill-{mode}-a", f"kill-{mode}-b")
    task = "matchmaker.tasks.match_needs"
    needs = Need.objects.open().count()
    a, b = _workers(url, mode)
    with a as victim, publishing_to(url):
        procs.wait_ready(names[0])
        # Two shards of ten: a shard whose worker has the index loaded runs about 0.3 s (30 ms a
        # need), leaving a quarter of a second after its first write for the kill, which is polled
        # every 20 ms. A shard of four ended about 90 ms after its first write, and once in CI the
        # kill came after it (no WorkerLostError).
        tasks.rematch_all.delay(shard_size=10)
        # Kill a while it is inside a shard: it took one, and that shard has begun writing. b starts
        # only after the kill, so every write seen here is a's (with b running from the start, b's
        # first write once let the kill land before a's child had begun its shard).
        caught = live.wait_for(
            lambda: bool(_in_flight(names[0], task)) and Need.objects.exclude(last_matched_at=None).exists(),
            timeout=40,
            interval=0.02,
        )
        assert caught, "worker a never ran a shard; see data/celery-kill-*.log"
        _kill(victim, mode)
        killed = _in_flight(names[0], task)
        assert killed, "the shard finished before the kill landed"
        with b:
            procs.wait_ready(names[1])
            done = live.wait_for(
                lambda: not Need.objects.open().filter(match_state=Need.MatchState.PENDING).exists(), timeout=40
            )
            assert done, "the killed shard's needs were never matched; see data/celery-kill-*.log"
            redone = live.wait_for(lambda: _redone_elsewhere(killed[0], task, mode, names), timeout=20)

    assert redone, f"shard {killed[0]} was not redone"
    if mode == "child":
        assert "WorkerLostError" in procs.worker_log(names[0])
    assert Need.objects.open().count() == needs
    assert _pairings() == market, "the pairings differ from a clean single-process run"
    per_pair = Match.objects.values("need_id", "outcome_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_pair.exists()
    events = MatchEvent.objects.filter(kind=MatchEvent.Kind.PROPOSED).values("match_id").annotate(n=Count("id"))
    assert sorted(e["n"] for e in events) == [1] * Match.objects.count(), "a pairing was proposed twice"


# --- import -----------------------------------------------------------------------------------------

ROWS = 150


@pytest.fixture
def upload(live_services, tmp_path):
    institution = InstitutionFactory(code="kill-inst")
    path = write_synthetic_csv(tmp_path / "outcomes.csv", ROWS)
    return institution, path


def _queue_import(path) -> ImportJob:
    with transaction.atomic():
        job = import_services.import_job_create(
            kind=ImportJob.Kind.OUTCOMES,
            owner_code="kill-inst",
            file_name="outcomes.csv",
            chunks=[path.read_bytes()],
            created_by=None,
        )
        import_services.import_job_queue(job)
    return job


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_killed_during_an_import_leaves_every_row_once(upload, private_redis, mode):
    institution, path = upload
    url = private_redis.url
    names = (f"kill-{mode}-a", f"kill-{mode}-b")
    task = "imports.tasks.run_import"
    a, b = _workers(url, mode)
    with a as worker_a, b as worker_b, publishing_to(url):
        procs.wait_ready(*names)
        job = _queue_import(path)

        def running_midway() -> bool:
            row = ImportJob.objects.get(pk=job.pk)
            return row.status == ImportJob.Status.RUNNING and 50 <= row.rows_done < ROWS

        assert live.wait_for(running_midway, timeout=40, interval=0.01), "the import was never caught midway"
        holder = next((i for i, n in enumerate(names) if _in_flight(n, task)), None)
        assert holder is not None, "no worker holds the import"
        victim, survivor = (worker_a, worker_b) if holder == 0 else (worker_b, worker_a)
        order = (names[holder], names[1 - holder])
        _kill(victim, mode)
        killed = _in_flight(order[0], task)
        assert killed, "the import finished before the kill landed"
        midway = ImportJob.objects.get(pk=job.pk)
        assert midway.status == ImportJob.Status.RUNNING and midway.rows_done < ROWS

        finished = live.wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished(), timeout=45)
        assert finished, "nobody finished the import; see data/celery-kill-*.log"
        assert live.wait_for(lambda: _redone_elsewhere(killed[0], task, mode, order), timeout=10)
        assert survivor.poll() is None
        if mode == "child":
            assert "WorkerLostError" in procs.worker_log(order[0])

        # Rows whose chunk committed just before the kill may have lost their preparation task;
        # the periodic sweep (as beat would queue it) picks them up.
        tasks.sweep_unprepared.delay()
        prepared = live.wait_for(
            lambda: not Outcome.objects.filter(institution=institution, text_prepared_at=None).exists(), timeout=40
        )

    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportJob.Status.DONE, job.error_message
    assert job.rows_done == ROWS and job.failed_count == 0
    # The rerun finds the killed run's rows already there and leaves them as they are.
    assert job.created_count + job.unchanged_count == ROWS
    rows = Outcome.objects.filter(institution=institution)
    assert rows.count() == ROWS
    assert rows.values("external_id").distinct().count() == ROWS
    assert prepared, "some imported rows were never prepared"
