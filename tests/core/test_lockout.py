"""Login lock-out: repeated failures for one username lock it on the page, the API and the admin alike."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import lockout
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def policy(settings):
    """3 failures within 10 minutes lock the username for 15 minutes; counters start empty."""
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_WINDOW_SECONDS = 600
    settings.LOGIN_LOCKOUT_SECONDS = 900
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def api_login(username: str, password: str = "wrong"):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def page_login(username: str, password: str = "wrong", client: Client | None = None):
    return (client or Client()).post("/login/", {"username": username, "password": password})


def test_the_production_policy_is_five_failures_in_fifteen_minutes_for_fifteen_minutes():
    from config.settings import base

    assert (base.LOGIN_LOCKOUT_FAILURES, base.LOGIN_LOCKOUT_WINDOW_SECONDS, base.LOGIN_LOCKOUT_SECONDS) == (
        5,
        900,
        900,
    )
    assert base.AUTHENTICATION_BACKENDS == ["core.auth_backends.LockoutModelBackend"]


def test_api_login_locks_after_repeated_failures_with_a_json_429(alice):
    assert [api_login("alice").status_code for _ in range(2)] == [400, 400]
    locked = api_login("alice")  # the third failure locks, and says so
    assert locked.status_code == 429
    assert "已暂时锁定" in locked.json()["detail"]
    assert 0 < int(locked["Retry-After"]) <= 900
    # The right password is refused during the lock, and no token is issued.
    right = api_login("alice", TEST_PASSWORD)
    assert right.status_code == 429 and "15 分钟" in right.json()["detail"]
    assert not Token.objects.filter(user=alice).exists()


def test_page_login_locks_with_a_chinese_message_and_refuses_the_right_password(alice):
    for _ in range(2):
        page = page_login("alice")
        assert page.status_code == 200 and "用户名或密码不正确" in page.content.decode()
    locked = page_login("alice")
    assert locked.status_code == 429
    assert "该账号连续登录失败次数过多，已暂时锁定" in locked.content.decode()
    client = Client()
    right = page_login("alice", TEST_PASSWORD, client)
    assert right.status_code == 429 and "已暂时锁定" in right.content.decode()
    assert client.get("/deals/").status_code == 302  # not logged in


def test_page_and_api_failures_count_together(alice):
    page_login("alice")
    api_login("alice")
    assert page_login("alice").status_code == 429
    assert api_login("alice", TEST_PASSWORD).status_code == 429


def test_the_admin_login_is_refused_during_a_lock(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    for _ in range(3):
        api_login("alice")
    client = Client()
    client.post("/admin/login/", {"username": "alice", "password": TEST_PASSWORD, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302  # still sent to the admin login


def test_the_lock_is_per_username_and_ignores_case(alice):
    UserFactory(username="bob")
    for name in ("ALICE", "Alice", " alice"):
        api_login(name)
    assert api_login("alice", TEST_PASSWORD).status_code == 429
    assert api_login("bob", TEST_PASSWORD).status_code == 200


def test_an_unknown_username_locks_the_same_way(db):
    """The answers do not tell an attacker which usernames exist."""
    codes = [api_login("nobody-here").status_code for _ in range(4)]
    assert codes == [400, 400, 429, 429]


def test_a_successful_login_before_the_limit_clears_earlier_failures(alice):
    api_login("alice")
    api_login("alice")
    assert api_login("alice", TEST_PASSWORD).status_code == 200
    assert [api_login("alice").status_code for _ in range(2)] == [400, 400]
    assert api_login("alice", TEST_PASSWORD).status_code == 200


def test_the_lock_expires_on_its_own(alice, policy):
    policy.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(3):
        api_login("alice")
    assert api_login("alice", TEST_PASSWORD).status_code == 429
    time.sleep(1.2)
    assert api_login("alice", TEST_PASSWORD).status_code == 200


def test_failures_outside_the_window_do_not_add_up(alice, policy):
    policy.LOGIN_LOCKOUT_WINDOW_SECONDS = 1
    api_login("alice")
    api_login("alice")
    time.sleep(1.2)
    assert api_login("alice").status_code == 400
    assert api_login("alice", TEST_PASSWORD).status_code == 200


def test_failures_during_a_lock_do_not_extend_it(alice):
    for _ in range(3):
        api_login("alice")
    first = lockout.locked_for("alice")
    for _ in range(5):
        api_login("alice")
    assert lockout.locked_for("alice") <= first


def test_an_operator_can_lift_a_lock(alice, capsys):
    for _ in range(3):
        api_login("alice")
    call_command("unlock_login", "alice")
    assert "已解除 alice 的登录锁定" in capsys.readouterr().out
    assert api_login("alice", TEST_PASSWORD).status_code == 200


def test_a_session_already_open_is_not_affected(alice):
    """The lock stops new logins; it does not throw out a user who is already in."""
    client = Client()
    client.force_login(alice)
    for _ in range(3):
        api_login("alice")
    assert client.get("/deals/").status_code == 200


@pytest.mark.live
def test_on_redis_concurrent_failures_all_count_and_the_lock_is_shared(alice, policy):
    """Production counts in Redis (CACHE_URL): increments from many threads are atomic, and a lock set
    through one connection is seen through another (another web process)."""
    import threading
    import uuid

    from django.core.cache import caches

    from tests.live import broker_url

    url = broker_url()
    prefix = f"lockout-test-{uuid.uuid4().hex}"
    policy.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    try:
        policy.LOGIN_LOCKOUT_FAILURES = 1000
        threads = [threading.Thread(target=lockout.record_failure, args=("carol",)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert cache.get(lockout._failures_key("carol")) == 20

        policy.LOGIN_LOCKOUT_FAILURES = 3
        for _ in range(3):
            api_login("alice")
        assert api_login("alice", TEST_PASSWORD).status_code == 429
        # The lock is a Redis key any other process reads (Django stores it as PREFIX:VERSION:KEY).
        import redis

        keys = list(redis.Redis.from_url(url).scan_iter(f"{prefix}:*"))
        assert any(b"lockout:locked:" in key for key in keys), keys
    finally:
        cache.delete_many([lockout._failures_key("carol"), lockout._lock_key("alice"), lockout._failures_key("alice")])
        caches["default"].close()
