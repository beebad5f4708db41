"""Deployment checks of our own, run by `manage.py check --deploy` next to Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def shared_cache_for_limits(app_configs, **kwargs) -> list[Warning]:
    """Throttle and lock-out counters must be shared by every web process (docs/security.md)."""
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per process, so request limits and the login lock-out count "
                "separately in each web process.",
                hint="Set CACHE_URL=redis://… (see .env.example and docs/security.md).",
                id="core.W001",
            )
        ]
    return []
