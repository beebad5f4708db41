"""Load test: the platform behind gunicorn on loopback, under a bounded mixed load.

    python -m core.loadtest [--requests 3000] [--duration 60] [--concurrency 8] [--workers 2]
                            [--outcomes 2000] [--celery-workers 1] [--json]

It prepares a database (a throwaway SQLite file, or the PostgreSQL database DATABASE_URL names,
created when missing), loads the demo data and N synthetic outcomes, starts gunicorn with
production settings on 127.0.0.1 and a free port (throttle rates raised for its run only), warms
every worker, then sends a weighted mix of API requests from C concurrent clients until the
request count or the time budget runs out, whichever comes first. With CELERY_BROKER_URL set the
tasks queued by need creation go to that broker and real Celery workers are started; without it
they run in-process, inside the request. The figures (throughput, p50/p99 per request kind and
overall, errors) are printed as a table, and with --json as one JSON object on the last line.
docs/load.md records what it sustained on this machine.
"""
