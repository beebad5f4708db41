"""Time the analytics on a platform-sized database: 106,000 outcomes and 100,000 pairings.

    DATABASE_URL=sqlite:////tmp/mm_analytics_bench.sqlite3 python -m analytics.bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mm_analytics_bench python -m analytics.bench

The database must be a throwaway one: its name has to contain "bench" (PostgreSQL's is created
when missing). Rows are bulk-created directly (no matcher, no text preparation) on the first run
and reused afterwards (`--reseed` starts over). Each figure, API endpoint and page is then timed:
the median of `--runs` runs, with its number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager

OUTCOMES, PAIRINGS, NEEDS, ENTERPRISES, MANAGERS, EVENT_DEALS = 106_000, 100_000, 20_000, 2_000, 200, 3_000
CHUNK = 5_000
CITIES = ["西安", "宝鸡", "咸阳", "渭南", "铜川", "延安", "榆林", "汉中", "安康", "商洛", "杨凌"]
# Where outcomes are made: mostly 西安, as in the seed report.
ORIGIN_WEIGHTS = [60, 6, 6, 3, 1, 2, 3, 3, 1, 1, 14]
STATUS_WEIGHTS = {
    "proposed": 50, "retracted": 5, "rejected": 20, "approved": 10,
    "contacted": 6, "negotiating": 4, "signed": 3, "closed": 2,
}  # fmt: skip


def _setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url:
        sys.exit("Set DATABASE_URL to a throwaway database whose name contains 'bench'.")
    if url.startswith("postgres"):
        _create_postgres_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _create_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def _explicit_timestamps(*fields):
    """Let bulk_create keep the timestamps we give instead of stamping "now" (auto_now_add)."""
    saved = [(f, f.auto_now_add) for f in fields]
    for f, _ in saved:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in saved:
            f.auto_now_add = value


def seed(rng: random.Random) -> None:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from brokers.models import TechnologyManager
    from core.taxonomy import industry_chains
    from matchmaker.models import Match, MatchEvent
    from needs.models import Enterprise, Need
    from outcomes.models import Institution, Outcome
    from tests.factories import valid_uscc

    chains = [c.code for c in industry_chains()]
    start = timezone.make_aware(dt.datetime(2024, 1, 1, 9))
    today = dt.date.today()
    User = get_user_model()
    t0 = time.perf_counter()
    with transaction.atomic():
        institutions = Institution.objects.bulk_create(
            Institution(code=f"b-inst-{i}", name=f"基准高校{i}", kind="university", city=CITIES[i % len(CITIES)])
            for i in range(60)
        )
        by_city = {c: [i for i in institutions if i.city == c] for c in CITIES}
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(
                code=f"b-ent-{i}",
                name=f"基准企业{i}",
                credit_code=valid_uscc(900_000 + i),
                city=CITIES[(i * 7) % len(CITIES)],
                industry_chain=chains[i % len(chains)],
            )
            for i in range(ENTERPRISES)
        )
        needs = Need.objects.bulk_create(
            (
                Need(
                    enterprise=(e := enterprises[i % ENTERPRISES]),
                    title=f"基准需求{i}",
                    description="基准",
                    industry_chain=e.industry_chain,
                    city=e.city,
                )
                for i in range(NEEDS)
            ),
            batch_size=CHUNK,
        )
        users = User.objects.bulk_create(User(username=f"b-mgr-{i}", first_name=f"经理{i}") for i in range(MANAGERS))
        managers = TechnologyManager.objects.bulk_create(
            TechnologyManager(
                user=u,
                certificate_number=f"B-{i:05d}",
                certified_on=today - dt.timedelta(days=400),
                valid_until=today + dt.timedelta(days=400),
                star_level=rng.randint(1, 5),
                star_components={"conversion": 0.3, "precision": 0.9, "speed": 0.6},
            )
            for i, u in enumerate(users)
        )
        with _explicit_timestamps(Outcome._meta.get_field("created_at")):
            outcomes: list = []
            for lo in range(0, OUTCOMES, CHUNK):
                outcomes += Outcome.objects.bulk_create(
                    Outcome(
                        institution=rng.choice(by_city[rng.choices(CITIES, ORIGIN_WEIGHTS)[0]]),
                        external_id=f"B{n:06d}",
                        title=f"基准成果{n}",
                        abstract="基准",
                        industry_chain=chains[n % len(chains)],
                        trl=1 + n % 9,
                        created_at=start + dt.timedelta(minutes=7 * n),
                    )
                    for n in range(lo, min(lo + CHUNK, OUTCOMES))
                )
        print(f"  outcomes, needs, managers: {time.perf_counter() - t0:.1f} s", flush=True)
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        deal_rows: list[tuple[int, str, dt.datetime, dt.datetime]] = []
        with _explicit_timestamps(Match._meta.get_field("created_at")):
            for lo in range(0, PAIRINGS, CHUNK):
                batch = []
                for n in range(lo, min(lo + CHUNK, PAIRINGS)):
                    outcome = outcomes[n]  # one pairing per outcome index: (need, outcome) stays unique
                    status = rng.choices(statuses, weights)[0]
                    created = outcome.created_at + dt.timedelta(hours=rng.randint(1, 24 * 30))
                    manager = managers[rng.randrange(MANAGERS)]
                    decided = created + dt.timedelta(hours=rng.randint(2, 24 * 8))
                    is_decided = status not in ("proposed", "retracted")
                    batch.append(
                        Match(
                            need=needs[(n * 7) % NEEDS],
                            outcome=outcome,
                            status=status,
                            score=rng.random(),
                            rank=1,
                            assigned_to=manager,
                            assigned_at=created,
                            decided_by=manager if is_decided else None,
                            decided_at=decided if is_decided else None,
                            created_at=created,
                        )
                    )
                for match in Match.objects.bulk_create(batch):
                    if (
                        match.status in ("contacted", "negotiating", "signed", "closed")
                        and len(deal_rows) < EVENT_DEALS
                    ):
                        deal_rows.append((match.pk, match.status, match.decided_at, match.created_at))
        print(f"  + pairings: {time.perf_counter() - t0:.1f} s", flush=True)
        path = {
            "contacted": ["contacted"],
            "negotiating": ["contacted", "negotiating"],
            "signed": ["contacted", "negotiating", "signed"],
            "closed": ["contacted", "closed"],
        }
        events = []
        for match_id, status, decided_at, _created in deal_rows:
            when = decided_at
            events.append(
                MatchEvent(match_id=match_id, kind="approved", from_status="proposed", to_status="approved", at=when)
            )
            previous = "approved"
            for stage in path[status]:
                when = when + dt.timedelta(hours=rng.randint(12, 24 * 20))
                events.append(
                    MatchEvent(match_id=match_id, kind="stage", from_status=previous, to_status=stage, at=when)
                )
                previous = stage
        with _explicit_timestamps(MatchEvent._meta.get_field("at")):
            MatchEvent.objects.bulk_create(events, batch_size=CHUNK)
        print(f"  + {len(events)} audit rows: {time.perf_counter() - t0:.1f} s", flush=True)


def _timed(label: str, call, runs: int) -> tuple[str, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm-up: caches, page cache
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
    return label, statistics.median(times) * 1000, min(times) * 1000, len(queries)


def measure(runs: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from analytics.filters import Filters
    from analytics.selectors import funnel, manager_league, regional_flows
    from brokers.models import TechnologyManager
    from matchmaker.models import Match, MatchEvent
    from outcomes.models import Institution, Outcome

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    staff, _ = get_user_model().objects.get_or_create(username="b-staff", defaults={"is_staff": True})
    page, api = Client(), APIClient()
    page.force_login(staff)
    api.force_authenticate(staff)
    xian = Institution.objects.filter(city="西安").first()
    manager = TechnologyManager.objects.order_by("pk").first()
    narrowed = Filters(industry_chain="hydrogen", city="西安")

    def ok(response):
        assert response.status_code == 200, response.status_code

    cases = [
        ("funnel()", lambda: funnel(Filters())),
        ("funnel(chain + city)", lambda: funnel(narrowed)),
        ("funnel(institution + manager)", lambda: funnel(Filters(institution=xian, manager=manager))),
        ("regional_flows()", lambda: regional_flows(Filters())),
        ("manager_league()", lambda: manager_league(Filters())),
        ("GET /api/v1/analytics/funnel/", lambda: ok(api.get("/api/v1/analytics/funnel/"))),
        ("GET /api/v1/analytics/regional-flows/", lambda: ok(api.get("/api/v1/analytics/regional-flows/"))),
        ("GET /api/v1/analytics/managers/", lambda: ok(api.get("/api/v1/analytics/managers/"))),
        ("page /analytics/funnel/", lambda: ok(page.get("/analytics/funnel/"))),
        ("page /analytics/regional-flows/", lambda: ok(page.get("/analytics/regional-flows/"))),
        ("page /analytics/managers/", lambda: ok(page.get("/analytics/managers/"))),
        ("CSV /analytics/managers.csv", lambda: ok(page.get("/analytics/managers.csv"))),
    ]
    print(
        f"{connection.vendor}: {Outcome.objects.count():,} outcomes, {Match.objects.count():,} pairings, "
        f"{MatchEvent.objects.count():,} audit rows, {TechnologyManager.objects.count():,} managers; "
        f"median of {runs} runs"
    )
    print(f"{'what':40} {'median ms':>10} {'min ms':>8} {'queries':>8}")
    for label, median, fastest, queries in (_timed(label, call, runs) for label, call in cases):
        print(f"{label:40} {median:10.1f} {fastest:8.1f} {queries:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reseed", action="store_true", help="empty the bench database and seed it again")
    args = parser.parse_args()
    _setup()
    from django.core.management import call_command

    from outcomes.models import Outcome

    call_command("migrate", verbosity=0)
    if args.reseed:
        call_command("flush", interactive=False, verbosity=0)
    if Outcome.objects.count() < OUTCOMES:
        if Outcome.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
        print("seeding (bulk_create in chunks of 5,000)…", flush=True)
        seed(random.Random(6))
    from django.db import connection

    # Fresh planner statistics, as autovacuum would have after a bulk load; without them PostgreSQL
    # guesses one row per join and picks nested loops.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure(args.runs)


if __name__ == "__main__":
    main()
