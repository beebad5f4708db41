"""Token login for REST clients."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenLoginView(ObtainAuthToken):
    """POST username and password; returns {"token": ...}. Throttled per address."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
