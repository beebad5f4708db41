"""All settings; values that differ between machines come from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_json_object, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("MATCHMAKER_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# The one secret-looking value in the repository: a fixed, obviously unsafe key for a laptop.
INSECURE_DEVELOPMENT_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, "
            "or set DJANGO_DEBUG=1 for local development (see .env.example)."
        )
    SECRET_KEY = INSECURE_DEVELOPMENT_KEY
elif not DEBUG and (SECRET_KEY == INSECURE_DEVELOPMENT_KEY or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a development key; set a long random value in production.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "needs",
    "outcomes",
    "brokers",
    "matchmaker",
    "analytics",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a body (CsrfViewMiddleware reads page forms): 413 over the limit.
    "core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# An SQLite file in the data folder unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'matchmaker.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request uses it, so the first request after a
        # database restart reconnects instead of failing (tests/core/test_db_faults.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Requests and the in-process tasks share one file; wait for the write lock instead of failing.
    # IMMEDIATE: a transaction takes the write lock when it begins, where the timeout applies; a
    # deferred one that reads and then writes fails at once with "database is locked" when another
    # process writes (seen under `python -m core.loadtest` with two gunicorn workers, docs/load.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    # Throttle counters must be shared by every web process, so production points this at Redis.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Django's model backend behind the login lock-out (core/lockout.py): page, API and admin alike.
AUTHENTICATION_BACKENDS = ["core.auth_backends.LockoutModelBackend"]
# N failed logins for one username within the window lock it for LOGIN_LOCKOUT_SECONDS.
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_WINDOW_SECONDS = env_int("LOGIN_LOCKOUT_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)

# Request bodies: a need or outcome is a few kB of JSON; only the import upload routes take more
# (IMPORT_MAX_UPLOAD_BYTES). Over the limit: 413 before the body is read (core/middleware.py).
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Rows per API page a client may ask for with ?page_size= (larger asks get this many).
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 100)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# --- Security: strict by default, relaxed only for DEBUG on a laptop -----------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    # Reverse proxies in front of the app that append to X-Forwarded-For (nginx: 1). 0: the client
    # address is REMOTE_ADDR and X-Forwarded-For is ignored, so it cannot be forged to dodge limits.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    # Scopes of core/throttling.py: per client address, per username tried, per logged-in user.
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("THROTTLE_LOGIN", "20/minute"),
        "login_username": env_str("THROTTLE_LOGIN_USERNAME", "10/minute"),
        "preview": env_str("THROTTLE_PREVIEW", "30/minute"),
        "preview_address": env_str("THROTTLE_PREVIEW_ADDRESS", "120/minute"),
        "import": env_str("THROTTLE_IMPORT", "20/hour"),
        "import_address": env_str("THROTTLE_IMPORT_ADDRESS", "60/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Matchmaker API · 科技成果与产业需求对接平台",
    "DESCRIPTION": (
        "产业需求库与科技成果库的对接平台 REST API。Token 认证：POST /api/v1/auth/token/ 取得令牌，"
        "之后在请求头中带 `Authorization: Token <令牌>`。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files are served from this installation, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        # One schema name per shared choice set, not one per field that uses it.
        "IndustryChainEnum": "core.taxonomy.industry_chain_choices",
        "TransferModeEnum": "core.models.TransferMode",
        "NeedStatusEnum": "needs.models.Need.Status",
        "OutcomeStatusEnum": "outcomes.models.Outcome.Status",
        "ImportKindEnum": "imports.models.ImportJob.Kind",
        "ImportStatusEnum": "imports.models.ImportJob.Status",
        "DealMoveEnum": [
            ("contacted", "已联系"),
            ("negotiating", "洽谈中"),
            ("signed", "已签约"),
            ("closed", "已关闭"),
        ],
    },
}

# --- Celery ------------------------------------------------------------------------------
# Without a broker URL the tasks run in-process, so a bare machine needs no Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
# A task is acknowledged only after it finished, so a killed worker's job is redone elsewhere.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process replacing a killed one warms jieba up first (a second or two, more on a busy
# host); Celery's default 4 s would kill it again before its first task.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env_int("CELERY_WORKER_PROC_ALIVE_TIMEOUT", 30)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task still unacknowledged this long after delivery (its whole worker died) is handed to
    # another worker. It must exceed the longest run of any task, or a slow task runs twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for such tasks; kombu's default scans every 10 × 10 s.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 30),
    "unacked_restore_throttle": 1,
    # A dead or hung Redis must not hold a web request: without these a publish to a Redis that
    # accepts connections but never answers waits forever (docs/resilience.md).
    "socket_connect_timeout": 1,
    "socket_timeout": env_int("CELERY_BROKER_SOCKET_TIMEOUT", 1),
}
# One reconnect, so the first publish after a Redis restart (stale pooled connection) succeeds;
# no more, so a request on a dead broker returns within about two socket timeouts. A lost
# publish is not lost work: the sweeps below re-queue the rows whose task never ran.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# Seconds between the sweeps that re-queue rows whose task was lost (broker outage).
MATCHMAKER_SWEEP_SECONDS = env_int("MATCHMAKER_SWEEP_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    # Rows whose task was lost while the broker was down are picked up here.
    "sweep-unprepared-text": {
        "task": "matchmaker.tasks.sweep_unprepared",
        "schedule": timedelta(seconds=MATCHMAKER_SWEEP_SECONDS),
    },
    # Needs whose matching task was lost (broker down at commit time) are matched here.
    "sweep-unmatched-needs": {
        "task": "matchmaker.tasks.sweep_unmatched",
        "schedule": timedelta(seconds=MATCHMAKER_SWEEP_SECONDS),
    },
    "assign-and-escalate-reviews": {
        "task": "matchmaker.tasks.sweep_reviews",
        "schedule": timedelta(minutes=15),
    },
    "recompute-star-levels": {
        "task": "brokers.tasks.recompute_star_levels",
        "schedule": crontab(hour=2, minute=30),
    },
    # Refreshes the IDF weights; between rebuilds the index is rebuilt when the corpus changes.
    "rebuild-index-nightly": {
        "task": "matchmaker.tasks.rebuild_index",
        "schedule": crontab(hour=3, minute=0),
    },
}

# --- Matching ----------------------------------------------------------------------------
# Index artifacts; in production a folder every worker reads (shared storage).
MATCHMAKER_INDEX_DIR = Path(env_str("MATCHMAKER_INDEX_DIR", str(DATA_DIR / "index")))
# A process re-checks that its index matches the database at most this often (its own writes
# count at once): the check is a count and two index lookups (~12 ms at 106,000 rows on SQLite).
MATCHMAKER_INDEX_FRESHNESS_MS = env_int("MATCHMAKER_INDEX_FRESHNESS_MS", 250)
# Overrides of the matcher's settings (matchmaker/engine/_settings.py), as a JSON object of field
# names, e.g. '{"min_topic_score": 0.51}'. The abstention thresholds are cosines of the library's own
# LSA space: recalibrate them on the library you serve (docs/deployment.md, Matching settings). A
# change rebuilds the indexes once (an artifact records the settings it was built under); every web
# and worker process must be given the same value. Checked at start-up.
MATCHMAKER_ENGINE_SETTINGS = env_json_object("MATCHMAKER_ENGINE_SETTINGS")
# A manager reviews every proposal, so a short list of strong candidates beats a long one.
MATCHMAKER_PROPOSALS_PER_NEED = env_int("MATCHMAKER_PROPOSALS_PER_NEED", 10)
MATCHMAKER_PROPOSALS_PER_OUTCOME = env_int("MATCHMAKER_PROPOSALS_PER_OUTCOME", 10)
# Proposals scoring under this share of the need's best are not worth a manager's time. Measured
# with the engine on ../shared/bench/dev (top 10 per need): 0.5 keeps 158 of 162 relevant pairs
# while cutting proposals from 10 to 7.6 a need (precision 0.27 → 0.35); 0.6 loses 14 of 162.
MATCHMAKER_MIN_SCORE_RATIO = 0.5
MATCHMAKER_PREVIEW_MAX = 50
# Open needs per `match_needs` task when rematch_all fans out as a Celery group.
MATCHMAKER_REMATCH_SHARD_SIZE = env_int("MATCHMAKER_REMATCH_SHARD_SIZE", 250)
# A proposal nobody decides within this many working days is escalated and reassigned.
MATCHMAKER_REVIEW_WINDOW_DAYS = env_int("MATCHMAKER_REVIEW_WINDOW_DAYS", 3)

# --- Bulk import (imports/, docs/imports.md) -----------------------------------------------
# Uploaded files are kept here until their job is deleted; in production a folder every worker reads.
IMPORT_DIR = Path(env_str("IMPORT_DIR", str(DATA_DIR / "imports")))
# A 106,000-row outcome CSV with short abstracts is about 30 MB.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 64 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# An XLSX is a zip archive: its declared uncompressed size and per-member ratio are checked before
# openpyxl inflates anything (a 106,000-row sheet is about 60 MB inflated, at a ratio near 10).
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", 100)
IMPORT_XLSX_MAX_MEMBERS = 1000
# Rows per transaction, and per preparation-and-matching task.
IMPORT_CHUNK_SIZE = env_int("IMPORT_CHUNK_SIZE", 1000)
IMPORT_TASK_SOFT_TIME_LIMIT = env_int("IMPORT_TASK_SOFT_TIME_LIMIT", 3600)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "matchmaker@example.com")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The SMTP relay (with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both.")
# A worker sends the notifications and retries them; without a broker, or with it down, they are
# sent in the manager's request, which a silent relay must not hold (Django's default is to wait
# forever); a worker must not hang on one either. Seconds.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# A notification the relay refused is retried after this many seconds, then twice as long each time
# (at most 30 minutes apart, ten times: about four hours with the default).
MATCHMAKER_MAIL_RETRY_SECONDS = env_int("MATCHMAKER_MAIL_RETRY_SECONDS", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Per-task success lines drown everything else when tasks run in-process.
    "loggers": {"jieba": {"level": "WARNING"}, "celery.app.trace": {"level": env_str("TASK_LOG_LEVEL", "WARNING")}},
}
