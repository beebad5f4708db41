"""Periodic work on technology managers."""

from __future__ import annotations

from celery import shared_task

from brokers import services
from brokers.models import TechnologyManager


@shared_task
def recompute_star_levels() -> int:
    """Recompute every manager's stars from the record (daily)."""
    count = 0
    for manager in TechnologyManager.objects.all():
        services.manager_rate(manager=manager)
        count += 1
    return count
