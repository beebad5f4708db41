"""A real gunicorn serving the project on a free loopback port, against the live test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests import live

ROOT = live.ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(workdir: Path, *, workers: int = 2, name: str = "fuzz") -> Iterator[str]:
    """Serve config.wsgi with DEBUG off on 127.0.0.1; yields the base URL, e.g. http://127.0.0.1:5123."""
    port = free_port()
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
    log_path = ROOT / "data" / f"server-{name}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=120",
            "--graceful-timeout=5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
            try:
                # The first schema request builds the schema: seconds, not milliseconds.
                if requests.get(f"{base}/api/schema/", timeout=60).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 120 s; see {log_path}")
            time.sleep(0.3)
        yield base
    finally:
        live.stop(proc)
        log.close()


def log_tail(name: str = "fuzz", lines: int = 60) -> str:
    path = ROOT / "data" / f"server-{name}.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
