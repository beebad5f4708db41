"""Named reads about technology managers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from brokers.models import TechnologyManager


def valid_manager_for(user: AbstractBaseUser | AnonymousUser) -> TechnologyManager | None:
    """The user's manager profile if it is in force today, else None."""
    if not user.is_authenticated:
        return None
    manager = TechnologyManager.objects.filter(user=user).first()
    return manager if manager is not None and manager.is_valid() else None
