"""The one authentication backend: Django's model backend behind the login lock-out (core/lockout.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core import lockout


class LockoutModelBackend(ModelBackend):
    """Refuses a locked username before its password is checked; counts each failed password.

    Every login path (the page, the API token login, the admin) goes through authenticate(), so
    they share one count and one lock.
    """

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        name = str(username).strip()
        if lockout.locked_for(name):
            # Stops authenticate() here: no other backend is asked, the password is not checked.
            raise PermissionDenied("login locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lockout.record_failure(name)
        else:
            lockout.record_success(name)
        return user
