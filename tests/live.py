"""Helpers for tests that need real PostgreSQL, Redis and a Celery worker.

On a bare machine such tests skip with the reason; with REQUIRE_SERVICES=1 (CI) a
missing service fails them instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from core.loadtest.server import celery, stop, worker_args

ROOT = Path(__file__).resolve().parent.parent


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: set DATABASE_URL=postgres://... (the suite is on SQLite)")


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        _unavailable("needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    if not _reachable(url, 6379):
        _unavailable(f"Redis at {url} is not reachable")
    return url


def test_database_url() -> str:
    """The URL of the database pytest-django created for this run, for a worker process."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(broker: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a Celery process (worker or beat) on the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "live-test-worker-secret-key-0123456789abcdef",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker,
        **(extra_env or {}),
    }


@contextmanager
def celery_worker(
    broker: str,
    *,
    concurrency: int = 1,
    name: str = "live",
    extra_env: dict[str, str] | None = None,
    pool: str = "prefork",
):
    """A real `celery worker` process on the test database; yields the Popen."""
    log = (ROOT / "data" / f"celery-{name}.log").open("w")
    args = worker_args(name=name, concurrency=concurrency, pool=pool, loglevel="INFO")
    proc = celery(*args, env=worker_env(broker, extra_env), stdout=log)
    try:
        yield proc
    finally:
        stop(proc)
        log.close()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
