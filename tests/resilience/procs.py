"""Processes the fault tests start, stop and kill: a private Redis, celery beat, worker children.

Every process here belongs to the test that started it, so stopping or killing it never
disturbs the shared Redis on 6379 or another test's worker.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.loadtest.server import celery
from tests import live

LOG_DIR = live.ROOT / "data"


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def spare_port(first: int = 6391, last: int = 6450) -> int:
    """A port nothing listens on, from a range kept clear of the shared Redis."""
    for port in range(first, last):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no spare port in {first}–{last}")


class RedisServer:
    """A throw-away redis-server on its own port, without persistence: a restart starts empty."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            live._unavailable("needs the redis-server program to start a private Redis")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not live.wait_for(lambda: _port_open(self.port), timeout=10, interval=0.05):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: the broker vanishes without a goodbye, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        assert live.wait_for(lambda: not _port_open(self.port), timeout=10, interval=0.05)


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(spare_port(), workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def celery_beat(broker: str, workdir: Path, *, extra_env: dict[str, str] | None = None, name: str = "beat"):
    """A real `celery beat` process with its schedule file in `workdir`; yields the Popen."""
    log = (LOG_DIR / f"celery-{name}.log").open("w")
    args = ("beat", "--loglevel=INFO", f"--schedule={workdir / 'beat-schedule'}", f"--pidfile={workdir / 'beat.pid'}")
    proc = celery(*args, env=live.worker_env(broker, extra_env), stdout=log)
    try:
        yield proc
    finally:
        live.stop(proc)
        log.close()


def worker_log(name: str) -> str:
    path = LOG_DIR / f"celery-{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def wait_ready(*names: str, timeout: float = 60) -> None:
    ok = live.wait_for(lambda: all(" ready." in worker_log(n) for n in names), timeout=timeout)
    assert ok, f"workers {names} did not start; see data/celery-*.log"


def received(name: str, task: str) -> list[str]:
    """Ids of `task` messages the worker `name` received, in order."""
    return re.findall(rf"Task {re.escape(task)}\[([0-9a-f-]+)\] received", worker_log(name))


def succeeded(name: str, task: str) -> list[str]:
    """Ids of `task` runs the worker `name` finished (needs TASK_LOG_LEVEL=INFO)."""
    return re.findall(rf"Task {re.escape(task)}\[([0-9a-f-]+)\] succeeded", worker_log(name))


def pool_children(pid: int) -> list[int]:
    """The prefork pool processes of a worker (its direct children)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def sigkill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def wait_gone(pid: int, timeout: float = 10) -> bool:
    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A killed child stays a zombie until its parent reaps it: dead all the same.
        stat = Path(f"/proc/{pid}/stat")
        return stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z"

    return live.wait_for(gone, timeout=timeout, interval=0.05)
