"""A real gunicorn serving the project on a free loopback port, against the live test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.loadtest import server as loadtest_server
from tests import live

ROOT = live.ROOT


@contextmanager
def gunicorn(workdir: Path, *, workers: int = 2, name: str = "fuzz") -> Iterator[str]:
    """Serve config.wsgi with DEBUG off on 127.0.0.1; yields the base URL, e.g. http://127.0.0.1:5123."""
    env = {
        **os.environ,
        # The test settings (fast password hashing, in-process tasks, generous throttles) with DEBUG off,
        # so errors are answered the way production answers them.
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "fuzz-server-secret-key-0123456789abcdef0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": live.test_database_url(),
        "MATCHMAKER_DATA_DIR": str(workdir),
        "MATCHMAKER_INDEX_DIR": str(workdir / "index"),
        "IMPORT_DIR": str(workdir / "imports"),
        "LOG_LEVEL": "WARNING",
    }
    # Tasks run in-process inside the server: no worker of another test may pick them up.
    env.pop("CELERY_BROKER_URL", None)
    log = _log_path(name)
    log.unlink(missing_ok=True)
    # The load test's launcher: free loopback port, wait until it answers, stop on exit.
    with loadtest_server.gunicorn(
        env=env, port=loadtest_server.free_port(), workers=workers, log=log, timeout=120
    ) as base:
        yield base


def _log_path(name: str) -> Path:
    return ROOT / "data" / f"server-{name}.log"


def log_tail(name: str = "fuzz", lines: int = 60) -> str:
    return loadtest_server.tail(_log_path(name), lines)
