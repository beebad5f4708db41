"""The load test's database: migrations, demo data, a synthetic outcome library, the rows the mix reads.

Runs in the load tool's own process, with Django set up on the same settings and database the
server will use, before gunicorn starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

SYNTHETIC_INSTITUTION = "loadtest-library"
SYNTHETIC_PREFIX = "LT-"


@dataclass
class Fixture:
    """What the request mix needs to know about the database it runs against."""

    manager: str
    enterprise_members: dict[str, str]  # username → enterprise code
    open_need_ids: list[int]
    all_need_ids: list[int]
    matched_need_ids: list[int]
    need_templates: list[dict[str, Any]]
    outcomes: int
    available_outcomes: int
    needs: int
    chains: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)


def prepare(synthetic_outcomes: int) -> Fixture:
    """Migrate, load the demo data (idempotent), top the library up to N synthetic outcomes, build the indexes."""
    from django.core.management import call_command

    from core.demo_loader import load_demo
    from matchmaker import index_store

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    add_synthetic_outcomes(synthetic_outcomes)
    # Built once here, so every web and worker process loads the artifact instead of building its own.
    index_store.build_index("outcomes")
    index_store.build_index("needs")
    return describe()


def add_synthetic_outcomes(count: int) -> int:
    """Store the first `count` outcomes of the benchmark's seeded corpus as prepared rows; returns how many were new."""
    if count <= 0:
        return 0
    from django.utils import timezone

    from matchmaker import engine
    from matchmaker.bench import CITIES, synthetic_corpus
    from matchmaker.lexicon_sync import sync_lexicon
    from outcomes.models import Institution, Outcome

    institution, _ = Institution.objects.get_or_create(
        code=SYNTHETIC_INSTITUTION, defaults={"name": "负载测试成果库", "kind": "institute", "city": CITIES[0]}
    )
    have = set(
        institution.outcomes.filter(external_id__startswith=SYNTHETIC_PREFIX).values_list("external_id", flat=True)
    )
    docs = [d for d in synthetic_corpus(count, 0)[0] if f"{SYNTHETIC_PREFIX}{d.id}" not in have]
    lexicon = sync_lexicon()
    start = timezone.now() - timedelta(days=1)
    rows = []
    for i, doc in enumerate(docs):
        row = Outcome(
            institution=institution,
            external_id=f"{SYNTHETIC_PREFIX}{doc.id}",
            title=doc.title[:200],
            abstract=doc.abstract,
            keywords=list(doc.keywords),
            industry_chain=doc.industry_chain or "new_materials",
            trl=doc.trl or 5,
            asking_price_wan=None if doc.asking_price_wan is None else Decimal(str(doc.asking_price_wan)),
        )
        # What text preparation stores, computed here rather than by one task per row.
        row.normalized_text, row.tokens = engine.prepare_text(row.matching_text())
        row.tokens_lexicon = lexicon
        # Distinct times, as rows prepared one by one have (the index applies changes after its newest mark).
        row.text_prepared_at = start + timedelta(microseconds=i)
        rows.append(row)
    Outcome.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def describe() -> Fixture:
    """The accounts, needs and texts the request mix uses, read from the database."""
    from brokers.models import TechnologyManager
    from core.taxonomy import industry_chain_choices
    from matchmaker.models import Match
    from needs.models import EnterpriseMembership, Need
    from outcomes.models import Outcome

    manager = next(
        m.user.username
        for m in TechnologyManager.objects.select_related("user").order_by("pk")
        if m.is_valid() and m.user.is_active
    )
    members: dict[str, str] = {}
    for membership in EnterpriseMembership.objects.select_related("user", "enterprise").order_by("pk"):
        members.setdefault(membership.user.username, membership.enterprise.code)
    needs = Need.objects.order_by("pk")
    templates = list(
        # Demo needs, not the ones earlier load runs posted (those have an author).
        needs.filter(status=Need.Status.OPEN, created_by__isnull=True).values(
            "title", "description", "industry_chain", "city", "budget_wan", "min_trl", "cooperation_modes"
        )[:50]
    )
    return Fixture(
        manager=manager,
        enterprise_members=members,
        open_need_ids=list(needs.filter(status=Need.Status.OPEN).values_list("pk", flat=True)[:200]),
        all_need_ids=list(needs.values_list("pk", flat=True)[:200]),
        matched_need_ids=list(Match.objects.order_by().values_list("need_id", flat=True).distinct()[:200]),
        need_templates=templates,
        outcomes=Outcome.objects.count(),
        available_outcomes=Outcome.objects.available().count(),
        needs=needs.count(),
        chains=sorted({t["industry_chain"] for t in templates}) or [c for c, _ in industry_chain_choices()][:5],
        cities=sorted({t["city"] for t in templates}),
    )


def unmatched(need_ids: list[int]) -> int:
    """How many of these needs no matcher run has reached yet."""
    from needs.models import Need

    return Need.objects.filter(pk__in=need_ids, last_matched_at__isnull=True).count()
