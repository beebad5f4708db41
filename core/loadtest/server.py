"""gunicorn and Celery worker processes for the load test: started on loopback, waited for, stopped."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    """A TCP port nobody listens on at this moment (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """Terminate a service process, killing it if it has not stopped within `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()  # gunicorn and celery both shut down gracefully on SIGTERM
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def gunicorn(*, env: dict[str, str], port: int, workers: int, log: Path, timeout: int = 60) -> Iterator[str]:
    """gunicorn serving config.wsgi on 127.0.0.1:`port`; yields its base URL once it answers."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--timeout={timeout}",
        "--graceful-timeout=10",
        f"--error-logfile={log}",
        "--log-level=warning",
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, f"{url}/api/v1/", log)
        yield url
    finally:
        stop(proc)


def _wait_ready(proc: subprocess.Popen, url: str, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{tail(log)}")


def celery(*args: str, env: dict[str, str], stdout: Any) -> subprocess.Popen:
    """A `celery -A config <args>` process (worker or beat) started from the project root."""
    command = [sys.executable, "-m", "celery", "-A", "config", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.STDOUT)


def worker_args(*, name: str, concurrency: int = 1, pool: str = "prefork", loglevel: str = "WARNING") -> list[str]:
    """The arguments of one worker: no gossip or mingle, which only slow a small cluster's start."""
    return [
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={name}@%h",
    ]


@contextmanager
def celery_workers(*, env: dict[str, str], count: int, log: Path) -> Iterator[list[subprocess.Popen]]:
    """`count` real Celery worker processes (one task at a time each) on the broker in `env`."""
    procs: list[subprocess.Popen] = []
    try:
        with log.open("ab") as out:
            for n in range(count):
                procs.append(celery(*worker_args(name=f"loadtest{n}"), env=env, stdout=out))
        yield procs
    finally:
        for proc in procs:
            stop(proc)
