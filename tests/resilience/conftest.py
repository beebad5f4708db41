"""Fixtures of the fault tests: real services, and the test process's Celery app aimed at them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from kombu import pools

from config.celery import app as celery_app
from tests import live
from tests.resilience import procs


def _reset_producer_pools() -> None:
    # The app and kombu cache broker connections and producers per URL; a private Redis on a
    # reused port must not inherit connections to the one killed before it.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Tasks queued by this process (on_commit, .delay) go to the broker at `url`, not in-process."""
    conf = celery_app.conf
    # Publishing uses broker_write_url; the broker_url property prefers $CELERY_BROKER_URL.
    saved = conf.get("broker_write_url"), conf.task_always_eager
    _reset_producer_pools()
    conf["broker_write_url"] = url
    conf.task_always_eager = False
    try:
        assert celery_app.connection_for_write().as_uri(include_password=True) == url
        yield
    finally:
        _reset_producer_pools()
        conf["broker_write_url"], conf.task_always_eager = saved


@pytest.fixture
def live_services() -> str:
    """PostgreSQL and the shared Redis, or a skip (a failure with REQUIRE_SERVICES=1)."""
    live.require_postgres()
    return live.broker_url()


@pytest.fixture
def private_redis(live_services, tmp_path) -> Iterator[procs.RedisServer]:
    """A Redis of this test's own: nothing queued by another test, and free to be killed."""
    with procs.redis_server(tmp_path) as server:
        yield server
