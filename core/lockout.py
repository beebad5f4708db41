"""Login lock-out: after LOGIN_LOCKOUT_FAILURES failed logins for one username within
LOGIN_LOCKOUT_WINDOW_SECONDS, that username is refused for LOGIN_LOCKOUT_SECONDS, whatever the
password and wherever it comes from (the page, the API token login, the admin).

Counted in the default cache (Redis in production, shared by every process). Usernames are compared
case-insensitively, so "Bob" and "bob" share one counter. A lock is never lifted early: a correct
password during the lock is refused like a wrong one, and only a login that succeeds while no lock
is in force clears the failure count.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from core.throttling import hashed


def _failures_key(username: str) -> str:
    return f"lockout:failures:{hashed(username)}"


def _lock_key(username: str) -> str:
    return f"lockout:locked:{hashed(username)}"


def locked_for(username: str) -> int:
    """Seconds until `username` may log in again; 0 when it is not locked."""
    if not username:
        return 0
    until = cache.get(_lock_key(username))
    if until is None:
        return 0
    return max(math.ceil(until - time.time()), 0)


def record_failure(username: str) -> bool:
    """Count one failed login; lock the username when the count reaches the limit. True if now locked."""
    if not username or locked_for(username):
        return bool(username)
    key = _failures_key(username)
    # add() starts the window only on the first failure; incr() is atomic in Redis.
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_WINDOW_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_WINDOW_SECONDS)
        failures = 1
    if failures < settings.LOGIN_LOCKOUT_FAILURES:
        return False
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    cache.set(_lock_key(username), time.time() + seconds, timeout=seconds)
    cache.delete(key)
    return True


def record_success(username: str) -> None:
    """A login succeeded while no lock was in force: earlier failures no longer count."""
    cache.delete(_failures_key(username))


def unlock(username: str) -> None:
    """Lift a lock and forget the failures (operators; `manage.py unlock_login USERNAME`)."""
    cache.delete_many([_lock_key(username), _failures_key(username)])


def lock_message(seconds: int) -> str:
    minutes = max(math.ceil(seconds / 60), 1)
    return f"该账号连续登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。"
