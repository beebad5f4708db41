"""The load tool runs end to end with a tiny budget and reports zero errors; its timings go in docs/load.md, not here.

A run migrates a fresh database, loads the demo data and boots gunicorn (40–80 s on a busy 2-core
machine), too slow for `make test`: the two runs are `live` and happen in the services pass (CI's
live run). The request mix and the figures are checked here without a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.loadtest import client, report
from core.loadtest.data import Fixture
from tests.live import ROOT, broker_url, require_postgres

TOP_KEYS = {
    "database",
    "tasks",
    "workers",
    "concurrency",
    "cpus",
    "load_average",
    "outcomes",
    "needs",
    "requests",
    "errors",
    "duration_s",
    "throughput_rps",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "kinds",
    "warmup_requests",
    "warmup_errors",
    "needs_created",
    "needs_matched",
    "drain_s",
    "error_samples",
}
KIND_KEYS = {"count", "errors", "p50_ms", "p99_ms", "max_ms"}


def _load_tool(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.loadtest",
            "--requests",
            "20",
            "--workers",
            "1",
            "--concurrency",
            "2",
            "--json",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_clean_run(result: dict) -> None:
    assert set(result) == TOP_KEYS
    assert set(result["kinds"]) == set(client.KINDS)
    assert all(set(figures) == KIND_KEYS for figures in result["kinds"].values())
    assert result["requests"] == 20 and result["errors"] == 0 and result["warmup_errors"] == 0
    assert result["error_samples"] == []
    assert sum(f["count"] for f in result["kinds"].values()) == 20
    # Warm-up posts needs too (two per gunicorn worker), and every need posted was matched.
    assert result["needs_created"] >= 2 and result["needs_matched"] == result["needs_created"]
    assert result["throughput_rps"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


@pytest.mark.live
def test_the_load_tool_on_the_sqlite_default_reports_zero_errors() -> None:
    broker_url()  # only where the live tests run (see the module docstring); this run uses no broker
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")
    }
    result = _load_tool(env, "--outcomes", "0")
    _assert_clean_run(result)
    assert result["database"] == "sqlite" and result["tasks"].startswith("in-process")
    assert result["outcomes"] == 40 and result["needs"] == 30  # the demo data alone


@pytest.mark.live
def test_the_load_tool_on_postgresql_with_a_celery_worker_reports_zero_errors() -> None:
    require_postgres()
    broker = broker_url()
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_load"
    url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=url, CELERY_BROKER_URL=broker)
    try:
        result = _load_tool(env, "--outcomes", "60", "--celery-workers", "1")
    finally:
        _drop_database(name)
    _assert_clean_run(result)
    assert result["database"] == "postgresql" and result["tasks"].startswith("celery, 1 worker")
    assert result["outcomes"] == 100  # the demo's 40 and 60 synthetic ones


def _drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
    }
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _fixture() -> Fixture:
    template = {
        "title": "钛合金刀具寿命",
        "description": "粘刀严重",
        "industry_chain": "titanium_metals",
        "city": "宝鸡",
    }
    return Fixture(
        manager="mgr",
        enterprise_members={"alice": "ACME", "bob": "BETA"},
        open_need_ids=[1, 2],
        all_need_ids=[1, 2, 3],
        matched_need_ids=[2],
        need_templates=[{**template, "budget_wan": None, "min_trl": 5, "cooperation_modes": ["licence"]}],
        outcomes=100,
        available_outcomes=90,
        needs=3,
        chains=["titanium_metals"],
        cities=["宝鸡"],
    )


def test_the_mix_sends_every_kind_as_the_role_allowed_to_and_posts_needs_for_the_posters_own_enterprise() -> None:
    tokens = {"mgr": "t-mgr", "alice": "t-alice", "bob": "t-bob"}
    mix = client.Mix(_fixture(), tokens, seed=1)
    calls = [mix.call(mix.any_kind()) for _ in range(400)]
    assert {c.kind for c in calls} == set(client.KINDS)
    for call in calls:
        if call.kind in ("need_matches", "analytics_funnel"):
            assert call.token == "t-mgr"
        if call.kind == "need_detail" and call.token != "t-mgr":
            assert call.path in ("/api/v1/needs/1/", "/api/v1/needs/2/")  # open needs only
        if call.kind == "need_create":
            assert (call.method, call.expect) == ("POST", 201)
            assert (call.token, call.body["enterprise"]) in (("t-alice", "ACME"), ("t-bob", "BETA"))
            assert call.body["status"] == "open" and "budget_wan" not in call.body
        if call.kind == "preview":
            assert call.method == "POST" and call.token is not None and call.body["text"].startswith("钛合金")
    titles = [c.body["title"] for c in calls if c.kind == "need_create"]
    assert len(set(titles)) == len(titles)  # every posted need is a new row
    again = client.Mix(_fixture(), tokens, seed=1)
    assert [again.call(again.any_kind()).path for _ in range(50)] == [c.path for c in calls[:50]]


def test_the_figures_count_errors_and_leave_failed_requests_out_of_the_latencies() -> None:
    samples = [client.Sample("preview", 200, float(ms)) for ms in range(1, 101)]
    samples.append(client.Sample("preview", 503, 9999.0, "POST /api/v1/match/preview/ → 503"))
    result = report.summarize(samples, seconds=10.0)
    assert result["requests"] == 101 and result["errors"] == 1 and result["throughput_rps"] == 10.1
    assert result["kinds"]["preview"] == {"count": 101, "errors": 1, "p50_ms": 50.5, "p99_ms": 99.0, "max_ms": 100.0}
    assert result["kinds"]["needs_list"]["count"] == 0
