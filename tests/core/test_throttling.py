"""Request rates: login (page and API), match preview and import, each per user and per client address.

Rates are set low per test through settings (core/throttling.py reads them per request); the
counters live in the cache, which each test empties first.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from core import throttling
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/match/preview/"
IMPORTS = "/api/v1/imports/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def rates(settings):
    """Set some scopes' rates for this test; the counters start empty."""
    cache.clear()

    def set_rates(**scopes: str) -> None:
        rest = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **rest,
            "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **scopes},
        }

    yield set_rates
    cache.clear()


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def login_api(username: str, password: str = "wrong", address: str = "10.0.0.1", **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def login_page(username: str, password: str = "wrong", address: str = "10.0.0.1"):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_every_throttle_scope_has_a_production_rate():
    from rest_framework.throttling import SimpleRateThrottle

    from config.settings import base

    configured = base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    classes = (*throttling.LOGIN_THROTTLES, *throttling.PREVIEW_THROTTLES, *throttling.IMPORT_THROTTLES)
    for throttle in classes:
        requests, seconds = SimpleRateThrottle.parse_rate(None, configured[throttle.scope])
        assert requests > 0 and seconds > 0, throttle.scope
    assert base.REST_FRAMEWORK["NUM_PROXIES"] == 0


# --- login ------------------------------------------------------------------------------------


def test_api_login_is_limited_per_address(rates):
    rates(login="3/minute")
    codes = [login_api(f"user{i}").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]
    refused = login_api("someone")
    assert "Retry-After" in refused and "detail" in refused.json()
    # Another address is not affected.
    assert login_api("someone", address="10.0.0.2").status_code == 400


def test_api_login_is_limited_per_username_from_any_address(rates):
    rates(login_username="2/minute")
    codes = [login_api("alice", address=f"10.0.1.{i}").status_code for i in range(3)]
    assert codes == [400, 400, 429]
    # Another username from the same addresses is not affected.
    assert login_api("bob", address="10.0.1.9").status_code == 400


def test_a_throttled_login_gets_no_token_even_with_the_right_password(rates):
    UserFactory(username="alice")
    rates(login="1/minute")
    assert login_api("alice", TEST_PASSWORD).status_code == 200
    assert login_api("alice", TEST_PASSWORD).status_code == 429


def test_page_login_is_limited_per_address_with_a_chinese_message(rates):
    UserFactory(username="alice")
    rates(login="2/minute")
    assert [login_page(f"user{i}").status_code for i in range(2)] == [200, 200]
    refused = login_page("alice", TEST_PASSWORD)
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.content.decode()
    assert refused["Retry-After"]
    # The right password was not even tried: no session.
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_page_login_is_limited_per_username(rates):
    rates(login_username="2/minute")
    codes = [login_page("alice", address=f"10.0.2.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_page_and_api_login_share_their_counters(rates):
    rates(login="3/minute")
    assert login_api("a").status_code == 400
    assert login_page("b").status_code == 200
    assert login_api("c").status_code == 400
    assert login_page("d").status_code == 429
    assert login_api("e").status_code == 429


# --- client address ---------------------------------------------------------------------------


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_limit(rates):
    """NUM_PROXIES=0 (the default): the address is REMOTE_ADDR, whatever X-Forwarded-For says."""
    rates(login="2/minute")
    codes = [login_api(f"u{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [400, 400, 429]


def test_behind_one_proxy_the_address_is_the_one_the_proxy_appended(rates, settings):
    rates(login="2/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.9.9.9"  # every request arrives from the proxy

    def through_proxy(client_address: str, forged: str = "203.0.113.7"):
        # The client may send any X-Forwarded-For; the proxy appends the address it saw.
        return login_api("u", address=proxy, HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}").status_code

    assert [through_proxy("192.0.2.1", forged=f"203.0.113.{i}") for i in range(3)] == [400, 400, 429]
    # Another client behind the same proxy has its own count.
    assert through_proxy("192.0.2.2") == 400


# --- preview ----------------------------------------------------------------------------------


def test_preview_is_limited_per_user_across_addresses(world, rates):
    rates(preview="2/minute")
    client = world.client("enterprise_member")
    codes = [
        client.post(PREVIEW, {"text": "焊接"}, format="json", REMOTE_ADDR=f"10.1.0.{i}").status_code for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert world.client("institution_member").post(PREVIEW, {"text": "焊接"}, format="json").status_code == 200


def test_preview_is_limited_per_address_across_users(world, rates):
    rates(preview_address="3/minute")
    users = ["enterprise_member", "institution_member", "manager", "staff"]
    codes = [
        world.client(role).post(PREVIEW, {"text": "焊接"}, format="json", REMOTE_ADDR="10.1.1.1").status_code
        for role in users
    ]
    assert codes == [200, 200, 200, 429]
    other = world.client("staff").post(PREVIEW, {"text": "焊接"}, format="json", REMOTE_ADDR="10.1.1.2")
    assert other.status_code == 200


# --- import -----------------------------------------------------------------------------------


def test_import_uploads_are_limited_per_user(world, rates):
    rates(**{"import": "2/hour"})
    client = world.client("institution_member")
    # Throttling comes before validation: empty uploads count too.
    codes = [client.post(IMPORTS, {}, format="multipart", REMOTE_ADDR=f"10.2.0.{i}").status_code for i in range(3)]
    assert codes == [400, 400, 429]
    assert world.client("enterprise_member").post(IMPORTS, {}, format="multipart").status_code == 400
    # Reading jobs is not an upload and is not limited by it.
    assert client.get(IMPORTS).status_code == 200


def test_import_uploads_are_limited_per_address(world, rates):
    rates(import_address="2/hour")
    codes = [
        world.client(role).post(IMPORTS, {}, format="multipart", REMOTE_ADDR="10.2.1.1").status_code
        for role in ("institution_member", "enterprise_member", "staff")
    ]
    assert codes == [400, 400, 429]


def test_test_settings_rates_are_far_above_what_a_test_sends():
    """Other tests act as one user many times; the suite's own rates must never trip them."""
    from rest_framework.settings import api_settings

    for scope, rate in api_settings.DEFAULT_THROTTLE_RATES.items():
        requests, seconds = throttling.LoginAddressThrottle.parse_rate(None, rate)
        assert requests / seconds >= 1000 / 60, scope
