"""Settings for the test suite: SQLite or DATABASE_URL, in-process tasks, fast hashing."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")

from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK

# The unit suite runs tasks in-process even when a broker is configured; tests marked `live`
# start a real worker against CELERY_BROKER_URL themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# No collectstatic before tests: serve files from the apps, without a manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests change rows behind the services' back and expect the next match to see it.
MATCHMAKER_INDEX_FRESHNESS_MS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Many tests act as the same user from the same address: limits far above what any test sends.
# Throttling and lock-out have their own tests (tests/core/test_throttling.py, test_lockout.py).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {scope: "100000/minute" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
}
LOGIN_LOCKOUT_FAILURES = 1000
