"""Command line of the load test: python -m core.loadtest --help (see core/loadtest/__init__.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from core import loadtest
from core.loadtest.server import celery_workers, free_port, gunicorn, tail

# High enough that the throttles never answer 429 during the run; set for the load test's server only.
UNTHROTTLED = "1000000/minute"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m core.loadtest",
        description=loadtest.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--requests", type=int, default=3000, help="stop after this many timed requests (default 3000)")
    p.add_argument("--duration", type=float, default=60, help="or after this many seconds (default 60)")
    p.add_argument("--concurrency", "-c", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--workers", "-w", type=int, default=2, help="gunicorn worker processes (default 2)")
    p.add_argument("--outcomes", type=int, default=2000, help="synthetic outcomes added to the demo library")
    p.add_argument("--database-url", default=None, help="default: $DATABASE_URL, else a throwaway SQLite file")
    p.add_argument("--celery-workers", type=int, default=1, help="Celery workers started when CELERY_BROKER_URL is set")
    p.add_argument("--drain-timeout", type=float, default=120, help="seconds to wait for created needs to be matched")
    p.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workdir", default=None, help="data folder (SQLite file, index, logs); default: a temporary one")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object on the last line")
    return p


def _log(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr, flush=True)


def server_env(workdir: Path, database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off) on loopback, with a secret made for this run."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback: there is no TLS proxy in front to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="0",
        MATCHMAKER_DATA_DIR=str(workdir),
        DATABASE_URL=database_url,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    return env


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database the URL names when it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"] or "postgres"}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            _log(f"created PostgreSQL database {db['NAME']}")


def _throttle_env() -> dict[str, str]:
    """THROTTLE_<SCOPE> for every throttle scope the settings define (config/settings/base.py reads these)."""
    from django.conf import settings

    scopes = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return {f"THROTTLE_{scope.upper()}": UNTHROTTLED for scope in scopes}


def _drain(need_ids: list[int], timeout: float) -> tuple[int, float]:
    """Wait until every created need was matched (by a worker, or in-process); (matched, seconds waited)."""
    from core.loadtest import data

    start = time.monotonic()
    left = data.unmatched(need_ids)
    while left and time.monotonic() - start < timeout:
        time.sleep(0.25)
        left = data.unmatched(need_ids)
    return len(need_ids) - left, round(time.monotonic() - start, 2)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    database_url = args.database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'load.sqlite3'}"
    env = server_env(workdir, database_url)
    broker = env.get("CELERY_BROKER_URL", "")
    # This process prepares the database on the settings the server uses, with its tasks in-process
    # (the demo rows are prepared and matched before the clock starts, whatever the broker).
    os.environ.update(env)
    os.environ.pop("CELERY_BROKER_URL", None)
    if database_url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(database_url)

    import django

    django.setup()
    from django.db import connection, connections

    from core.demo_loader import DEMO_PASSWORD
    from core.loadtest import client, data, report

    started = time.monotonic()
    fixture = data.prepare(args.outcomes)
    vendor = connection.vendor
    _log(f"{vendor} ready in {time.monotonic() - started:.1f} s: {fixture.outcomes} outcomes, {fixture.needs} needs")
    env.update(_throttle_env())
    connections.close_all()

    workers: AbstractContextManager[object] = nullcontext()
    if not broker:
        tasks = "in-process (no broker: inside the request)"
    else:
        tasks = f"celery, {args.celery_workers} worker process(es) on {broker.split('@')[-1]}"
        if args.celery_workers > 0:
            workers = celery_workers(env=env, count=args.celery_workers, log=workdir / "celery.log")

    port = free_port()
    with workers, gunicorn(env=env, port=port, workers=args.workers, log=workdir / "gunicorn.log") as base:
        _log(f"gunicorn with {args.workers} worker(s) answers on {base}")
        users = [fixture.manager, *fixture.enterprise_members]
        tokens = asyncio.run(client.login(base, users, DEMO_PASSWORD))
        mix = client.Mix(fixture, tokens, seed=args.seed)
        warm = asyncio.run(client.warm_up(base, mix, per_kind=2 * args.workers, timeout=args.timeout))
        _log(f"warmed up ({len(warm.samples)} requests); load: {args.requests} requests or {args.duration:.0f} s")
        load_before = os.getloadavg()[0]
        load = asyncio.run(
            client.load(
                base,
                mix,
                concurrency=args.concurrency,
                requests=args.requests,
                seconds=args.duration,
                timeout=args.timeout,
            )
        )
        load_after = os.getloadavg()[0]
        created = warm.created_need_ids + load.created_need_ids
        matched, drained = _drain(created, args.drain_timeout)
        connections.close_all()

    failed = [s for s in [*warm.samples, *load.samples] if not s.ok]
    return {
        "database": vendor,
        "tasks": tasks,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        # The machine's 1-minute load average when the timed phase began and ended: others' work shows here.
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "outcomes": fixture.outcomes,
        "needs": fixture.needs,
        **report.summarize(load.samples, load.seconds),
        "warmup_requests": len(warm.samples),
        "warmup_errors": sum(not s.ok for s in warm.samples),
        "needs_created": len(created),
        "needs_matched": matched,
        "drain_s": drained,
        "error_samples": [s.detail for s in failed[:5]],
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args, workdir)
        ok = not result["errors"] and not result["warmup_errors"] and result["needs_matched"] == result["needs_created"]
        if not ok:
            for name in ("gunicorn.log", "celery.log"):
                if (workdir / name).exists():
                    _log(f"last lines of {name}:\n{tail(workdir / name)}")
        from core.loadtest.report import table

        print(table(result))
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        return 0 if ok else 1
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
