"""Request-rate limits: per user and per client address, for login, match preview and import.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env THROTTLE_*) and are read on every
request, so a settings override takes effect at once. Counters live in the default cache, which in
production must be Redis (CACHE_URL) so every web process shares them. The client address is
REMOTE_ADDR unless REST_FRAMEWORK["NUM_PROXIES"] (env NUM_PROXIES) says how many reverse proxies
append to X-Forwarded-For; with 0 a client cannot dodge the limit by sending that header.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def username_of(request: Any) -> str:
    """The username a login request submits ("" when none): DRF's parsed data or the page form."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    if not isinstance(data, Mapping):
        return ""
    value = data.get("username")
    return value.strip() if isinstance(value, str) else ""


def hashed(text: str) -> str:
    """A fixed-length cache-key part for any text (usernames may hold spaces or any script)."""
    return hashlib.sha256(text.casefold().encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _SettingsRateThrottle(SimpleRateThrottle, ABC):
    """A throttle whose rate is looked up by `scope` at request time (not at import time)."""

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}") from None

    @abstractmethod
    def ident_of(self, request: Any) -> str | None:
        """What the rate is counted per (an address, a username, a user id); None: not throttled."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        ident = self.ident_of(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(_SettingsRateThrottle):
    """Counts every request from one client address, whoever is logged in."""

    def ident_of(self, request: Any) -> str | None:
        return self.get_ident(request) or "unknown"


class UserRateThrottle(_SettingsRateThrottle):
    """Counts a logged-in user's requests from any address (anonymous: by address)."""

    def ident_of(self, request: Any) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"addr-{self.get_ident(request) or 'unknown'}"


class LoginAddressThrottle(AddressRateThrottle):
    scope = "login"


class LoginUsernameThrottle(_SettingsRateThrottle):
    """Counts login attempts naming one username, from any address (page and API together)."""

    scope = "login_username"

    def ident_of(self, request: Any) -> str | None:
        username = username_of(request)
        return hashed(username) if username else None


class PreviewUserThrottle(UserRateThrottle):
    scope = "preview"


class PreviewAddressThrottle(AddressRateThrottle):
    scope = "preview_address"


class ImportUserThrottle(UserRateThrottle):
    scope = "import"


class ImportAddressThrottle(AddressRateThrottle):
    scope = "import_address"


LOGIN_THROTTLES = (LoginAddressThrottle, LoginUsernameThrottle)
PREVIEW_THROTTLES = (PreviewUserThrottle, PreviewAddressThrottle)
IMPORT_THROTTLES = (ImportUserThrottle, ImportAddressThrottle)
