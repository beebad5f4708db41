"""Security controls (docs/security.md): secret key, password hashing, token revocation, CSRF on
every page form, and no secret in the repository. `check --deploy` is in tests/core/test_env.py;
escaping of user text in a real browser in tests/matchmaker/test_xss_browser.py.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from matchmaker.models import Match, MatchQuestion
from tests.conftest import ROLES
from tests.core.test_env import clean_env, run
from tests.factories import TEST_PASSWORD, UserFactory

REPO = Path(__file__).resolve().parents[2]


# --- secret key --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["insecure-development-key-do-not-use-in-production", "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz"]
)
def test_a_development_secret_key_is_refused_when_debug_is_off(tmp_path, key):
    env = clean_env(tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=key, DJANGO_SETTINGS_MODULE="config.settings.base")
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "development key" in result.stderr


def test_the_development_key_is_used_only_with_debug_on(tmp_path):
    env = clean_env(tmp_path, DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings.base")
    result = run(
        ["-c", "from django.conf import settings as s; print(s.SECRET_KEY == s.INSECURE_DEVELOPMENT_KEY)"], env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# --- passwords -----------------------------------------------------------------------------------


def test_production_hashes_passwords_with_a_slow_salted_hasher(tmp_path):
    """The test suite uses MD5 for speed; production must not. Read in a process with production settings."""
    env = clean_env(
        tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60, DJANGO_SETTINGS_MODULE="config.settings.base"
    )
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth.hashers import get_hasher, make_password\n"
        "h = get_hasher('default'); print(h.algorithm, getattr(h, 'iterations', 0))\n"
        "a, b = make_password('same-password'), make_password('same-password'); print(a != b)\n"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n")[:2]
    algorithm, iterations = first.split()
    assert algorithm in {"argon2", "pbkdf2_sha256", "scrypt", "bcrypt_sha256"}
    if algorithm == "pbkdf2_sha256":
        assert int(iterations) >= 600_000
    assert second == "True"  # salted: the same password never hashes the same


@pytest.mark.django_db
def test_a_stored_password_is_a_hash_not_the_text(settings):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # what base.py leaves in force
    user = UserFactory(username="carol", password="Correct-Horse-42")
    stored = type(user).objects.values_list("password", flat=True).get(pk=user.pk)
    assert "Correct-Horse-42" not in stored
    assert identify_hasher(stored).algorithm == "pbkdf2_sha256"
    assert check_password("Correct-Horse-42", stored) and not check_password("correct-horse-42", stored)


# --- tokens ------------------------------------------------------------------------------------


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
def test_logout_deletes_the_callers_token_and_the_token_then_fails(world):
    tokens = {role: Token.objects.create(user=user).key for role, user in world.users.items()}
    client = token_client(tokens["enterprise_member"])
    assert client.get("/api/v1/imports/").status_code == 200
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/imports/").status_code == 401
    assert client.post("/api/v1/auth/logout/").status_code == 401
    # Nobody else's token was touched.
    others = {role: key for role, key in tokens.items() if role != "enterprise_member"}
    assert set(Token.objects.values_list("key", flat=True)) == set(others.values())
    # Logging in again gives a new, working token.
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": TEST_PASSWORD}).json()["token"]
    assert fresh != tokens["enterprise_member"]
    assert token_client(fresh).get("/api/v1/imports/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_logout_per_role(world, role):
    """Every logged-in role may revoke its own token (and only its own); anonymous gets 401."""
    if role == "anonymous":
        assert APIClient().post("/api/v1/auth/logout/").status_code == 401
        return
    mine = Token.objects.create(user=world.users[role])
    other_user = world.users["staff" if role != "staff" else "manager"]
    other = Token.objects.create(user=other_user)
    assert token_client(mine.key).post("/api/v1/auth/logout/").status_code == 204
    assert not Token.objects.filter(pk=mine.pk).exists()
    assert Token.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_staff_revoke_a_users_token_in_the_admin(world):
    victim = world.users["institution_member"]
    token = Token.objects.create(user=victim)
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)
    page = admin.get(f"/admin/authtoken/tokenproxy/{victim.pk}/delete/")
    assert page.status_code == 200
    assert admin.post(f"/admin/authtoken/tokenproxy/{victim.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    assert token_client(token.key).get("/api/v1/imports/").status_code == 401
    # A member without staff rights cannot reach that page.
    member = Client()
    member.force_login(world.users["enterprise_member"])
    assert member.get(f"/admin/authtoken/tokenproxy/{victim.pk}/delete/").status_code == 302


# --- CSRF on every page form -----------------------------------------------------------------


class _Forms(HTMLParser):
    """Each <form>: its method, action and the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "inputs": []}
            self.forms.append(self._open)
        elif tag in ("input", "textarea", "select", "button") and self._open is not None:
            self._open["inputs"].append(attrs.get("name"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def pages(world):
    """The world with a pairing under review, a rejected one, an approved deal with an open question."""
    from tests.factories import NeedFactory, OutcomeFactory

    bob = world.users["manager"].technology_manager
    now = timezone.now()
    review = Match.objects.create(need=world.need, outcome=world.outcome, score=0.8, rank=1, assigned_to=bob)
    rejected = Match.objects.create(
        need=world.other_need,
        outcome=world.outcome,
        score=0.5,
        rank=1,
        status=Match.Status.REJECTED,
        reject_reason="other",
        decision_note="不合适",
        assigned_to=bob,
        decided_by=bob,
        decided_at=now,
    )
    deal = Match.objects.create(
        need=NeedFactory(enterprise=world.enterprise),
        outcome=OutcomeFactory(institution=world.institution),
        score=0.7,
        rank=1,
        status=Match.Status.APPROVED,
        assigned_to=bob,
        decided_by=bob,
        decided_at=now,
        stage_changed_at=now,
    )
    MatchQuestion.objects.create(match=review, party="need", question="请说明预算。", asked_by=world.users["manager"])
    world.review, world.rejected, world.deal = review, rejected, deal
    return world


# (role, page) pairs covering every template with a POST form: login, the nav's logout button,
# the review actions (approve / reject / ask, and staff's reopen), deal moves, question answers.
def page_list(w) -> list[tuple[str, str]]:
    return [
        ("anonymous", "/login/"),
        ("manager", "/review/"),
        ("manager", f"/review/{w.review.pk}/"),
        ("staff", f"/review/{w.rejected.pk}/"),
        ("manager", "/deals/"),
        ("manager", f"/deals/{w.deal.pk}/"),
        ("enterprise_member", "/deals/"),
        ("enterprise_member", f"/deals/{w.deal.pk}/"),
        ("institution_member", "/deals/"),
        ("enterprise_member", f"/needs/{w.need.pk}/rejections/"),
        ("institution_member", f"/outcomes/{w.outcome.pk}/rejections/"),
        ("staff", "/analytics/funnel/"),
        ("staff", "/analytics/regional-flows/"),
        ("staff", "/analytics/managers/"),
    ]


def client_as(world, role: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.django_db
def test_every_post_form_on_every_page_carries_a_csrf_token_and_a_post_without_it_is_refused(pages):
    actions: set[tuple[str, str]] = set()
    for role, path in page_list(pages):
        response = client_as(pages, role).get(path)
        assert response.status_code == 200, (role, path)
        posts = [form for form in forms_of(response.content.decode()) if form["method"] == "post"]
        assert posts, f"{path} as {role} shows no POST form"
        for form in posts:
            assert "csrfmiddlewaretoken" in form["inputs"], (role, path, form)
            actions.add((role, form["action"] or path))
    # Every kind of POST form was seen.
    kinds = {re.sub(r"/\d+/", "/N/", action) for _role, action in actions}
    assert {
        "/login/",
        "/logout/",
        "/review/N/approve/",
        "/review/N/reject/",
        "/review/N/ask/",
        "/review/N/reopen/",
        "/deals/N/move/",
        "/questions/N/answer/",
    } <= kinds

    before = list(Match.objects.order_by("pk").values())
    questions = list(MatchQuestion.objects.order_by("pk").values())
    for role, action in sorted(actions):
        strict = client_as(pages, role, enforce_csrf_checks=True)
        refused = strict.post(action, {"note": "无令牌", "status": "contacted", "answer": "x", "reason": "other"})
        assert refused.status_code == 403, (role, action)
        assert "安全校验" in refused.content.decode()
    assert list(Match.objects.order_by("pk").values()) == before
    assert list(MatchQuestion.objects.order_by("pk").values()) == questions


@pytest.mark.django_db
def test_with_the_pages_token_the_same_post_is_accepted(pages):
    """The 403 above is the missing token, nothing else: the same form with its token goes through."""
    strict = client_as(pages, "manager", enforce_csrf_checks=True)
    html = strict.get(f"/review/{pages.review.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = strict.post(
        f"/review/{pages.review.pk}/ask/", {"csrfmiddlewaretoken": token, "party": "outcome", "question": "中试规模？"}
    )
    assert response.status_code == 302
    assert MatchQuestion.objects.filter(match=pages.review, question="中试规模？").exists()


# --- no secret in the repository ---------------------------------------------------------------

PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")
PROVIDER_TOKENS = re.compile(
    r"\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
    r"|sk-[A-Za-z0-9]{32,}|glpat-[A-Za-z0-9_-]{20})\b"
)
# NAME = "value" / NAME: "value" / ("NAME", "value") in code, NAME=value in shell and .env files,
# for secret-ish names.
SECRET_NAME = r"[A-Za-z_]*(?:SECRET|PASSW(?:OR)?D|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)[A-Za-z_]*"
QUOTED = re.compile(rf"""(?i)\b({SECRET_NAME})["']?\s*(?:[:=]|,)\s*[rbf]?(["'])([^"'\s]{{8,}})\2""")
ENV_LINE = re.compile(rf"""(?im)^\s*(?:export\s+)?({SECRET_NAME})=([^\s"'$]{{8,}})\s*$""")


def assignments(text: str, name: str = "") -> list[tuple[str, str]]:
    found = [(m.group(1), m.group(3)) for m in QUOTED.finditer(text)]
    if not name.endswith((".py", ".html", ".md")):  # unquoted values: shell, .env, Makefile, CI files
        found += [(m.group(1), m.group(2)) for m in ENV_LINE.finditer(text)]
    return found


# A value that says what it is: a placeholder, a test or development value, or a reference.
MARKED_NOT_SECRET = re.compile(
    r"(?i)test|insecure|demo|bench|fuzz|probe|fake|example|wrong|dummy|not-used|placeholder|changeme"
)
ALLOWED_EXACT_VALUES = {"pw-for-tests-9f3k"}


def tracked_text_files() -> list[tuple[str, str]]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = []
    for name in filter(None, listing.split("\0")):
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        try:
            files.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary
    return files


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_like_a_value(value: str) -> bool:
    """Skip references (settings.X, env names, URLs paths, f-string fields), not literal secrets."""
    return not (
        value.startswith(("/", "{", "$", "<", "settings.", "os.", "env"))
        or value.isupper()
        or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*\(?", value) is not None
    )


def test_the_scanner_finds_what_it_looks_for():
    fake_key = "-----BEGIN RSA " + "PRIVATE KEY-----"
    assert PRIVATE_KEY.search(fake_key)
    assert PROVIDER_TOKENS.search("aws = AKIA" + "ABCDEFGHIJKLMNOP")
    assert assignments('DJANGO_SECRET_KEY = "n8#vQ2!xL0pZr7@kW4mYt9"') == [
        ("DJANGO_SECRET_KEY", "n8#vQ2!xL0pZr7@kW4mYt9")
    ]
    assert assignments('os.environ.setdefault("DJANGO_SECRET_KEY", "n8vQ2xL0pZr7kW4mYt9")')
    assert assignments("x=1\nDJANGO_SECRET_KEY=n8vQ2xL0pZr7kW4mYt9\n")
    assert assignments("password = 'hunter2hunter2'") and not MARKED_NOT_SECRET.search("hunter2hunter2")
    assert not assignments("tokens = tokenize(text)")


def test_no_private_key_or_provider_token_is_in_the_repository():
    found = [
        name
        for name, text in tracked_text_files()
        if name != "tests/core/test_security.py" and (PRIVATE_KEY.search(text) or PROVIDER_TOKENS.search(text))
    ]
    assert found == []


def test_every_secret_looking_assignment_is_a_marked_test_or_development_value():
    """A real secret comes from the environment; a literal must say it is a test/dev/demo value."""
    found = []
    for name, text in tracked_text_files():
        if name == "tests/core/test_security.py":
            continue
        for variable, value in assignments(text, name):
            if not looks_like_a_value(value) or value in ALLOWED_EXACT_VALUES or MARKED_NOT_SECRET.search(value):
                continue
            found.append((name, variable, value[:12] + "…"))
    assert found == []


def test_no_high_entropy_string_is_in_the_repository():
    found = []
    for name, text in tracked_text_files():
        if name.endswith((".yaml", ".lock")) or name == "tests/core/test_security.py":
            continue
        for match in re.finditer(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}(?![A-Za-z0-9+/_-])", text):
            token = match.group(0)
            if entropy(token) > 4.5 and not MARKED_NOT_SECRET.search(token) and not token.startswith("/"):
                found.append((name, token[:12] + "…"))
    assert found == []
