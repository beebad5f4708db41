"""Environment readers in config/env.py, and how the settings behave in a production-like environment."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

REPO = Path(__file__).resolve().parents[2]
VAR = "MATCHMAKER_TEST_VARIABLE"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True)],
        *[("0", False), ("false", False), ("False", False), ("no", False), ("off", False)],
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)

    assert env_bool(VAR) is expected
    assert env_bool(VAR, default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_returns_the_default_when_unset(monkeypatch, default):
    monkeypatch.delenv(VAR, raising=False)

    assert env_bool(VAR, default=default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y3s", "truee"])
def test_env_bool_rejects_other_values_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool(VAR)

    assert VAR in str(excinfo.value)
    assert repr(raw) in str(excinfo.value)


def test_env_int_reads_an_integer_and_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv(VAR, " 42 ")
    assert env_int(VAR, 7) == 42
    monkeypatch.setenv(VAR, "-3")
    assert env_int(VAR, 7) == -3
    monkeypatch.setenv(VAR, "  ")
    assert env_int(VAR, 7) == 7
    monkeypatch.delenv(VAR)
    assert env_int(VAR, 7) == 7


@pytest.mark.parametrize("raw", ["abc", "1.5", "10s", "0x10"])
def test_env_int_rejects_non_integers_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_int(VAR, 1)

    assert VAR in str(excinfo.value)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(VAR, " a.example.com, ,b.example.com ,,")

    assert env_list(VAR) == ["a.example.com", "b.example.com"]


def test_env_list_returns_a_copy_of_the_default_when_unset(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    default = ["localhost"]

    result = env_list(VAR, default)
    result.append("mutated")

    assert default == ["localhost"]
    assert env_list(VAR) == []


def test_env_list_of_an_empty_variable_is_empty_not_the_default(monkeypatch):
    monkeypatch.setenv(VAR, "")

    assert env_list(VAR, ["localhost"]) == []


def test_env_str_returns_the_value_or_the_default(monkeypatch):
    monkeypatch.setenv(VAR, "value")
    assert env_str(VAR, "d") == "value"
    monkeypatch.delenv(VAR)
    assert env_str(VAR, "d") == "d"


# --- the settings, in a fresh interpreter -------------------------------------------------------


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The process environment without any Django or Matchmaker variable, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "MATCHMAKER_"))
    }
    env["MATCHMAKER_DATA_DIR"] = str(tmp_path)
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_settings_refuse_to_load_without_a_secret_key_when_debug_is_off(tmp_path):
    env = clean_env(tmp_path, DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings.base")

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_manage_py_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(["manage.py", "check"], clean_env(tmp_path, DJANGO_DEBUG="0"))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_load_without_a_secret_key_in_debug(tmp_path):
    env = clean_env(tmp_path, DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings.base")

    result = run(["-c", "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost']"


def test_settings_name_a_misspelt_boolean_variable(tmp_path):
    env = clean_env(tmp_path, DJANGO_DEBUG="maybe", DJANGO_SETTINGS_MODULE="config.settings.base")

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_deploy_check_passes_with_production_like_settings(tmp_path):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    secret = "".join(secrets.choice(alphabet) for _ in range(60))
    env = clean_env(
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret,
        DJANGO_ALLOWED_HOSTS="matchmaker.example.com",
        CACHE_URL="redis://127.0.0.1:6379/1",  # checked only by name: nothing connects here
    )

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

    # Without a shared cache the request limits and lock-out would count per process.
    del env["CACHE_URL"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "core.W001" in result.stdout + result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    settings_text = (root / "config" / "settings" / "base.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:str|bool|int|list|json_object)\("([A-Z_]+)"', settings_text))
    example = (root / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
